package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"
)

// TestSQSFIFOGroupsInOrder sends to three message groups interleaved: each group's messages arrive in order,
// a group with a message in flight yields nothing more until it is deleted, duplicates (by ID and by content)
// are dropped, and a retried receive attempt gets the same messages.
func TestSQSFIFOGroupsInOrder(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := sqs.NewFromConfig(s.rootConfig())
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("orders.fifo"),
		Attributes: map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}})
	require.NoError(t, err)
	url := q.QueueUrl
	groups := []string{"a", "b", "c"}
	for i := range 5 {
		for _, g := range groups {
			_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(fmt.Sprintf("%s-%d", g, i)),
				MessageGroupId: aws.String(g), MessageDeduplicationId: aws.String(fmt.Sprintf("%s-%d", g, i))})
			require.NoError(t, err)
		}
	}
	// A duplicate by ID, and one by content (no ID), are accepted and dropped.
	dup, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("other"), MessageGroupId: aws.String("a"),
		MessageDeduplicationId: aws.String("a-0")})
	require.NoError(t, err)
	require.Equal(t, "00000000000000000001", aws.ToString(dup.SequenceNumber))
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("by content"), MessageGroupId: aws.String("c")})
	require.NoError(t, err)
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String("by content"), MessageGroupId: aws.String("c")})
	require.NoError(t, err)

	// One message in flight from group a blocks a's next ones.
	first, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 1, ReceiveRequestAttemptId: aws.String("try-1"),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	require.NoError(t, err)
	require.Len(t, first.Messages, 1)
	require.Equal(t, "a-0", aws.ToString(first.Messages[0].Body))
	require.Equal(t, "a", first.Messages[0].Attributes["MessageGroupId"])
	again, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 1, ReceiveRequestAttemptId: aws.String("try-1")})
	require.NoError(t, err)
	require.Equal(t, aws.ToString(first.Messages[0].ReceiptHandle), aws.ToString(again.Messages[0].ReceiptHandle), "a retried attempt gets the same receipt")
	rest, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60})
	require.NoError(t, err)
	for _, m := range rest.Messages {
		require.False(t, strings.HasPrefix(aws.ToString(m.Body), "a-"), "group a is blocked while a-0 is in flight: %s", aws.ToString(m.Body))
	}
	// Release everything and drain: each group in order, 16 messages in all.
	for _, m := range append(first.Messages, rest.Messages...) {
		_, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0})
		require.NoError(t, err)
	}
	seen := map[string][]string{}
	total := 0
	for range 40 {
		r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 4,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameMessageGroupId}})
		require.NoError(t, err)
		if len(r.Messages) == 0 {
			break
		}
		var entries []types.DeleteMessageBatchRequestEntry
		for i, m := range r.Messages {
			g := m.Attributes["MessageGroupId"]
			seen[g] = append(seen[g], aws.ToString(m.Body))
			entries = append(entries, types.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: m.ReceiptHandle})
			total++
		}
		d, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: url, Entries: entries})
		require.NoError(t, err)
		require.Empty(t, d.Failed)
	}
	require.Equal(t, 16, total)
	for _, g := range groups {
		want := []string{g + "-0", g + "-1", g + "-2", g + "-3", g + "-4"}
		if g == "c" {
			want = append(want, "by content")
		}
		require.Equal(t, want, seen[g], "group %s in order", g)
	}
}

