package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"
)

// TestSQSKillDuringSendsAndReceives kills the server with SIGKILL during a burst of sends and receives (with
// deletes), restarts it and drains the queue. No message is received twice (every visibility timeout here
// outlasts the test), and every acknowledged send was either received or is still in flight: at most the
// batches whose receive responses the kill cut off, which the queue counts as not visible.
func TestSQSKillDuringSendsAndReceives(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startProcess(t, dataDir)
	c := sqs.NewFromConfig(p.rootConfig())
	q, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String("crash"),
		Attributes: map[string]string{"VisibilityTimeout": "600"}})
	require.NoError(t, err)

	var (
		mu       sync.Mutex
		acked    = map[string]bool{}
		received = map[string]int{}
		wg       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	const senders, receivers = 6, 4
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				var entries []types.SendMessageBatchRequestEntry
				for k := range 10 {
					entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(k)), MessageBody: aws.String(fmt.Sprintf("w%d-%d-%d", w, i, k))})
				}
				out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
				if err == nil {
					mu.Lock()
					for _, s := range out.Successful {
						acked[fmt.Sprintf("w%d-%d-%s", w, i, aws.ToString(s.Id))] = true
					}
					mu.Unlock()
				}
			}
		}()
	}
	for range receivers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
				if err != nil {
					if ctx.Err() == nil {
						t.Logf("receive: %v", err)
					}
					continue
				}
				for _, m := range r.Messages {
					mu.Lock()
					received[aws.ToString(m.Body)]++
					mu.Unlock()
					_, _ = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
				}
			}
		}()
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n, m := len(acked), len(received)
		mu.Unlock()
		if n >= 1000 && m >= 300 {
			break
		}
	}
	p.kill(t)
	cancel()
	wg.Wait()
	require.GreaterOrEqual(t, len(acked), 1000, "the burst was too slow to test anything")
	t.Logf("%d sends acknowledged and %d messages received before SIGKILL", len(acked), len(received))

	p2 := startProcess(t, dataDir)
	c = sqs.NewFromConfig(p2.rootConfig())
	ctx2 := context.Background()
	// What the kill left in flight: batches received whose responses it cut off, and messages not yet deleted.
	attrs, err := c.GetQueueAttributes(ctx2, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	require.NoError(t, err)
	inFlight, _ := strconv.Atoi(attrs.Attributes["ApproximateNumberOfMessagesNotVisible"])
	for {
		r, err := c.ReceiveMessage(ctx2, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
		require.NoError(t, err)
		if len(r.Messages) == 0 {
			break
		}
		for _, m := range r.Messages {
			received[aws.ToString(m.Body)]++
		}
	}
	for body, n := range received {
		require.Equal(t, 1, n, "%s was received %d times within its visibility timeout", body, n)
	}
	missing := 0
	for body := range acked {
		if received[body] == 0 {
			missing++
		}
	}
	require.LessOrEqual(t, missing, inFlight, "every acknowledged send not received is in flight")
	require.LessOrEqual(t, inFlight, receivers*10, "only the batches whose responses the kill cut off (and their deletes) are in flight")
	p2.stop(t)
}
