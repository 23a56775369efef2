package e2e

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"
)

// BenchmarkInProcessSQSBatchCycle sends, receives and deletes batches of 10 on an SSE-KMS queue through the Go
// SDK from a server in the test process, for profiling the whole path (-cpuprofile shows server and client
// together; tools/sqsbench measures the binary against moto_server). One op is one cycle of 10 messages.
//
//	go test ./test/e2e -run '^$' -bench InProcessSQSBatchCycle -benchtime 2000x -cpuprofile cpu.prof
func BenchmarkInProcessSQSBatchCycle(b *testing.B) {
	s := startServer(b)
	cfg := s.rootConfig()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	cfg.HTTPClient = &http.Client{Transport: tr}
	ctx := context.Background()
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(b, err)
	c := sqs.NewFromConfig(cfg)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bench"), Attributes: map[string]string{"KmsMasterKeyId": aws.ToString(key.KeyMetadata.Arn)}})
	require.NoError(b, err)
	entries := make([]types.SendMessageBatchRequestEntry, 10)
	for i := range entries {
		entries[i] = types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(`{"finding":"object created under a prefix"}`)}
	}
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries}); err != nil {
				b.Error(err)
				return
			}
			r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
			if err != nil {
				b.Error(err)
				return
			}
			if len(r.Messages) == 0 {
				continue
			}
			del := make([]types.DeleteMessageBatchRequestEntry, len(r.Messages))
			for i, m := range r.Messages {
				del[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
			}
			if _, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: q.QueueUrl, Entries: del}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
}
