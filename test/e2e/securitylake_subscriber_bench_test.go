package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// BenchmarkUploadToSubscriberMessage measures the time from a raw VPC flow file's upload (PutObject into a
// registered location) to the subscriber's queue message naming the Parquet file it became, with the ingest
// flush age at one second (shortFlush). Each iteration uploads a file under a new key and long-polls the queue
// as the subscriber account; it reports the median and the worst latency.
func BenchmarkUploadToSubscriberMessage(b *testing.B) {
	requireTool(b, "aws")
	s := startServer(b, withConfig(func(c *config.Config) { c.Ingest.FlushAge = config.Duration(benchFlush) }))
	id, _, member := lakeWithSubscriber(b, s, "ext-bench")
	ctx := context.Background()
	vpc := rawFiles[1]
	body, err := os.ReadFile(writeRaw(b, b.TempDir(), vpc))
	require.NoError(b, err)
	put := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	q := sqs.NewFromConfig(s.sdkConfig(member[0], member[1], member[2]))
	u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("AmazonSecurityLake-" + id + "-Main-Queue"),
		QueueOwnerAWSAccountId: aws.String(testAccount)})
	require.NoError(b, err)

	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		key := strings.Replace(vpc.key, "a1b2c3d4", fmt.Sprintf("bench%04d", i), 1)
		start := time.Now()
		_, err := put.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("raw-logs"), Key: aws.String(key), Body: bytes.NewReader(body)})
		require.NoError(b, err)
		lat = append(lat, waitMessage(b, q, u.QueueUrl, start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(lat[len(lat)/2].Seconds(), "median-s")
	b.ReportMetric(lat[len(lat)-1].Seconds(), "max-s")
}

// waitMessage long-polls the queue until a data file's message arrives, deletes it and returns the time since
// start.
func waitMessage(b *testing.B, q *sqs.Client, url *string, start time.Time) time.Duration {
	ctx := context.Background()
	for time.Since(start) < time.Minute {
		r, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		require.NoError(b, err)
		if len(r.Messages) == 0 {
			continue
		}
		took := time.Since(start)
		for _, m := range r.Messages {
			require.Contains(b, aws.ToString(m.Body), `.parquet"`)
			_, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle})
			require.NoError(b, err)
		}
		return took
	}
	b.Fatal("no message within a minute")
	return 0
}

// benchFlush is the ingest flush age of BenchmarkUploadToSubscriberMessage: the shortest the configuration takes.
const benchFlush = 100 * time.Millisecond
