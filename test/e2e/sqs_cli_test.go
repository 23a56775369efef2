package e2e

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSQSCLI drives a queue with the aws CLI as a user would: the URL create-queue prints works pasted back.
func TestSQSCLI(t *testing.T) {
	s := startServer(t)
	out, err := s.aws(t, "sqs", "create-queue", "--queue-name", "cli-queue", "--attributes", "VisibilityTimeout=45,DelaySeconds=0")
	require.NoError(t, err)
	var created struct{ QueueUrl string }
	require.NoError(t, json.Unmarshal([]byte(out), &created))
	require.Equal(t, s.URL+"/"+testAccount+"/cli-queue", created.QueueUrl)

	_, err = s.aws(t, "sqs", "send-message", "--queue-url", created.QueueUrl, "--message-body", "from the CLI",
		"--message-attributes", `{"source":{"DataType":"String","StringValue":"cli"}}`)
	require.NoError(t, err)
	out, err = s.aws(t, "sqs", "receive-message", "--queue-url", created.QueueUrl, "--wait-time-seconds", "2",
		"--message-attribute-names", "All", "--attribute-names", "All")
	require.NoError(t, err)
	var got struct {
		Messages []struct {
			Body, ReceiptHandle string
			MessageAttributes   map[string]struct{ StringValue string }
			Attributes          map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got.Messages, 1)
	require.Equal(t, "from the CLI", got.Messages[0].Body)
	require.Equal(t, "cli", got.Messages[0].MessageAttributes["source"].StringValue)
	require.Equal(t, testAccount, got.Messages[0].Attributes["SenderId"])

	out, err = s.aws(t, "sqs", "get-queue-attributes", "--queue-url", created.QueueUrl, "--attribute-names", "ApproximateNumberOfMessagesNotVisible", "VisibilityTimeout")
	require.NoError(t, err)
	require.JSONEq(t, `{"Attributes":{"ApproximateNumberOfMessagesNotVisible":"1","VisibilityTimeout":"45"}}`, out)
	_, err = s.aws(t, "sqs", "delete-message", "--queue-url", created.QueueUrl, "--receipt-handle", got.Messages[0].ReceiptHandle)
	require.NoError(t, err)
	_, err = s.aws(t, "sqs", "tag-queue", "--queue-url", created.QueueUrl, "--tags", "env=test")
	require.NoError(t, err)
	out, err = s.aws(t, "sqs", "list-queue-tags", "--queue-url", created.QueueUrl)
	require.NoError(t, err)
	require.JSONEq(t, `{"Tags":{"env":"test"}}`, out)
	out, err = s.aws(t, "sqs", "list-queues")
	require.NoError(t, err)
	require.Contains(t, out, created.QueueUrl)
	_, err = s.aws(t, "sqs", "delete-queue", "--queue-url", created.QueueUrl)
	require.NoError(t, err)
	_, err = s.aws(t, "sqs", "get-queue-url", "--queue-name", "cli-queue")
	require.ErrorContains(t, err, "NonExistentQueue")
}
