package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"
)

// newSQSFixtures makes, as root, a queue with a received message and a dead-letter queue, and returns the
// authorization table's fixtures for SQS.
func newSQSFixtures(t *testing.T, s *server) map[string]any {
	t.Helper()
	ctx := context.Background()
	c := sqs.NewFromConfig(s.rootConfig())
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("authz-dlq")})
	require.NoError(t, err)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("authz-queue")})
	require.NoError(t, err)
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")})
	require.NoError(t, err)
	r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl})
	require.NoError(t, err)
	require.Len(t, r.Messages, 1)
	_ = dlq
	return map[string]any{"QueueUrl": aws.ToString(q.QueueUrl), "QueueName": "authz-queue", "Tags": map[string]string{"k": "v"},
		"TagKeys": []string{"k"}, "Label": "authz", "AWSAccountIds": []string{testAccount}, "Actions": []string{"SendMessage"},
		"ReceiptHandle": aws.ToString(r.Messages[0].ReceiptHandle), "MessageBody": "x",
		"SourceArn": "arn:aws:sqs:" + testRegion + ":" + testAccount + ":authz-dlq", "TaskHandle": "authz-task"}
}
