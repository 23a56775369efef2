package objstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
)

// TestSubscriptionsRecordCreatedObjects: a subscription records an event for each object created under its
// prefix (and none for other keys, deletions or other buckets), in the write's transaction, without showing
// in the bucket's notification configuration; after Unsubscribe, nothing more.
func TestSubscriptionsRecordCreatedObjects(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "sub-logs")
	require.NoError(t, f.s.Subscribe(ctx, "sub-logs", "AWSLogs/", "loc-1"))
	require.Equal(t, "NoSuchBucket", code(f.s.Subscribe(ctx, "sub-missing", "", "loc-2")))

	f.put(t, "sub-logs", "AWSLogs/a.json.gz", "x")
	f.put(t, "sub-logs", "other/b.json", "y")
	require.NoError(t, f.s.DeleteObject(ctx, f.root, "sub-logs", "AWSLogs/a.json.gz"))

	n, err := f.s.GetBucketNotification(ctx, f.root, "sub-logs")
	require.NoError(t, err)
	require.Empty(t, n.Queues)
	require.Nil(t, n.EventBridge)

	evs, err := f.s.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, "AWSLogs/a.json.gz", evs[0].Key)
	require.Equal(t, "ObjectCreated:Put", evs[0].Name)
	require.Equal(t, []Destination{{Type: DestinationIngest, ConfigID: "loc-1"}}, evs[0].Destinations)

	require.NoError(t, f.s.Unsubscribe(ctx, "sub-logs", "loc-1"))
	require.NoError(t, f.s.Unsubscribe(ctx, "sub-missing", "loc-1"), "a bucket that is gone has no subscriptions")
	f.put(t, "sub-logs", "AWSLogs/c.json.gz", "z")
	evs, err = f.s.PendingEvents(ctx, evs[0].ID, 10)
	require.NoError(t, err)
	require.Empty(t, evs)
}

// TestLakeSubscriptionKeepsDataFiles: a subscription of kind lake with a suffix records events of type lake
// only for the keys with the suffix (data files, not Iceberg metadata), beside an ingest subscription.
func TestLakeSubscriptionKeepsDataFiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "sub-lake")
	require.NoError(t, f.s.SubscribeWith(ctx, "sub-lake", Subscription{ID: "lake", Prefix: "aws/", Suffix: ".parquet", Kind: DestinationLake}))
	require.NoError(t, f.s.SubscribeWith(ctx, "sub-lake", Subscription{ID: "lake", Prefix: "aws/", Suffix: ".parquet", Kind: DestinationLake}))
	f.put(t, "sub-lake", "aws/VPC_FLOW/2.0/metadata/00001.metadata.json", "m")
	f.put(t, "sub-lake", "aws/VPC_FLOW/2.0/data/a.parquet", "d")
	f.put(t, "sub-lake", "ext/x/b.parquet", "e")

	evs, err := f.s.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, "aws/VPC_FLOW/2.0/data/a.parquet", evs[0].Key)
	require.Equal(t, []Destination{{Type: DestinationLake, ConfigID: "lake"}}, evs[0].Destinations, "one subscription, replaced by ID")
}

// TestAuthorizeReadAsksBothActions: a caller allowed to list but not to read the location's objects is
// refused naming s3:GetObject; the bucket policy can allow a service principal both.
func TestAuthorizeReadAsksBothActions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "sub-read")
	_, err := f.s.AuthorizeRead(ctx, f.root, "sub-read", "AWSLogs/")
	require.NoError(t, err)
	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "sub-read", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`+
		`"Principal":{"Service":"securitylake.amazonaws.com"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::sub-read"}]}`))
	svc := actor.ServicePrincipal("securitylake.amazonaws.com", "us-east-1", f.clock.Now(), actor.Source{Account: account})
	_, err = f.s.AuthorizeRead(ctx, svc, "sub-read", "AWSLogs/")
	require.Equal(t, "AccessDenied", code(err))
	require.Contains(t, err.Error(), "s3:GetObject")
}
