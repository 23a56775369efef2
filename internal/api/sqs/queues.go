package sqs

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/queue"
)

type createQueueInput struct {
	QueueName  string
	Attributes map[string]string `query:"Attribute,flat,key=Name,value=Value"`
	Tags       map[string]string `query:"Tag,flat,key=Key,value=Value"`
}

type queueURLOutput struct {
	QueueUrl string
}

func (h *handler) createQueue(ctx context.Context, c *api.Call, in *createQueueInput) (*queueURLOutput, error) {
	q, err := h.q.CreateQueue(ctx, c.Caller, in.QueueName, in.Attributes, in.Tags)
	if err != nil {
		return nil, err
	}
	c.AddResource(q.ARN(), q.Account, "AWS::SQS::Queue")
	return &queueURLOutput{QueueUrl: queueURL(c.HTTP, q)}, nil
}

type getQueueURLInput struct {
	QueueName              string
	QueueOwnerAWSAccountId string
}

func (h *handler) getQueueURL(ctx context.Context, c *api.Call, in *getQueueURLInput) (*queueURLOutput, error) {
	q, err := h.q.GetQueue(ctx, c.Caller, in.QueueName, in.QueueOwnerAWSAccountId)
	if err != nil {
		return nil, err
	}
	return &queueURLOutput{QueueUrl: queueURL(c.HTTP, q)}, nil
}

type listQueuesInput struct {
	QueueNamePrefix string
	NextToken       string
	MaxResults      int
}

type listQueuesOutput struct {
	QueueUrls []string `json:",omitempty" xml:"QueueUrl"`
	NextToken string   `json:",omitempty"`
}

func (h *handler) listQueues(ctx context.Context, c *api.Call, in *listQueuesInput) (*listQueuesOutput, error) {
	l, err := h.q.ListQueues(ctx, c.Caller, in.QueueNamePrefix, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return urls(c, l), nil
}

func urls(c *api.Call, l *queue.QueueList) *listQueuesOutput {
	out := &listQueuesOutput{NextToken: l.Next}
	for _, q := range l.Queues {
		out.QueueUrls = append(out.QueueUrls, queueURL(c.HTTP, q))
	}
	return out
}

type queueInput struct {
	QueueUrl string
}

// ref parses a queue URL and records the queue as a resource of the call. A Query request may name its queue
// by the path it is posted to instead.
func ref(c *api.Call, url string) (queue.Ref, error) {
	if url == "" && c.Form != nil && c.HTTP != nil && c.HTTP.URL.Path != "/" {
		url = c.HTTP.URL.Path
	}
	r, err := queue.ParseURL(url)
	if err != nil {
		return r, err
	}
	c.AddResource(queue.ARN(region(c), r.Account, r.Name), r.Account, "AWS::SQS::Queue")
	return r, nil
}

func region(c *api.Call) string {
	if c.Caller.Region != "" {
		return c.Caller.Region
	}
	return "us-east-1"
}

func (h *handler) deleteQueue(ctx context.Context, c *api.Call, in *queueInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.q.DeleteQueue(ctx, c.Caller, r)
}

func (h *handler) purgeQueue(ctx context.Context, c *api.Call, in *queueInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.q.PurgeQueue(ctx, c.Caller, r)
}

type getQueueAttributesInput struct {
	QueueUrl       string
	AttributeNames []string `query:"AttributeName,flat"`
}

type attributesOutput struct {
	Attributes attrMap `json:",omitempty" xml:"Attribute"`
}

func (h *handler) getQueueAttributes(ctx context.Context, c *api.Call, in *getQueueAttributesInput) (*attributesOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	attrs, err := h.q.GetAttributes(ctx, c.Caller, r, in.AttributeNames)
	if err != nil {
		return nil, err
	}
	return &attributesOutput{Attributes: attrs}, nil
}

type setQueueAttributesInput struct {
	QueueUrl   string
	Attributes map[string]string `query:"Attribute,flat,key=Name,value=Value"`
}

func (h *handler) setQueueAttributes(ctx context.Context, c *api.Call, in *setQueueAttributesInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.q.SetAttributes(ctx, c.Caller, r, in.Attributes)
}

type tagQueueInput struct {
	QueueUrl string
	Tags     map[string]string `query:"Tag,flat,key=Key,value=Value"`
}

func (h *handler) tagQueue(ctx context.Context, c *api.Call, in *tagQueueInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.q.Tag(ctx, c.Caller, r, in.Tags)
}

type untagQueueInput struct {
	QueueUrl string
	TagKeys  []string `query:"TagKey,flat"`
}

func (h *handler) untagQueue(ctx context.Context, c *api.Call, in *untagQueueInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.q.Untag(ctx, c.Caller, r, in.TagKeys)
}

type tagsOutput struct {
	Tags tagMap `json:",omitempty" xml:"Tag"`
}

func (h *handler) listQueueTags(ctx context.Context, c *api.Call, in *queueInput) (*tagsOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	tags, err := h.q.Tags(ctx, c.Caller, r)
	if err != nil {
		return nil, err
	}
	return &tagsOutput{Tags: tags}, nil
}

type addPermissionInput struct {
	QueueUrl      string
	Label         string
	AWSAccountIds []string `query:"AWSAccountId,flat"`
	Actions       []string `query:"ActionName,flat"`
}

func (h *handler) addPermission(ctx context.Context, c *api.Call, in *addPermissionInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.q.AddPermission(ctx, c.Caller, r, in.Label, in.AWSAccountIds, in.Actions)
}

type removePermissionInput struct {
	QueueUrl string
	Label    string
}

func (h *handler) removePermission(ctx context.Context, c *api.Call, in *removePermissionInput) (*empty, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	return &empty{}, h.q.RemovePermission(ctx, c.Caller, r, in.Label)
}

type listDeadLetterSourceQueuesInput struct {
	QueueUrl   string
	NextToken  string
	MaxResults int
}

type queueURLsOutput struct {
	QueueUrls []string `json:"queueUrls" xml:"QueueUrl"`
	NextToken string   `json:",omitempty"`
}

func (h *handler) listDeadLetterSourceQueues(ctx context.Context, c *api.Call, in *listDeadLetterSourceQueuesInput) (*queueURLsOutput, error) {
	r, err := ref(c, in.QueueUrl)
	if err != nil {
		return nil, err
	}
	l, err := h.q.DeadLetterSources(ctx, c.Caller, r, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	u := urls(c, l)
	if u.QueueUrls == nil {
		u.QueueUrls = []string{}
	}
	return &queueURLsOutput{QueueUrls: u.QueueUrls, NextToken: u.NextToken}, nil
}
