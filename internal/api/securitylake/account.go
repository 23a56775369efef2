package securitylake

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/lake"
)

type exceptionSubscriptionIn struct {
	TimeToLive *int64 `json:"exceptionTimeToLive"`
	Endpoint   string `json:"notificationEndpoint"`
	Protocol   string `json:"subscriptionProtocol"`
}

func (in *exceptionSubscriptionIn) domain() lake.ExceptionSubscription {
	return lake.ExceptionSubscription{Protocol: in.Protocol, Endpoint: in.Endpoint, TimeToLive: in.TimeToLive}
}

func (h *handler) createExceptionSubscription(ctx context.Context, c *api.Call, in *exceptionSubscriptionIn) (*empty, error) {
	return &empty{}, h.svc.PutExceptionSubscription(ctx, c.Caller, true, in.domain())
}

func (h *handler) updateExceptionSubscription(ctx context.Context, c *api.Call, in *exceptionSubscriptionIn) (*empty, error) {
	return &empty{}, h.svc.PutExceptionSubscription(ctx, c.Caller, false, in.domain())
}

func (h *handler) getExceptionSubscription(ctx context.Context, c *api.Call, _ *empty) (*lake.ExceptionSubscription, error) {
	return h.svc.GetExceptionSubscription(ctx, c.Caller)
}

func (h *handler) deleteExceptionSubscription(ctx context.Context, c *api.Call, _ *empty) (*empty, error) {
	return &empty{}, h.svc.DeleteExceptionSubscription(ctx, c.Caller)
}

type listExceptionsIn struct {
	MaxResults *int     `json:"maxResults"`
	NextToken  string   `json:"nextToken"`
	Regions    []string `json:"regions"`
}

type exceptionOut struct {
	Exception   string    `json:"exception"`
	Region      string    `json:"region"`
	Remediation string    `json:"remediation"`
	Timestamp   time.Time `json:"timestamp"`
}

type listExceptionsOut struct {
	Exceptions []exceptionOut `json:"exceptions"`
	NextToken  string         `json:"nextToken,omitempty"`
}

func (h *handler) listDataLakeExceptions(ctx context.Context, c *api.Call, in *listExceptionsIn) (*listExceptionsOut, error) {
	es, next, err := h.svc.ListDataLakeExceptions(ctx, c.Caller, in.Regions, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listExceptionsOut{Exceptions: []exceptionOut{}, NextToken: next}
	for _, e := range es {
		out.Exceptions = append(out.Exceptions, exceptionOut{Exception: e.Exception, Region: e.Region, Remediation: e.Remediation, Timestamp: e.Timestamp})
	}
	return out, nil
}

// autoEnable is the DataLakeAutoEnableNewAccountConfiguration shape.
type autoEnable struct {
	Region  string           `json:"region"`
	Sources []lake.AwsSource `json:"sources"`
}

type orgConfigurationIn struct {
	AutoEnable []autoEnable `json:"autoEnableNewAccount"`
}

func (in *orgConfigurationIn) domain() []lake.AutoEnable {
	out := make([]lake.AutoEnable, len(in.AutoEnable))
	for i, a := range in.AutoEnable {
		out[i] = lake.AutoEnable{Region: a.Region, Sources: a.Sources}
	}
	return out
}

func (h *handler) createOrgConfiguration(ctx context.Context, c *api.Call, in *orgConfigurationIn) (*empty, error) {
	return &empty{}, h.svc.ChangeOrganizationConfiguration(ctx, c.Caller, true, in.domain())
}

func (h *handler) deleteOrgConfiguration(ctx context.Context, c *api.Call, in *orgConfigurationIn) (*empty, error) {
	return &empty{}, h.svc.ChangeOrganizationConfiguration(ctx, c.Caller, false, in.domain())
}

func (h *handler) getOrgConfiguration(ctx context.Context, c *api.Call, _ *empty) (*orgConfigurationIn, error) {
	cur, err := h.svc.GetOrganizationConfiguration(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := &orgConfigurationIn{AutoEnable: []autoEnable{}}
	for _, a := range cur {
		out.AutoEnable = append(out.AutoEnable, autoEnable{Region: a.Region, Sources: a.Sources})
	}
	return out, nil
}

type registerAdminIn struct {
	AccountID string `json:"accountId"`
}

func (h *handler) registerAdmin(ctx context.Context, c *api.Call, in *registerAdminIn) (*empty, error) {
	return &empty{}, h.svc.RegisterDelegatedAdministrator(ctx, c.Caller, in.AccountID)
}

func (h *handler) deregisterAdmin(ctx context.Context, c *api.Call, _ *empty) (*empty, error) {
	return &empty{}, h.svc.DeregisterDelegatedAdministrator(ctx, c.Caller)
}

type tagResourceIn struct {
	ResourceArn string     `json:"-" location:"uri" name:"resourceArn"`
	Tags        []lake.Tag `json:"tags"`
}

func (h *handler) tagResource(ctx context.Context, c *api.Call, in *tagResourceIn) (*empty, error) {
	return &empty{}, h.svc.TagResource(ctx, c.Caller, in.ResourceArn, in.Tags)
}

type untagResourceIn struct {
	ResourceArn string   `json:"-" location:"uri" name:"resourceArn"`
	TagKeys     []string `json:"-" location:"querystring" name:"tagKeys"`
}

func (h *handler) untagResource(ctx context.Context, c *api.Call, in *untagResourceIn) (*empty, error) {
	return &empty{}, h.svc.UntagResource(ctx, c.Caller, in.ResourceArn, in.TagKeys)
}

type resourceIn struct {
	ResourceArn string `json:"-" location:"uri" name:"resourceArn"`
}

type tagsOut struct {
	Tags []lake.Tag `json:"tags"`
}

func (h *handler) listTagsForResource(ctx context.Context, c *api.Call, in *resourceIn) (*tagsOut, error) {
	tags, err := h.svc.ListTagsForResource(ctx, c.Caller, in.ResourceArn)
	if err != nil {
		return nil, err
	}
	return &tagsOut{Tags: tags}, nil
}
