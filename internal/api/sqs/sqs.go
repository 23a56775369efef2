// Package sqs serves the Amazon SQS API over the queue domain service: AWS JSON 1.0 (X-Amz-Target
// AmazonSQS.<Op>, which current SDKs and the aws CLI send, with the x-amzn-query-error header of
// query-compatible services) and the Query protocol (Action=SendMessage, XML) of older SDKs.
package sqs

import (
	"net/http"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/queue"
)

// TargetPrefix is SQS's X-Amz-Target prefix.
const TargetPrefix = "AmazonSQS"

// XMLNamespace is the namespace of SQS's Query responses.
const XMLNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"

// New returns the SQS service.
func New(svc *queue.Service) *api.Service {
	h := &handler{q: svc}
	return &api.Service{
		Name:            "sqs",
		EventSource:     queue.EventSource,
		Protocol:        awsproto.JSON10,
		TargetPrefix:    TargetPrefix,
		XMLNamespace:    XMLNamespace,
		QueryCompatible: true,
		Ops: api.Ops(
			op("CreateQueue", "sqs:CreateQueue", false, h.createQueue),
			op("GetQueueUrl", "sqs:GetQueueUrl", true, h.getQueueURL),
			op("ListQueues", "sqs:ListQueues", true, h.listQueues),
			op("DeleteQueue", "sqs:DeleteQueue", false, h.deleteQueue),
			op("GetQueueAttributes", "sqs:GetQueueAttributes", true, h.getQueueAttributes),
			op("SetQueueAttributes", "sqs:SetQueueAttributes", false, h.setQueueAttributes),
			op("PurgeQueue", "sqs:PurgeQueue", false, h.purgeQueue),
			op("TagQueue", "sqs:TagQueue", false, h.tagQueue),
			op("UntagQueue", "sqs:UntagQueue", false, h.untagQueue),
			op("ListQueueTags", "sqs:ListQueueTags", true, h.listQueueTags),
			op("AddPermission", "sqs:AddPermission", false, h.addPermission),
			op("RemovePermission", "sqs:RemovePermission", false, h.removePermission),
			op("ListDeadLetterSourceQueues", "sqs:ListDeadLetterSourceQueues", true, h.listDeadLetterSourceQueues),
			data(op("SendMessage", "sqs:SendMessage", false, h.sendMessage)),
			data(op("SendMessageBatch", "sqs:SendMessage", false, h.sendMessageBatch)),
			data(op("ReceiveMessage", "sqs:ReceiveMessage", false, h.receiveMessage)),
			data(op("DeleteMessage", "sqs:DeleteMessage", false, h.deleteMessage)),
			data(op("DeleteMessageBatch", "sqs:DeleteMessage", false, h.deleteMessageBatch)),
			data(op("ChangeMessageVisibility", "sqs:ChangeMessageVisibility", false, h.changeMessageVisibility)),
			data(op("ChangeMessageVisibilityBatch", "sqs:ChangeMessageVisibility", false, h.changeMessageVisibilityBatch)),
			also(op("StartMessageMoveTask", "sqs:StartMessageMoveTask", false, h.startMessageMoveTask), queue.MoveTaskActions...),
			op("CancelMessageMoveTask", "sqs:CancelMessageMoveTask", false, h.cancelMessageMoveTask),
			op("ListMessageMoveTasks", "sqs:ListMessageMoveTasks", true, h.listMessageMoveTasks),
		),
	}
}

type handler struct{ q *queue.Service }

// empty is the output of operations that return nothing.
type empty struct{}

// data marks the message operations, which CloudTrail records as SQS data events.
func data(o *api.Op) *api.Op {
	o.Data = true
	return o
}

// also declares the other actions an operation authorizes on the way.
func also(o *api.Op, actions ...string) *api.Op {
	o.Also = actions
	return o
}

// queueURL returns the URL of q as the request reached the server.
func queueURL(r *http.Request, q *queue.Queue) string {
	scheme := "http"
	if r != nil && r.TLS != nil {
		scheme = "https"
	}
	host := "localhost:4566"
	if r != nil && r.Host != "" {
		host = r.Host
	}
	return scheme + "://" + host + "/" + q.Account + "/" + q.Name
}
