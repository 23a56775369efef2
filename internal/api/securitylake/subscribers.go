package securitylake

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/lake"
)

// subscriberResource is the SubscriberResource shape.
type subscriberResource struct {
	AccessTypes []string         `json:"accessTypes,omitempty"`
	CreatedAt   *time.Time       `json:"createdAt,omitempty"`
	ShareARN    string           `json:"resourceShareArn,omitempty"`
	ShareName   string           `json:"resourceShareName,omitempty"`
	RoleArn     string           `json:"roleArn,omitempty"`
	S3BucketArn string           `json:"s3BucketArn,omitempty"`
	Sources     []lake.SourceRef `json:"sources"`
	ARN         string           `json:"subscriberArn"`
	Description string           `json:"subscriberDescription,omitempty"`
	Endpoint    string           `json:"subscriberEndpoint,omitempty"`
	ID          string           `json:"subscriberId"`
	Identity    lake.AwsIdentity `json:"subscriberIdentity"`
	Name        string           `json:"subscriberName"`
	Status      string           `json:"subscriberStatus,omitempty"`
	UpdatedAt   *time.Time       `json:"updatedAt,omitempty"`
}

func subscriberOf(s *lake.Subscriber) *subscriberResource {
	created, updated := s.Created, s.Updated
	return &subscriberResource{AccessTypes: s.AccessTypes, CreatedAt: &created, ShareARN: s.ResourceShareARN,
		ShareName: s.ResourceShareName, RoleArn: s.RoleARN, S3BucketArn: s.BucketARN,
		Sources: s.Sources, ARN: s.ARN, Description: s.Description, Endpoint: s.Endpoint, ID: s.ID, Identity: s.Identity,
		Name: s.Name, Status: s.Status, UpdatedAt: &updated}
}

type createSubscriberIn struct {
	AccessTypes []string          `json:"accessTypes"`
	Sources     []lake.SourceRef  `json:"sources"`
	Description string            `json:"subscriberDescription"`
	Identity    *lake.AwsIdentity `json:"subscriberIdentity"`
	Name        *string           `json:"subscriberName"`
	Tags        []lake.Tag        `json:"tags"`
}

type subscriberOut struct {
	Subscriber *subscriberResource `json:"subscriber"`
}

func (h *handler) createSubscriber(ctx context.Context, c *api.Call, in *createSubscriberIn) (*subscriberOut, error) {
	sub, err := h.svc.CreateSubscriber(ctx, c.Caller, lake.SubscriberInput{Name: in.Name, Description: in.Description, Identity: in.Identity,
		Sources: in.Sources, AccessTypes: in.AccessTypes, Tags: in.Tags})
	if err != nil {
		return nil, err
	}
	return &subscriberOut{Subscriber: subscriberOf(sub)}, nil
}

type subscriberIn struct {
	ID string `json:"-" location:"uri" name:"subscriberId"`
}

func (h *handler) getSubscriber(ctx context.Context, c *api.Call, in *subscriberIn) (*subscriberOut, error) {
	sub, err := h.svc.GetSubscriber(ctx, c.Caller, in.ID)
	if err != nil {
		return nil, err
	}
	return &subscriberOut{Subscriber: subscriberOf(sub)}, nil
}

type updateSubscriberIn struct {
	ID          string            `json:"-" location:"uri" name:"subscriberId"`
	Sources     []lake.SourceRef  `json:"sources"`
	Description string            `json:"subscriberDescription"`
	Identity    *lake.AwsIdentity `json:"subscriberIdentity"`
	Name        *string           `json:"subscriberName"`
}

func (h *handler) updateSubscriber(ctx context.Context, c *api.Call, in *updateSubscriberIn) (*subscriberOut, error) {
	sub, err := h.svc.UpdateSubscriber(ctx, c.Caller, in.ID, lake.SubscriberInput{Name: in.Name, Description: in.Description,
		Identity: in.Identity, Sources: in.Sources})
	if err != nil {
		return nil, err
	}
	return &subscriberOut{Subscriber: subscriberOf(sub)}, nil
}

