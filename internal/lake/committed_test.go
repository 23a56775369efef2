package lake_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/queue"
)

// TestSubscriberNotifiedOfDataFiles: once a subscriber has an SQS notification, each .parquet file written under
// its sources' prefixes of the lake bucket (as the lake writes them) is recorded with its write and, delivered by
// s3notify, becomes one "Object Created" message on its queue; Iceberg metadata and other sources' files do not.
func TestSubscriberNotifiedOfDataFiles(t *testing.T) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	lk := createLake(t, svc, "us-east-1")
	bucket := strings.TrimPrefix(lk.BucketARN, "arn:aws:s3:::")
	name := "siem"
	sub, err := svc.CreateSubscriber(ctx, c, lake.SubscriberInput{Name: &name, Identity: &lake.AwsIdentity{Principal: acct, ExternalID: "ext"},
		Sources: []lake.SourceRef{{Aws: &lake.AwsSource{SourceName: "VPC_FLOW"}}}})
	require.NoError(t, err)
	_, err = svc.PutSubscriberNotification(ctx, c, sub.ID, true, lake.NotificationInput{SQS: true})
	require.NoError(t, err)

	write := func(key, body string) *objstore.Object {
		t.Helper()
		obj, err := st.Objects.Deliver(ctx, objstore.DeliveryInput{Caller: actor.ServicePrincipal(lake.EventSource, "us-east-1", time.Now(),
			actor.Source{ARN: lk.ARN, Account: acct}), Object: objstore.PutInput{Bucket: bucket, Key: key, Body: strings.NewReader(body), Size: int64(len(body))}})
		require.NoError(t, err)
		return obj
	}
	data := write("aws/VPC_FLOW/2.0/data/region=us-east-1/a.parquet", "rows")
	write("aws/VPC_FLOW/2.0/metadata/00001-x.metadata.json", "{}")
	write("aws/ROUTE53/2.0/data/b.parquet", "other")
	require.NoError(t, st.Notify.Deliver(ctx))

	zero := 0
	got, err := st.Queues.Receive(ctx, c, queue.Ref{Account: acct, Name: "AmazonSecurityLake-" + sub.ID + "-Main-Queue"},
		queue.ReceiveRequest{Max: 10, Wait: &zero})
	require.NoError(t, err)
	require.Len(t, got, 1, "one message: the subscribed source's data file")
	var ev struct {
		DetailType string `json:"detail-type"`
		Source     string
		Detail     struct {
			Bucket struct{ Name string }
			Object struct {
				Key  string
				Size int64
				ETag string
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(got[0].Body), &ev))
	require.Equal(t, "Object Created", ev.DetailType)
	require.Equal(t, "aws.s3", ev.Source)
	require.Equal(t, bucket, ev.Detail.Bucket.Name)
	require.Equal(t, "aws/VPC_FLOW/2.0/data/region=us-east-1/a.parquet", ev.Detail.Object.Key)
	require.EqualValues(t, 4, ev.Detail.Object.Size)
	require.Equal(t, strings.Trim(data.ETag, `"`), ev.Detail.Object.ETag)

	pending, err := st.Objects.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Empty(t, pending, "delivered events leave the store")

	// New sources of an updated subscriber are subscribed too.
	_, err = svc.UpdateSubscriber(ctx, c, sub.ID, lake.SubscriberInput{Sources: []lake.SourceRef{{Aws: &lake.AwsSource{SourceName: "ROUTE53"}}}})
	require.NoError(t, err)
	write("aws/ROUTE53/2.0/data/c.parquet", "more")
	require.NoError(t, st.Notify.Deliver(ctx))
	got, err = st.Queues.Receive(ctx, c, queue.Ref{Account: acct, Name: "AmazonSecurityLake-" + sub.ID + "-Main-Queue"},
		queue.ReceiveRequest{Max: 10, Wait: &zero})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Contains(t, got[0].Body, `"key":"aws/ROUTE53/2.0/data/c.parquet"`)
}