// TestSQSKMSQueueSDK sends and receives batches on an SSE-KMS queue with the Go SDK (which checks every
// MD5OfMessageBody and MD5OfMessageAttributes), then shows a sender without kms:GenerateDataKey refused with
// KmsAccessDenied naming the permission, the principal and the key.
func TestSQSKMSQueueSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := sqs.NewFromConfig(s.rootConfig())
	key, err := kms.NewFromConfig(s.rootConfig()).CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(t, err)
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("secure"),
		Attributes: map[string]string{"KmsMasterKeyId": keyARN, "KmsDataKeyReusePeriodSeconds": "300"}})
	require.NoError(t, err)
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []types.QueueAttributeName{"All"}})
	require.NoError(t, err)
	require.Equal(t, keyARN, attrs.Attributes["KmsMasterKeyId"])
	require.Equal(t, "false", attrs.Attributes["SqsManagedSseEnabled"])

	var entries []types.SendMessageBatchRequestEntry
	for i := range 10 {
		entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("m", i)), MessageBody: aws.String(fmt.Sprintf("secret %d ☃", i)),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"kind": {DataType: aws.String("String"), StringValue: aws.String("finding")},
				"raw":  {DataType: aws.String("Binary"), BinaryValue: []byte{1, 2, 3}},
			}})
	}
	sent, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: entries})
	require.NoError(t, err)
	require.Len(t, sent.Successful, 10)
	got := 0
	for got < 10 {
		r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
			MessageAttributeNames: []string{"All"}})
		require.NoError(t, err)
		require.NotEmpty(t, r.Messages)
		for _, m := range r.Messages {
			require.True(t, strings.HasPrefix(aws.ToString(m.Body), "secret "))
			require.Equal(t, "finding", aws.ToString(m.MessageAttributes["kind"].StringValue))
			_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
			require.NoError(t, err)
			got++
		}
	}

	// A user allowed every SQS action but no KMS action.
	keyID, secret := createUserWithKey(t, s, "sender")
	_, err = iam.NewFromConfig(s.rootConfig()).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("sender"), PolicyName: aws.String("sqs"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`)})
	require.NoError(t, err)
	uc := sqs.NewFromConfig(s.sdkConfig(keyID, secret, ""))
	_, err = uc.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")})
	var kad *types.KmsAccessDenied
	require.ErrorAs(t, err, &kad)
	msg := aws.ToString(kad.Message)
	require.Contains(t, msg, "kms:GenerateDataKey")
	require.Contains(t, msg, "user/sender")
	require.Contains(t, msg, keyARN)
}

// TestSQSDeadLetterRedrive moves a message received too often to the dead-letter queue, lists the source
// queue, and redrives the message back with a move task.
func TestSQSDeadLetterRedrive(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := sqs.NewFromConfig(s.rootConfig())
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("dead")})
	require.NoError(t, err)
	dlqARN := "arn:aws:sqs:" + testRegion + ":" + testAccount + ":dead"
	src, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("src"), Attributes: map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"2"}`}})
	require.NoError(t, err)
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: src.QueueUrl, MessageBody: aws.String("poison")})
	require.NoError(t, err)
	for range 2 {
		r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: src.QueueUrl})
		require.NoError(t, err)
		require.Len(t, r.Messages, 1)
		_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: src.QueueUrl, ReceiptHandle: r.Messages[0].ReceiptHandle})
		require.NoError(t, err)
	}
	r, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: src.QueueUrl})
	require.NoError(t, err)
	require.Empty(t, r.Messages, "the third receive moves it to the dead-letter queue")
	d, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: dlq.QueueUrl,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameDeadLetterQueueSourceArn}})
	require.NoError(t, err)
	require.Len(t, d.Messages, 1)
	require.Equal(t, "poison", aws.ToString(d.Messages[0].Body))
	require.Equal(t, "arn:aws:sqs:"+testRegion+":"+testAccount+":src", d.Messages[0].Attributes["DeadLetterQueueSourceArn"])
	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: dlq.QueueUrl, ReceiptHandle: d.Messages[0].ReceiptHandle})
	require.NoError(t, err)
	l, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: dlq.QueueUrl})
	require.NoError(t, err)
	require.Equal(t, []string{aws.ToString(src.QueueUrl)}, l.QueueUrls)

	_, err = c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqARN)})
	require.NoError(t, err)
	tasks, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqARN)})
	require.NoError(t, err)
	require.Len(t, tasks.Results, 1)
	require.Equal(t, "COMPLETED", aws.ToString(tasks.Results[0].Status))
	require.EqualValues(t, 1, tasks.Results[0].ApproximateNumberOfMessagesMoved)
	back, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: src.QueueUrl})
	require.NoError(t, err)
	require.Len(t, back.Messages, 1)
	require.Equal(t, "poison", aws.ToString(back.Messages[0].Body))
}

// TestSQSBodiesStayOffTheTrail: SendMessage and ReceiveMessage are on the audit trail as data events, without
// the message body or attribute values.
func TestSQSBodiesStayOffTheTrail(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := sqs.NewFromConfig(s.rootConfig())
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("quiet")})
	require.NoError(t, err)
	_, err = c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("body-must-not-leak"),
		MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String"), StringValue: aws.String("attr-must-not-leak")}}})
	require.NoError(t, err)
	_, err = c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: q.QueueUrl, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("1"), MessageBody: aws.String("batch-body-must-not-leak")}}})
	require.NoError(t, err)
	_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MessageAttributeNames: []string{"All"}})
	require.NoError(t, err)
	trail := cloudtrail.NewFromConfig(s.rootConfig())
	for _, name := range []string{"SendMessage", "SendMessageBatch", "ReceiveMessage"} {
		var ev *cloudtrail.LookupEventsOutput
		require.Eventually(t, func() bool {
			ev, err = trail.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
				{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}}})
			return err == nil && len(ev.Events) == 1
		}, 5*time.Second, 10*time.Millisecond, name)
		rec := aws.ToString(ev.Events[0].CloudTrailEvent)
		require.Contains(t, rec, `"eventSource":"sqs.amazonaws.com"`)
		require.NotContains(t, rec, "must-not-leak", name)
	}
}
