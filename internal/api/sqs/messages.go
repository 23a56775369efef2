package sqs

import (
	"context"
	"encoding/base64"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/queue"
)

// attributeValue is MessageAttributeValue (and MessageSystemAttributeValue).
type attributeValue struct {
	StringValue string `json:",omitempty"`
	BinaryValue []byte `json:",omitempty" query:"-" xml:"-"`
	// BinaryText is BinaryValue as the Query protocol carries it, in base64.
	BinaryText       string   `json:"-" query:"BinaryValue" xml:"BinaryValue,omitempty"`
	StringListValues []string `json:",omitempty" query:"StringListValue,flat"`
	BinaryListValues [][]byte `json:",omitempty" query:"BinaryListValue,flat"`
	DataType         string
}

func attrsIn(m map[string]attributeValue) (map[string]queue.Attribute, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]queue.Attribute, len(m))
	for n, v := range m {
		if len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0 {
			return nil, awserr.New("InvalidParameterValueException", awserr.StatusBadRequest, "Message attribute list values in SendMessage operation are not supported.")
		}
		if v.BinaryText != "" {
			b, err := base64.StdEncoding.DecodeString(v.BinaryText)
			if err != nil {
				return nil, awserr.New("InvalidParameterValueException", awserr.StatusBadRequest, "The BinaryValue of message attribute %s is not base64.", n)
			}
			v.BinaryValue = b
		}
		out[n] = queue.Attribute{DataType: v.DataType, StringValue: v.StringValue, BinaryValue: v.BinaryValue}
	}
	return out, nil
}

