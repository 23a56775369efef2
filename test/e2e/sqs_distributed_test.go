package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// TestSQSTwoNodesShareQueues runs two nodes over one PostgreSQL: a long poll on node B wakes when node A
// receives the send, and consumers on both nodes share a burst of messages sent through both, each message
// received by exactly one of them.
func TestSQSTwoNodesShareQueues(t *testing.T) {
	dsn, schema := postgresSchema(t)
	rootKey := make([]byte, 32)
	_, _ = rand.Read(rootKey)
	env := map[string]string{"SECLAKE_ROOT_KEY": base64.StdEncoding.EncodeToString(rootKey)}
	pg := withConfig(func(c *config.Config) { c.Meta, c.MetaSchema = dsn, schema })
	a := startServer(t, pg, withEnv(env))
	b := startServer(t, pg, withEnv(env))
	ctx := context.Background()
	ca, cb := sqs.NewFromConfig(a.rootConfig()), sqs.NewFromConfig(b.rootConfig())
	q, err := ca.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("shared")})
	require.NoError(t, err)
	urlB := b.URL + "/" + testAccount + "/shared" // the URL as node B serves it

	// A long poll on B, a send on A.
	got := make(chan *sqs.ReceiveMessageOutput, 1)
	go func() {
		r, err := cb.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(urlB), WaitTimeSeconds: 10})
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	time.Sleep(200 * time.Millisecond)
	_, err = ca.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("across nodes")})
	require.NoError(t, err)
	r := <-got
	require.Len(t, r.Messages, 1)
	require.Equal(t, "across nodes", aws.ToString(r.Messages[0].Body))
	_, err = ca.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: r.Messages[0].ReceiptHandle})
	require.NoError(t, err, "a receipt handle from node B deletes on node A")

	// A burst through both nodes, consumed on both.
	const n = 200
	var wg sync.WaitGroup
	for i, c := range []*sqs.Client{ca, cb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < n/2; j += 10 {
				var entries []types.SendMessageBatchRequestEntry
				for k := j; k < j+10; k++ {
					entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("e", k)), MessageBody: aws.String(fmt.Sprintf("m-%d-%d", i, k))})
				}
				out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
				if err != nil || len(out.Failed) > 0 {
					t.Errorf("send: %v", err)
				}
			}
		}()
	}
	var mu sync.Mutex
	seen := map[string]int{}
	total := 0
	for _, c := range []*sqs.Client{ca, cb, ca, cb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2, VisibilityTimeout: 120})
				if err != nil {
					t.Errorf("receive: %v", err)
					return
				}
				if len(r.Messages) == 0 {
					mu.Lock()
					done := total >= n
					mu.Unlock()
					if done {
						return
					}
					continue
				}
				for _, m := range r.Messages {
					mu.Lock()
					seen[aws.ToString(m.Body)]++
					total++
					mu.Unlock()
					if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
						t.Errorf("delete: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	require.Len(t, seen, n)
	for body, k := range seen {
		require.Equal(t, 1, k, "%s received once", body)
	}
}
