package objstore

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func strp(s string) *string { return &s }

func TestLifecycleRunsOnTheClock(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "lc-bucket")
	f.put(t, "lc-bucket", "logs/old.gz", "x")
	f.put(t, "lc-bucket", "logs/tagged.gz", "x", func(in *PutInput) { in.Tags = []Tag{{Key: "tier", Value: "cold"}} })
	f.put(t, "lc-bucket", "keep/me", "x")
	u, err := f.s.CreateMultipartUpload(ctx, f.root, CreateUploadInput{Bucket: "lc-bucket", Key: "logs/upload"})
	require.NoError(t, err)
	lc := &Lifecycle{Rules: []LifecycleRule{
		{ID: "expire-logs", Status: "Enabled", Filter: &LifecycleFilter{Prefix: strp("logs/")}, Expiration: &LifecycleExpiration{Days: 30}},
		{ID: "cold", Status: "Enabled", Filter: &LifecycleFilter{Tag: &Tag{Key: "tier", Value: "cold"}},
			Transitions: []LifecycleTransition{{Days: 2, StorageClass: "GLACIER"}}},
		{ID: "uploads", Status: "Enabled", Filter: &LifecycleFilter{Prefix: strp("")},
			AbortIncompleteMultipartUpload: &LifecycleAbortUpload{DaysAfterInitiation: 7}},
		{ID: "disabled", Status: "Disabled", Filter: &LifecycleFilter{Prefix: strp("keep/")}, Expiration: &LifecycleExpiration{Days: 1}},
	}}
	require.NoError(t, f.s.PutBucketLifecycle(ctx, f.root, "lc-bucket", lc))
	require.NoError(t, f.s.PutBucketNotification(ctx, f.root, "lc-bucket", &Notification{EventBridge: &struct{}{}}))

	res, err := f.s.RunLifecycle(ctx)
	require.NoError(t, err)
	require.Equal(t, LifecycleResult{}, res, "nothing is due yet")

	f.clock.Advance(3 * 24 * time.Hour)
	res, err = f.s.RunLifecycle(ctx)
	require.NoError(t, err)
	require.Equal(t, LifecycleResult{Transitioned: 1}, res)
	out, err := f.s.HeadObject(ctx, f.root, GetInput{Bucket: "lc-bucket", Key: "logs/tagged.gz"})
	require.NoError(t, err)
	require.Equal(t, "GLACIER", out.Object.StorageClass)

	f.clock.Advance(5 * 24 * time.Hour)
	res, err = f.s.RunLifecycle(ctx)
	require.NoError(t, err)
	require.Equal(t, LifecycleResult{Aborted: 1}, res)
	_, err = f.s.ListParts(ctx, f.root, ListPartsInput{Bucket: "lc-bucket", Key: "logs/upload", UploadID: u.ID})
	require.Equal(t, "NoSuchUpload", code(err))

	f.clock.Advance(30 * 24 * time.Hour)
	res, err = f.s.RunLifecycle(ctx)
	require.NoError(t, err)
	require.Equal(t, LifecycleResult{Expired: 2}, res)
	list, err := f.s.ListObjects(ctx, f.root, ListInput{Bucket: "lc-bucket", MaxKeys: 1000})
	require.NoError(t, err)
	require.Len(t, list.Objects, 1)
	require.Equal(t, "keep/me", list.Objects[0].Key, "a disabled rule does nothing")

	events, err := f.s.PendingEvents(ctx, "", 100)
	require.NoError(t, err)
	var names []string
	for _, e := range events {
		names = append(names, e.Name)
	}
	require.Equal(t, []string{"LifecycleTransition", "LifecycleExpiration:Delete", "LifecycleExpiration:Delete"}, names)
}

