package sqs

import (
	"net/url"
	"testing"

	"github.com/seclake/seclake/internal/awsproto"
)

// FuzzQueryDecode feeds arbitrary forms to the Query decoding of every SQS input: it never panics, and a
// decoded message attribute keeps the name and value it was given.
func FuzzQueryDecode(f *testing.F) {
	f.Add("Action=SendMessage&MessageBody=x&MessageAttribute.1.Name=n&MessageAttribute.1.Value.DataType=Number&MessageAttribute.1.Value.StringValue=7")
	f.Add("SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=b&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=k&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue=AA==")
	f.Add("Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=40&Tag.2.Key=a&AttributeName.1=All&MaxNumberOfMessages=99999999999999999999")
	f.Add("DeleteMessageBatchRequestEntry.3.Id=x&DeleteMessageBatchRequestEntry.3.ReceiptHandle=y&WaitTimeSeconds=-1&VisibilityTimeout=x")
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, in := range []any{&createQueueInput{}, &getQueueAttributesInput{}, &setQueueAttributesInput{}, &tagQueueInput{},
			&untagQueueInput{}, &addPermissionInput{}, &sendMessageInput{}, &sendMessageBatchInput{}, &receiveMessageInput{},
			&handleBatchInput{}, &changeVisibilityBatchInput{}, &listQueuesInput{}, &startMessageMoveTaskInput{}} {
			_ = awsproto.DecodeQuery(form, in)
		}
		var in sendMessageInput
		if awsproto.DecodeQuery(form, &in) != nil {
			return
		}
		for name, v := range in.MessageAttributes {
			if name == "" {
				t.Fatalf("an attribute without a name was decoded: %+v", v)
			}
		}
		if v := form.Get("MessageBody"); v != in.MessageBody {
			t.Fatalf("MessageBody %q decoded as %q", v, in.MessageBody)
		}
	})
}
