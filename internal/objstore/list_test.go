package objstore

import (
	"context"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

func TestListObjects(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "list-bucket")
	for _, k := range []string{"a/1", "a/2", "a/b/3", "b", "c/1", "c/2", "d", "é"} {
		f.put(t, "list-bucket", k, "x")
	}
	cases := []struct {
		name           string
		in             ListInput
		keys, prefixes []string
		truncated      bool
		last           string
	}{
		{name: "all", in: ListInput{MaxKeys: 1000}, keys: []string{"a/1", "a/2", "a/b/3", "b", "c/1", "c/2", "d", "é"}, last: "é"},
		{name: "delimiter", in: ListInput{Delimiter: "/", MaxKeys: 1000}, keys: []string{"b", "d", "é"}, prefixes: []string{"a/", "c/"}, last: "é"},
		{name: "prefix and delimiter", in: ListInput{Prefix: "a/", Delimiter: "/", MaxKeys: 1000}, keys: []string{"a/1", "a/2"}, prefixes: []string{"a/b/"}, last: "a/b/"},
		{name: "page ends on a prefix", in: ListInput{Delimiter: "/", MaxKeys: 1}, prefixes: []string{"a/"}, truncated: true, last: "a/"},
		{name: "after a prefix skips it", in: ListInput{Delimiter: "/", After: "a/", MaxKeys: 2}, keys: []string{"b"}, prefixes: []string{"c/"}, truncated: true, last: "c/"},
		{name: "after a key inside a prefix", in: ListInput{Delimiter: "/", After: "c/1", MaxKeys: 1000}, keys: []string{"d", "é"}, last: "é"},
		{name: "after without delimiter", in: ListInput{After: "a/b/3", MaxKeys: 2}, keys: []string{"b", "c/1"}, truncated: true, last: "c/1"},
		{name: "max keys zero", in: ListInput{MaxKeys: 0}},
		{name: "prefix matches nothing", in: ListInput{Prefix: "zz", MaxKeys: 10}},
		{name: "multi-character delimiter", in: ListInput{Delimiter: "/b/", MaxKeys: 1000}, keys: []string{"a/1", "a/2", "b", "c/1", "c/2", "d", "é"}, prefixes: []string{"a/b/"}, last: "é"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Bucket = "list-bucket"
			out, err := f.s.ListObjects(context.Background(), f.root, tc.in)
			require.NoError(t, err)
			var keys []string
			for _, o := range out.Objects {
				keys = append(keys, o.Key)
			}
			require.Equal(t, tc.keys, keys)
			require.Equal(t, tc.prefixes, out.CommonPrefixes)
			require.Equal(t, tc.truncated, out.IsTruncated)
			require.Equal(t, tc.last, out.Last)
		})
	}
}

func TestBucketPolicyAndPublicAccessBlock(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "pub-bucket")
	f.put(t, "pub-bucket", "page.html", "<html>")
	anon := &actor.Caller{Identity: actor.Identity{Type: actor.TypeAnonymous}}
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub-bucket/*"}]}`

	_, err := f.read(t, anon, "pub-bucket", "page.html")
	require.Equal(t, "AccessDenied", code(err))
	_, err = f.read(t, anon, "no-such-bucket", "page.html")
	require.Equal(t, "NoSuchBucket", code(err), "as on S3, a missing bucket is 404 to anyone")

	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "pub-bucket", public))
	got, err := f.read(t, anon, "pub-bucket", "page.html")
	require.NoError(t, err)
	require.Equal(t, "<html>", got)

	require.NoError(t, f.s.PutPublicAccessBlock(ctx, f.root, "pub-bucket", &PublicAccessBlock{RestrictPublicBuckets: true}))
	_, err = f.read(t, anon, "pub-bucket", "page.html")
	require.Equal(t, "AccessDenied", code(err), "RestrictPublicBuckets ignores the public policy for outsiders")

	require.NoError(t, f.s.PutPublicAccessBlock(ctx, f.root, "pub-bucket", &PublicAccessBlock{BlockPublicPolicy: true}))
	err = f.s.PutBucketPolicy(ctx, f.root, "pub-bucket", public)
	require.Equal(t, "AccessDenied", code(err))
	require.ErrorContains(t, err, "BlockPublicPolicy")
	restricted := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub-bucket/*","Condition":{"StringEquals":{"aws:SourceAccount":"` + account + `"}}}]}`
	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "pub-bucket", restricted), "a policy pinned to an account is not public")

	for doc, want := range map[string]string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`:               "MalformedPolicy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS:":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::pub-bucket/*"}]}`: "MalformedPolicy",
		`not json`: "MalformedPolicy",
	} {
		require.Equal(t, want, code(f.s.PutBucketPolicy(ctx, f.root, "pub-bucket", doc)), doc)
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::pub-bucket/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}]}`
	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "pub-bucket", deny))
	_, err = f.s.PutObject(ctx, f.root, PutInput{Bucket: "pub-bucket", Key: "x", Size: 0})
	require.Equal(t, "AccessDenied", code(err), "an explicit deny on the encryption header applies to the root user too")
	require.ErrorContains(t, err, "explicit deny")
	_, err = f.s.PutObject(ctx, f.root, PutInput{Bucket: "pub-bucket", Key: "x", SSE: SSERequest{Algorithm: SSEKMS, KMSKeyID: "k"}})
	require.NoError(t, err)
}

func TestSweepRemovesUncommittedBlobs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "sweep-bucket")
	f.put(t, "sweep-bucket", "k", "first")
	f.put(t, "sweep-bucket", "k", "second") // the first blob is retired and deleted in the background
	f.s.Wait()
	now, _ := f.clock.Now().MarshalText()
	require.NoError(t, f.s.store.Update(ctx, func(tx meta.Tx) error { return tx.Put(tablePending, "objects/ff/crashed", now) }))
	n, err := f.s.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 0, n, "a pending write is kept within its TTL")
	f.clock.Advance(25 * time.Hour)
	n, err = f.s.Sweep(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err := f.read(t, f.root, "sweep-bucket", "k")
	require.NoError(t, err)
	require.Equal(t, "second", got)
}
