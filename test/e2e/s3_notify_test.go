package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"
)

// s3Record is what a test reads of an S3 event notification message.
type s3Record struct {
	Records []struct {
		EventName string
		S3        struct {
			ConfigurationID string `json:"configurationId"`
			Bucket          struct{ Name, Arn string }
			Object          struct {
				Key  string
				Size int64
			}
		}
	}
	Event string // s3:TestEvent
}

// TestS3NotificationsToAQueue configures a bucket to notify a queue of objects created under a prefix, through
// the Go SDK. As on S3, the configuration is refused while the queue's policy does not let s3.amazonaws.com send
// for the bucket, and accepted with S3's test event once it does. Objects created under the prefix arrive as
// S3 "Records" messages, others do not. When the queue's policy stops allowing S3, the next event is not lost:
// the refusal is counted in the metrics, and the event arrives once the policy allows it again.
func TestS3NotificationsToAQueue(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	sq := sqs.NewFromConfig(s.rootConfig())
	c := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	const bucket = "raw-logs"
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("raw-logs-events")})
	require.NoError(t, err)
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	require.NoError(t, err)
	queueARN := attrs.Attributes["QueueArn"]

	config := &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(bucket), NotificationConfiguration: &s3types.NotificationConfiguration{
		QueueConfigurations: []s3types.QueueConfiguration{{Id: aws.String("new-logs"), QueueArn: aws.String(queueARN),
			Events: []s3types.Event{"s3:ObjectCreated:*"},
			Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{
				{Name: s3types.FilterRuleNamePrefix, Value: aws.String("logs/")}}}}}}}}
	_, err = c.PutBucketNotificationConfiguration(ctx, config)
	require.ErrorContains(t, err, "InvalidArgument")
	require.ErrorContains(t, err, "Unable to validate the following destination configurations")

	allow := `{"Version":"2012-10-17","Statement":[{"Sid":"AllowS3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},
	  "Action":"sqs:SendMessage","Resource":"` + queueARN + `",
	  "Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::` + bucket + `"},"StringEquals":{"aws:SourceAccount":"` + testAccount + `"}}}]}`
	setPolicy := func(p string) {
		t.Helper()
		_, err := sq.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: q.QueueUrl, Attributes: map[string]string{"Policy": p}})
		require.NoError(t, err)
	}
	setPolicy(allow)
	_, err = c.PutBucketNotificationConfiguration(ctx, config)
	require.NoError(t, err)

	receive := func(wait time.Duration) []s3Record {
		t.Helper()
		var out []s3Record
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) {
			r, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			require.NoError(t, err)
			for _, m := range r.Messages {
				var rec s3Record
				require.NoError(t, json.Unmarshal([]byte(aws.ToString(m.Body)), &rec))
				out = append(out, rec)
				_, err := sq.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
				require.NoError(t, err)
			}
			if len(out) > 0 {
				return out
			}
		}
		return out
	}
	got := receive(5 * time.Second)
	require.Len(t, got, 1)
	require.Equal(t, "s3:TestEvent", got[0].Event)

	put := func(key string) {
		t.Helper()
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(`{"a":1}`)})
		require.NoError(t, err)
	}
	put("other/skipped.json")
	put("logs/a.json")
	got = receive(15 * time.Second)
	require.Len(t, got, 1)
	require.Len(t, got[0].Records, 1)
	r := got[0].Records[0]
	require.Equal(t, "ObjectCreated:Put", r.EventName)
	require.Equal(t, "new-logs", r.S3.ConfigurationID)
	require.Equal(t, bucket, r.S3.Bucket.Name)
	require.Equal(t, "logs/a.json", r.S3.Object.Key)
	require.EqualValues(t, 7, r.S3.Object.Size)

	// The queue's policy no longer lets S3 send: the event waits, and the refusal shows in the metrics.
	setPolicy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"sqs:*","Resource":"` + queueARN + `"}]}`)
	put("logs/b.json")
	require.Eventually(t, func() bool {
		return strings.Contains(s.metricsText(t), `seclake_s3_notifications_failed_total{code="AccessDenied",type="queue"}`)
	},
		20*time.Second, 200*time.Millisecond, "the refused notification is not in the metrics:\n%s", s.logs.String())
	require.Contains(t, s.logs.String(), "s3 notification refused")
	require.Empty(t, receive(2*time.Second))
	setPolicy(allow)
	got = receive(20 * time.Second)
	require.Len(t, got, 1, "the held notification did not arrive once the policy allowed it")
	require.Equal(t, "logs/b.json", got[0].Records[0].S3.Object.Key)
}

// metricsText returns the server's Prometheus metrics.
func (s *server) metricsText(t testing.TB) string {
	t.Helper()
	resp, err := http.Get(s.URL + "/_seclake/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
