package objstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func boolp(b bool) *bool { return &b }

// versionIDs lists the versions of key, newest first, marking delete markers with "marker:".
func versionIDs(t *testing.T, f *fixture, bucket, key string) []string {
	t.Helper()
	out, err := f.s.ListObjectVersions(context.Background(), f.root, VersionListInput{Bucket: bucket, Prefix: key, MaxKeys: 1000})
	require.NoError(t, err)
	var ids []string
	for _, o := range out.Versions {
		if o.Key != key {
			continue
		}
		id := versionID(o)
		if o.DeleteMarker {
			id = "marker:" + id
		}
		ids = append(ids, id)
	}
	return ids
}

func TestLifecycleOnVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "lcv")
	require.NoError(t, f.s.PutBucketVersioning(ctx, f.root, "lcv", VersioningEnabled, ""))
	var ids []string
	for i := range 4 {
		ids = append(ids, f.put(t, "lcv", "k", fmt.Sprint(i)).VersionID)
		f.clock.Advance(24 * time.Hour)
	}
	f.put(t, "lcv", "gone", "x")
	d, err := f.s.DeleteVersion(ctx, f.root, ObjectVersion{Bucket: "lcv", Key: "gone"})
	require.NoError(t, err)
	require.True(t, d.DeleteMarker)
	lc := &Lifecycle{Rules: []LifecycleRule{
		{ID: "keep-one", Status: "Enabled", Filter: &LifecycleFilter{Prefix: strp("k")},
			NoncurrentVersionExpiration: &LifecycleNoncurrentExpiration{NoncurrentDays: 1, NewerNoncurrentVersions: 1}},
		{ID: "markers", Status: "Enabled", Filter: &LifecycleFilter{Prefix: strp("gone")},
			NoncurrentVersionExpiration: &LifecycleNoncurrentExpiration{NoncurrentDays: 1},
			Expiration:                  &LifecycleExpiration{ExpiredObjectDeleteMarker: boolp(true)}}}}
	require.NoError(t, f.s.PutBucketLifecycle(ctx, f.root, "lcv", lc))

	// k's versions became noncurrent 3, 2 and 1 days ago (ids[0..2]); ids[1] and ids[0] are old enough (S3
	// counts from the next midnight), and ids[2] is kept as the one newer noncurrent version. gone's only
	// noncurrent version became noncurrent just now.
	res, err := f.s.RunLifecycle(ctx)
	require.NoError(t, err)
	require.Equal(t, LifecycleResult{NoncurrentExpired: 2}, res)
	require.Equal(t, []string{ids[3], ids[2]}, versionIDs(t, f, "lcv", "k"))

	// Two days later gone's noncurrent version expires, and its delete marker, then alone, with it.
	f.clock.Advance(2 * 24 * time.Hour)
	res, err = f.s.RunLifecycle(ctx)
	require.NoError(t, err)
	require.Equal(t, LifecycleResult{NoncurrentExpired: 1, MarkersRemoved: 1}, res)
	require.Empty(t, versionIDs(t, f, "lcv", "gone"))
	require.Equal(t, []string{ids[3], ids[2]}, versionIDs(t, f, "lcv", "k"), "NewerNoncurrentVersions keeps one")
}

func TestVersionListingPagesAndPrefixes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "vlist")
	f.put(t, "vlist", "a", "null version")
	require.NoError(t, f.s.PutBucketVersioning(ctx, f.root, "vlist", VersioningEnabled, ""))
	for _, k := range []string{"a", "a", "b/1", "b/2", "c"} {
		f.put(t, "vlist", k, "x")
	}
	require.NoError(t, f.s.DeleteObject(ctx, f.root, "vlist", "c"))
	all, err := f.s.ListObjectVersions(ctx, f.root, VersionListInput{Bucket: "vlist", Delimiter: "/", MaxKeys: 1000})
	require.NoError(t, err)
	require.Equal(t, []string{"b/"}, all.CommonPrefixes)
	var want []string
	for _, o := range all.Versions {
		want = append(want, fmt.Sprintf("%s %s %v %v", o.Key, versionID(o), o.IsLatest, o.DeleteMarker))
	}
	require.Len(t, want, 5, "a three times, c and its marker")
	require.Equal(t, "a null false false", want[2])
	require.Equal(t, "c "+versionID(all.Versions[3])+" true true", want[3])
	for size := 1; size <= 3; size++ {
		var got []string
		in := VersionListInput{Bucket: "vlist", Delimiter: "/", MaxKeys: size}
		prefixes := 0
		for range 20 {
			page, err := f.s.ListObjectVersions(ctx, f.root, in)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page.Versions)+len(page.CommonPrefixes), size)
			for _, o := range page.Versions {
				got = append(got, fmt.Sprintf("%s %s %v %v", o.Key, versionID(o), o.IsLatest, o.DeleteMarker))
			}
			prefixes += len(page.CommonPrefixes)
			if !page.IsTruncated {
				break
			}
			in.KeyMarker, in.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
		}
		require.Equal(t, want, got, "page size %d", size)
		require.Equal(t, 1, prefixes, "page size %d", size)
	}
}