func attrsOut(m map[string]queue.Attribute) msgAttrMap {
	if len(m) == 0 {
		return nil
	}
	out := make(msgAttrMap, len(m))
	for n, a := range m {
		out[n] = attributeValue{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out
}

type sendMessageInput struct {
	QueueUrl                string
	MessageBody             string                    `sensitive:"true"`
	DelaySeconds            *int                      `json:",omitempty"`
	MessageAttributes       map[string]attributeValue `sensitive:"true" query:"MessageAttribute,flat,key=Name,value=Value"`
	MessageSystemAttributes map[string]attributeValue `query:"MessageSystemAttribute,flat,key=Name,value=Value"`
	MessageDeduplicationId  string                    `json:",omitempty"`
	MessageGroupId          string                    `json:",omitempty"`
}

func (in *sendMessageInput) entry(id string) (queue.SendEntry, error) {
	attrs, err := attrsIn(in.MessageAttributes)
	if err != nil {
		return queue.SendEntry{}, err
	}
	sys, err := attrsIn(in.MessageSystemAttributes)
	if err != nil {
		return queue.SendEntry{}, err
	}
	return queue.SendEntry{ID: id, Body: in.MessageBody, Delay: in.DelaySeconds, Attrs: attrs, System: sys,
		GroupID: in.MessageGroupId, DedupID: in.MessageDeduplicationId}, nil
}

type sendMessageOutput struct {
	MD5OfMessageBody             string
	MD5OfMessageAttributes       string `json:",omitempty" xml:",omitempty"`
	MD5OfMessageSystemAttributes string `json:",omitempty" xml:",omitempty"`
	MessageId                    string
	SequenceNumber               string `json:",omitempty" xml:",omitempty"`
}

func (h *handler) sendMessage(ctx context.Context, c *api.Call, in *sendMessageInput) (*sendMessageOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	e, err := in.entry("")
	if err != nil {
		return nil, err
	}
	res, err := h.q.Send(ctx, c.Caller, r, []queue.SendEntry{e}, true)
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	return &sendMessageOutput{MD5OfMessageBody: res[0].MD5Body, MD5OfMessageAttributes: res[0].MD5Attrs,
		MD5OfMessageSystemAttributes: res[0].MD5System, MessageId: res[0].MessageID, SequenceNumber: res[0].SequenceNumber}, nil
}

type sendBatchEntry struct {
	Id                      string
	MessageBody             string                    `sensitive:"true"`
	DelaySeconds            *int                      `json:",omitempty"`
	MessageAttributes       map[string]attributeValue `sensitive:"true" query:"MessageAttribute,flat,key=Name,value=Value"`
	MessageSystemAttributes map[string]attributeValue `query:"MessageSystemAttribute,flat,key=Name,value=Value"`
	MessageDeduplicationId  string                    `json:",omitempty"`
	MessageGroupId          string                    `json:",omitempty"`
}

func (be *sendBatchEntry) entry() (queue.SendEntry, error) {
	in := sendMessageInput{MessageBody: be.MessageBody, DelaySeconds: be.DelaySeconds, MessageAttributes: be.MessageAttributes,
		MessageSystemAttributes: be.MessageSystemAttributes, MessageDeduplicationId: be.MessageDeduplicationId, MessageGroupId: be.MessageGroupId}
	return in.entry(be.Id)
}

type sendMessageBatchInput struct {
	QueueUrl string
	Entries  []sendBatchEntry `query:"SendMessageBatchRequestEntry,flat"`
}

type batchError struct {
	Id          string
	SenderFault bool
	Code        string
	Message     string `json:",omitempty"`
}

func batchErr(id string, e *awserr.Error) batchError {
	code := e.Code
	if e.QueryCode != "" {
		code = e.QueryCode
	}
	return batchError{Id: id, SenderFault: !e.Server, Code: code, Message: e.Message}
}

type sendBatchResult struct {
	Id string
	sendMessageOutput
}

type sendMessageBatchOutput struct {
	Successful []sendBatchResult `xml:"SendMessageBatchResultEntry"`
	Failed     []batchError      `xml:"BatchResultErrorEntry"`
}

func (h *handler) sendMessageBatch(ctx context.Context, c *api.Call, in *sendMessageBatchInput) (*sendMessageBatchOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	out := &sendMessageBatchOutput{Successful: []sendBatchResult{}, Failed: []batchError{}}
	entries := make([]queue.SendEntry, 0, len(in.Entries))
	for _, be := range in.Entries {
		e, err := be.entry()
		if err != nil {
			out.Failed = append(out.Failed, batchErr(be.Id, err.(*awserr.Error)))
			e = queue.SendEntry{ID: be.Id, Body: "\x00"} // fails validation: keeps the entry's place
		}
		entries = append(entries, e)
	}
	res, err := h.q.Send(ctx, c.Caller, r, entries, false)
	if err != nil {
		return nil, err
	}
	failed := map[string]bool{}
	for _, f := range out.Failed {
		failed[f.Id] = true
	}
	for _, x := range res {
		switch {
		case failed[x.ID]:
		case x.Err != nil:
			out.Failed = append(out.Failed, batchErr(x.ID, x.Err))
		default:
			out.Successful = append(out.Successful, sendBatchResult{Id: x.ID, sendMessageOutput: sendMessageOutput{MD5OfMessageBody: x.MD5Body,
				MD5OfMessageAttributes: x.MD5Attrs, MD5OfMessageSystemAttributes: x.MD5System, MessageId: x.MessageID, SequenceNumber: x.SequenceNumber}})
		}
	}
	return out, nil
}

type receiveMessageInput struct {
	QueueUrl                    string
	AttributeNames              []string `query:"AttributeName,flat"`
	MessageSystemAttributeNames []string `query:"MessageSystemAttributeName,flat"`
	MessageAttributeNames       []string `query:"MessageAttributeName,flat"`
	MaxNumberOfMessages         int
	VisibilityTimeout           *int
	WaitTimeSeconds             *int
	ReceiveRequestAttemptId     string
}

type message struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             attrMap    `json:",omitempty" xml:"Attribute"`
	MD5OfMessageAttributes string     `json:",omitempty" xml:",omitempty"`
	MessageAttributes      msgAttrMap `json:",omitempty" xml:"MessageAttribute"`
}

type receiveMessageOutput struct {
	Messages []message `json:",omitempty" xml:"Message"`
}

func (h *handler) receiveMessage(ctx context.Context, c *api.Call, in *receiveMessageInput) (*receiveMessageOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	msgs, err := h.q.Receive(ctx, c.Caller, r, queue.ReceiveRequest{Max: in.MaxNumberOfMessages, Visibility: in.VisibilityTimeout,
		Wait: in.WaitTimeSeconds, AttrNames: in.MessageAttributeNames, SystemNames: append(in.AttributeNames, in.MessageSystemAttributeNames...),
		AttemptID: in.ReceiveRequestAttemptId})
	if err != nil {
		return nil, err
	}
	out := &receiveMessageOutput{}
	for _, m := range msgs {
		out.Messages = append(out.Messages, message{MessageId: m.MessageID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5Body,
			Body: m.Body, Attributes: m.System, MD5OfMessageAttributes: m.MD5Attrs, MessageAttributes: attrsOut(m.Attrs)})
	}
	c.Audit.ResponseElements = struct{}{} // message bodies stay off the audit trail
	return out, nil
}

type deleteMessageInput struct {
	QueueUrl      string
	ReceiptHandle string
}

func (h *handler) deleteMessage(ctx context.Context, c *api.Call, in *deleteMessageInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	errs, err := h.q.Delete(ctx, c.Caller, r, []queue.HandleEntry{{Handle: in.ReceiptHandle}}, true)
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return &empty{}, nil
}

type handleEntry struct {
	Id                string
	ReceiptHandle     string
	VisibilityTimeout int
}

type handleBatchInput struct {
	QueueUrl string
	Entries  []handleEntry `query:"DeleteMessageBatchRequestEntry,flat"`
}

type idResult struct{ Id string }

type handleBatchOutput struct {
	Successful []idResult   `xml:"DeleteMessageBatchResultEntry"`
	Failed     []batchError `xml:"BatchResultErrorEntry"`
}

func (in *handleBatchInput) entries() []queue.HandleEntry {
	out := make([]queue.HandleEntry, len(in.Entries))
	for i, e := range in.Entries {
		out[i] = queue.HandleEntry{ID: e.Id, Handle: e.ReceiptHandle, Visibility: e.VisibilityTimeout}
	}
	return out
}

func batchOutcome(entries []handleEntry, errs []*awserr.Error) *handleBatchOutput {
	out := &handleBatchOutput{Successful: []idResult{}, Failed: []batchError{}}
	for i, e := range entries {
		if errs[i] != nil {
			out.Failed = append(out.Failed, batchErr(e.Id, errs[i]))
		} else {
			out.Successful = append(out.Successful, idResult{Id: e.Id})
		}
	}
	return out
}

func (h *handler) deleteMessageBatch(ctx context.Context, c *api.Call, in *handleBatchInput) (*handleBatchOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	errs, err := h.q.Delete(ctx, c.Caller, r, in.entries(), false)
	if err != nil {
		return nil, err
	}
	return batchOutcome(in.Entries, errs), nil
}

type changeVisibilityInput struct {
	QueueUrl          string
	ReceiptHandle     string
	VisibilityTimeout int
}

func (h *handler) changeMessageVisibility(ctx context.Context, c *api.Call, in *changeVisibilityInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	errs, err := h.q.ChangeVisibility(ctx, c.Caller, r, []queue.HandleEntry{{Handle: in.ReceiptHandle, Visibility: in.VisibilityTimeout}}, true)
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return &empty{}, nil
}

type changeVisibilityBatchInput struct {
	QueueUrl string
	Entries  []handleEntry `query:"ChangeMessageVisibilityBatchRequestEntry,flat"`
}

type changeVisibilityBatchOutput struct {
	Successful []idResult   `xml:"ChangeMessageVisibilityBatchResultEntry"`
	Failed     []batchError `xml:"BatchResultErrorEntry"`
}

func (h *handler) changeMessageVisibilityBatch(ctx context.Context, c *api.Call, in *changeVisibilityBatchInput) (*changeVisibilityBatchOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	b := handleBatchInput{QueueUrl: in.QueueUrl, Entries: in.Entries}
	errs, err := h.q.ChangeVisibility(ctx, c.Caller, r, b.entries(), false)
	if err != nil {
		return nil, err
	}
	o := batchOutcome(in.Entries, errs)
	return &changeVisibilityBatchOutput{Successful: o.Successful, Failed: o.Failed}, nil
}