func TestLifecycleValidation(t *testing.T) {
	cases := map[string]*Lifecycle{
		"no rules":       {},
		"bad status":     {Rules: []LifecycleRule{{Status: "On", Expiration: &LifecycleExpiration{Days: 1}}}},
		"no action":      {Rules: []LifecycleRule{{Status: "Enabled"}}},
		"duplicate id":   {Rules: []LifecycleRule{{ID: "a", Status: "Enabled", Expiration: &LifecycleExpiration{Days: 1}}, {ID: "a", Status: "Enabled", Expiration: &LifecycleExpiration{Days: 1}}}},
		"bad class":      {Rules: []LifecycleRule{{Status: "Enabled", Transitions: []LifecycleTransition{{Days: 1, StorageClass: "TAPE"}}}}},
		"days and date":  {Rules: []LifecycleRule{{Status: "Enabled", Expiration: &LifecycleExpiration{Days: 1, Date: "2026-01-01T00:00:00Z"}}}},
		"prefix+filter":  {Rules: []LifecycleRule{{Status: "Enabled", Prefix: strp("a"), Filter: &LifecycleFilter{}, Expiration: &LifecycleExpiration{Days: 1}}}},
		"long id":        {Rules: []LifecycleRule{{ID: strings.Repeat("x", 256), Status: "Enabled", Expiration: &LifecycleExpiration{Days: 1}}}},
		"bad date":       {Rules: []LifecycleRule{{Status: "Enabled", Expiration: &LifecycleExpiration{Date: "tomorrow"}}}},
		"transition day": {Rules: []LifecycleRule{{Status: "Enabled", Transitions: []LifecycleTransition{{StorageClass: "GLACIER"}}}}},
	}
	for name, lc := range cases {
		t.Run(name, func(t *testing.T) {
			err := validLifecycle(lc)
			require.Error(t, err)
			require.Contains(t, []string{"MalformedXML", "InvalidArgument", "InvalidRequest"}, code(err))
		})
	}
}

func TestEventsAreRecordedWithTheChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "ev-bucket")
	n := &Notification{Queues: []NotificationTarget{{ID: "gz-logs", Queue: "arn:aws:sqs:us-east-1:" + account + ":lake",
		Events: []string{"s3:ObjectCreated:*"}, Filter: &NotificationFilter{Rules: []FilterRule{{Name: "prefix", Value: "logs/"}, {Name: "suffix", Value: ".gz"}}}}}}
	require.NoError(t, f.s.PutBucketNotification(ctx, f.root, "ev-bucket", n))
	f.put(t, "ev-bucket", "logs/a.gz", "1")
	f.put(t, "ev-bucket", "logs/b.txt", "2")
	f.put(t, "ev-bucket", "other/c.gz", "3")
	require.NoError(t, f.s.DeleteObject(ctx, f.root, "ev-bucket", "logs/a.gz"))
	events, err := f.s.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, events, 1, "only created .gz objects under logs/ match")
	e := events[0]
	require.Equal(t, "ObjectCreated:Put", e.Name)
	require.Equal(t, []Destination{{Type: "queue", ARN: "arn:aws:sqs:us-east-1:" + account + ":lake", ConfigID: "gz-logs"}}, e.Destinations)
	msg, err := e.S3Message("gz-logs")
	require.NoError(t, err)
	var m struct {
		Records []struct {
			EventName string
			S3        struct {
				Bucket struct{ Name, Arn string }
				Object struct {
					Key  string
					Size int64
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(msg, &m))
	require.Equal(t, "ObjectCreated:Put", m.Records[0].EventName)
	require.Equal(t, "ev-bucket", m.Records[0].S3.Bucket.Name)
	require.Equal(t, "logs/a.gz", m.Records[0].S3.Object.Key, "S3 form-encodes keys in notifications and keeps their slashes")
	require.NoError(t, f.s.AckEvents(ctx, []string{e.ID}))
	events, err = f.s.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, events)

	bad := &Notification{Queues: []NotificationTarget{{Queue: "arn:aws:sns:us-east-1:1:x", Events: []string{"s3:ObjectCreated:*"}}}}
	require.Equal(t, "InvalidArgument", code(f.s.PutBucketNotification(ctx, f.root, "ev-bucket", bad)))
	bad = &Notification{Queues: []NotificationTarget{{Queue: "arn:aws:sqs:us-east-1:1:x", Events: []string{"s3:Nope"}}}}
	require.Equal(t, "InvalidArgument", code(f.s.PutBucketNotification(ctx, f.root, "ev-bucket", bad)))
}
