package s3notify_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/queue"
)

const acct = "111122223333"

// BenchmarkDeliverToQueue delivers S3 event notifications (ObjectCreated:Put) to an SQS queue whose policy
// lets s3.amazonaws.com send for the bucket: each event is read from the object store's durable event log,
// authorized against the queue policy, sealed into the queue (SQLite) and settled. Only the delivery is timed;
// each round first writes up to 100 objects, untimed.
func BenchmarkDeliverToQueue(b *testing.B) {
	ctx := context.Background()
	st := stacktest.Start(b, clock.System)
	root := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1"}
	if _, err := st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "bench-logs"}); err != nil {
		b.Fatal(err)
	}
	arn := "arn:aws:sqs:us-east-1:" + acct + ":bench-events"
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage",
	  "Resource":"` + arn + `","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bench-logs"}}}]}`
	if _, err := st.Queues.CreateQueue(ctx, root, "bench-events", map[string]string{"Policy": policy}, nil); err != nil {
		b.Fatal(err)
	}
	if err := st.Objects.PutBucketNotification(ctx, root, "bench-logs", &objstore.Notification{Queues: []objstore.NotificationTarget{
		{ID: "all", Queue: arn, Events: []string{"s3:ObjectCreated:*"}}}}); err != nil {
		b.Fatal(err)
	}
	n := 0
	for n < b.N {
		b.StopTimer()
		round := min(100, b.N-n)
		for j := range round {
			key := "logs/" + strconv.Itoa(n+j) + ".json"
			if _, err := st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: "bench-logs", Key: key, Body: strings.NewReader(`{"a":1}`), Size: 7}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := st.Notify.Deliver(ctx); err != nil {
			b.Fatal(err)
		}
		n += round
	}
	b.StopTimer()
	got, err := st.Queues.GetAttributes(ctx, root, queue.Ref{Account: acct, Name: "bench-events", URL: arn}, []string{"ApproximateNumberOfMessages"})
	if err != nil {
		b.Fatal(err)
	}
	if want := strconv.Itoa(n + 1); got["ApproximateNumberOfMessages"] != want { // and the test event
		b.Fatalf("the queue holds %s messages, want %s", got["ApproximateNumberOfMessages"], want)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