// TestMoreThanTenObjectTagsIsInvalidTag: S3 answers InvalidTag, not InvalidRequest.
func TestMoreThanTenObjectTagsIsInvalidTag(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "tags-bucket")
	f.put(t, "tags-bucket", "k", "x")
	var tags []Tag
	for i := range 11 {
		tags = append(tags, Tag{Key: fmt.Sprint("k", i), Value: "v"})
	}
	_, err := f.s.PutObjectTagging(context.Background(), f.root, ObjectVersion{Bucket: "tags-bucket", Key: "k"}, tags)
	require.Equal(t, "InvalidTag", code(err))
}

// TestDeleteBucketWithOnlyUploads: S3 deletes a bucket whose only contents are unfinished multipart uploads,
// discarding them; a bucket that still holds versions is not empty.
func TestDeleteBucketWithOnlyUploads(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "uploads-only")
	u, err := f.s.CreateMultipartUpload(ctx, f.root, CreateUploadInput{Bucket: "uploads-only", Key: "big"})
	require.NoError(t, err)
	_, _, err = f.s.UploadPart(ctx, f.root, UploadPartInput{Bucket: "uploads-only", Key: "big", UploadID: u.ID, PartNumber: 1,
		Body: strings.NewReader(strings.Repeat("x", 64<<10)), Size: 64 << 10})
	require.NoError(t, err)
	require.NoError(t, f.s.DeleteBucket(ctx, f.root, "uploads-only"))
	f.bucket(t, "uploads-only")
	_, err = f.s.ListParts(ctx, f.root, ListPartsInput{Bucket: "uploads-only", Key: "big", UploadID: u.ID})
	require.Equal(t, "NoSuchUpload", code(err), "the upload went with the bucket")

	require.NoError(t, f.s.PutBucketVersioning(ctx, f.root, "uploads-only", VersioningEnabled, ""))
	f.put(t, "uploads-only", "k", "x")
	require.NoError(t, f.s.DeleteObject(ctx, f.root, "uploads-only", "k"))
	require.Equal(t, "BucketNotEmpty", code(f.s.DeleteBucket(ctx, f.root, "uploads-only")), "a delete marker and a version remain")
}

// TestEventsNameTheVersion: in a versioned bucket the event of a write names its version, and a delete
// that adds a marker is ObjectRemoved:DeleteMarkerCreated naming the marker, in the notification message too.
func TestEventsNameTheVersion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "ev-versions")
	require.NoError(t, f.s.PutBucketVersioning(ctx, f.root, "ev-versions", VersioningEnabled, ""))
	require.NoError(t, f.s.PutBucketNotification(ctx, f.root, "ev-versions", &Notification{EventBridge: &struct{}{}}))
	o := f.put(t, "ev-versions", "k", "x")
	d, err := f.s.DeleteVersion(ctx, f.root, ObjectVersion{Bucket: "ev-versions", Key: "k"})
	require.NoError(t, err)
	evs, err := f.s.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, evs, 2)
	require.Equal(t, "ObjectCreated:Put", evs[0].Name)
	require.Equal(t, o.VersionID, evs[0].VersionID)
	require.Equal(t, "ObjectRemoved:DeleteMarkerCreated", evs[1].Name)
	require.Equal(t, d.VersionID, evs[1].VersionID)
	msg, err := evs[0].S3Message("cfg")
	require.NoError(t, err)
	require.Contains(t, string(msg), `"versionId":"`+o.VersionID+`"`)
}