func (h *handler) deleteSubscriber(ctx context.Context, c *api.Call, in *subscriberIn) (*empty, error) {
	return &empty{}, h.svc.DeleteSubscriber(ctx, c.Caller, in.ID)
}

type listSubscribersIn struct {
	MaxResults *int   `json:"-" location:"querystring" name:"maxResults"`
	NextToken  string `json:"-" location:"querystring" name:"nextToken"`
}

type listSubscribersOut struct {
	NextToken   string                `json:"nextToken,omitempty"`
	Subscribers []*subscriberResource `json:"subscribers"`
}

func (h *handler) listSubscribers(ctx context.Context, c *api.Call, in *listSubscribersIn) (*listSubscribersOut, error) {
	subs, next, err := h.svc.ListSubscribers(ctx, c.Caller, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listSubscribersOut{NextToken: next, Subscribers: []*subscriberResource{}}
	for i := range subs {
		out.Subscribers = append(out.Subscribers, subscriberOf(&subs[i]))
	}
	return out, nil
}

type notificationIn struct {
	ID            string `json:"-" location:"uri" name:"subscriberId"`
	Configuration struct {
		HTTPS *struct {
			APIKeyName    string `json:"authorizationApiKeyName"`
			APIKeyValue   string `json:"authorizationApiKeyValue"`
			Endpoint      string `json:"endpoint"`
			Method        string `json:"httpMethod"`
			TargetRoleArn string `json:"targetRoleArn"`
		} `json:"httpsNotificationConfiguration"`
		SQS *struct{} `json:"sqsNotificationConfiguration"`
	} `json:"configuration"`
}

// audit is what the trail records of a notification request: never the API key's value.
func (in *notificationIn) audit() any {
	p := map[string]any{"subscriberId": in.ID}
	if h := in.Configuration.HTTPS; h != nil {
		p["httpsNotificationConfiguration"] = map[string]string{"endpoint": h.Endpoint, "httpMethod": h.Method,
			"authorizationApiKeyName": h.APIKeyName, "targetRoleArn": h.TargetRoleArn}
	} else {
		p["sqsNotificationConfiguration"] = map[string]string{}
	}
	return p
}

func (in *notificationIn) domain() lake.NotificationInput {
	out := lake.NotificationInput{SQS: in.Configuration.SQS != nil}
	if h := in.Configuration.HTTPS; h != nil {
		out.HTTPS = &lake.HTTPSNotify{Endpoint: h.Endpoint, Method: h.Method, APIKeyName: h.APIKeyName, TargetRoleARN: h.TargetRoleArn}
		out.APIKeyValue = h.APIKeyValue
	}
	return out
}

type endpointOut struct {
	SubscriberEndpoint string `json:"subscriberEndpoint,omitempty"`
}

func (h *handler) createSubscriberNotification(ctx context.Context, c *api.Call, in *notificationIn) (*endpointOut, error) {
	c.Audit.RequestParameters = in.audit()
	ep, err := h.svc.PutSubscriberNotification(ctx, c.Caller, in.ID, true, in.domain())
	if err != nil {
		return nil, err
	}
	return &endpointOut{SubscriberEndpoint: ep}, nil
}

func (h *handler) updateSubscriberNotification(ctx context.Context, c *api.Call, in *notificationIn) (*endpointOut, error) {
	c.Audit.RequestParameters = in.audit()
	ep, err := h.svc.PutSubscriberNotification(ctx, c.Caller, in.ID, false, in.domain())
	if err != nil {
		return nil, err
	}
	return &endpointOut{SubscriberEndpoint: ep}, nil
}

func (h *handler) deleteSubscriberNotification(ctx context.Context, c *api.Call, in *subscriberIn) (*empty, error) {
	return &empty{}, h.svc.DeleteSubscriberNotification(ctx, c.Caller, in.ID)
}
