package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"
)

// querySQS posts a Query-protocol SQS request to path, signed as root, as older SDKs send them.
func querySQS(t *testing.T, s *server, path string, form url.Values) (int, []byte) {
	t.Helper()
	form.Set("Version", "2012-11-05")
	body := []byte(form.Encode())
	req, err := http.NewRequest(http.MethodPost, s.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sqs", testRegion, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, out
}

// TestSQSQueryProtocol speaks the Query protocol of older SDKs: form parameters (Attribute.N.Name,
// MessageAttribute.N.Value.StringValue, batch entries), requests posted to the queue's own URL, XML responses
// whose digests match the JSON protocol's, and Query errors with SQS's legacy codes.
func TestSQSQueryProtocol(t *testing.T) {
	s := startServer(t)
	status, body := querySQS(t, s, "/", url.Values{"Action": {"CreateQueue"}, "QueueName": {"legacy"},
		"Attribute.1.Name": {"VisibilityTimeout"}, "Attribute.1.Value": {"40"}, "Tag.1.Key": {"team"}, "Tag.1.Value": {"sec"}})
	require.Equal(t, 200, status, string(body))
	var created struct {
		QueueURL string `xml:"CreateQueueResult>QueueUrl"`
	}
	require.NoError(t, xml.Unmarshal(body, &created))
	require.Equal(t, s.URL+"/"+testAccount+"/legacy", created.QueueURL)
	path := "/" + testAccount + "/legacy"

	status, body = querySQS(t, s, path, url.Values{"Action": {"SendMessage"}, "MessageBody": {"old sdk"},
		"MessageAttribute.1.Name": {"n"}, "MessageAttribute.1.Value.DataType": {"Number"}, "MessageAttribute.1.Value.StringValue": {"7"},
		"MessageAttribute.2.Name": {"b"}, "MessageAttribute.2.Value.DataType": {"Binary"}, "MessageAttribute.2.Value.BinaryValue": {"AAH/"}})
	require.Equal(t, 200, status, string(body))
	var sent struct {
		MD5Body  string `xml:"SendMessageResult>MD5OfMessageBody"`
		MD5Attrs string `xml:"SendMessageResult>MD5OfMessageAttributes"`
	}
	require.NoError(t, xml.Unmarshal(body, &sent))
	require.Equal(t, "a916e473505b422d7f2023e525492a98", sent.MD5Body)
	require.Len(t, sent.MD5Attrs, 32)

	status, body = querySQS(t, s, "/", url.Values{"Action": {"SendMessageBatch"}, "QueueUrl": {created.QueueURL},
		"SendMessageBatchRequestEntry.1.Id": {"a"}, "SendMessageBatchRequestEntry.1.MessageBody": {"one"},
		"SendMessageBatchRequestEntry.2.Id": {"b"}, "SendMessageBatchRequestEntry.2.MessageBody": {"two"}})
	require.Equal(t, 200, status, string(body))
	var batch struct {
		IDs []string `xml:"SendMessageBatchResult>SendMessageBatchResultEntry>Id"`
	}
	require.NoError(t, xml.Unmarshal(body, &batch))
	require.ElementsMatch(t, []string{"a", "b"}, batch.IDs)

	status, body = querySQS(t, s, path, url.Values{"Action": {"ReceiveMessage"}, "MaxNumberOfMessages": {"10"},
		"MessageAttributeName.1": {"All"}, "AttributeName.1": {"All"}})
	require.Equal(t, 200, status, string(body))
	var recv struct {
		Messages []struct {
			Body, ReceiptHandle, MD5OfMessageAttributes string
			Attrs                                       []struct{ Name, Value string } `xml:"Attribute"`
			MsgAttrs                                    []struct {
				Name  string
				Value struct{ StringValue, BinaryValue, DataType string }
			} `xml:"MessageAttribute"`
		} `xml:"ReceiveMessageResult>Message"`
	}
	require.NoError(t, xml.Unmarshal(body, &recv))
	require.Len(t, recv.Messages, 3)
	var first = recv.Messages[0]
	for _, m := range recv.Messages {
		if m.Body == "old sdk" {
			first = m
		}
	}
	require.Equal(t, "old sdk", first.Body)
	require.Equal(t, sent.MD5Attrs, first.MD5OfMessageAttributes)
	require.Len(t, first.MsgAttrs, 2)
	require.Equal(t, "AAH/", first.MsgAttrs[0].Value.BinaryValue)
	require.NotEmpty(t, first.Attrs)

	status, body = querySQS(t, s, path, url.Values{"Action": {"DeleteMessage"}, "ReceiptHandle": {first.ReceiptHandle}})
	require.Equal(t, 200, status, string(body))
	status, body = querySQS(t, s, "/", url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {created.QueueURL}, "AttributeName.1": {"VisibilityTimeout"}})
	require.Equal(t, 200, status, string(body))
	require.Contains(t, string(body), "<Attribute><Name>VisibilityTimeout</Name><Value>40</Value></Attribute>")
	status, body = querySQS(t, s, "/", url.Values{"Action": {"ListQueueTags"}, "QueueUrl": {created.QueueURL}})
	require.Equal(t, 200, status, string(body))
	require.Contains(t, string(body), "<Tag><Key>team</Key><Value>sec</Value></Tag>")

	status, body = querySQS(t, s, "/", url.Values{"Action": {"GetQueueUrl"}, "QueueName": {"missing"}})
	require.Equal(t, 400, status)
	var qerr struct {
		Code string `xml:"Error>Code"`
	}
	require.NoError(t, xml.Unmarshal(body, &qerr))
	require.Equal(t, "AWS.SimpleQueueService.NonExistentQueue", qerr.Code)
}
