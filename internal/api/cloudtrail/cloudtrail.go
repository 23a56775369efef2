// Package cloudtrail serves the CloudTrail API (JSON 1.1): LookupEvents over seclake's audit trail, and the
// trails (CreateTrail, StartLogging, GetTrailStatus, …) that deliver it to buckets.
package cloudtrail

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/trail"
)

// TargetPrefix is CloudTrail's X-Amz-Target prefix.
const TargetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"

// Trail is the audit trail the API reads; *audit.Log satisfies it.
type Trail interface {
	Lookup(ctx context.Context, accountID string, in *audit.LookupInput) (*audit.LookupOutput, error)
}

// New returns the CloudTrail service over the audit trail (events) and the trails that deliver it.
func New(events Trail, trails *trail.Service) *api.Service {
	h := &handler{trail: events, trails: trails}
	return &api.Service{
		Name:         "cloudtrail",
		EventSource:  "cloudtrail.amazonaws.com",
		Protocol:     awsproto.JSON11,
		TargetPrefix: TargetPrefix,
		Ops: api.Ops(
			api.JSON("LookupEvents", true, h.lookupEvents),
			api.JSON("CreateTrail", false, h.createTrail),
			api.JSON("UpdateTrail", false, h.updateTrail),
			api.JSON("DeleteTrail", false, h.deleteTrail),
			api.JSON("GetTrail", true, h.getTrail),
			api.JSON("DescribeTrails", true, h.describeTrails),
			api.JSON("ListTrails", true, h.listTrails),
			api.JSON("GetTrailStatus", true, h.getTrailStatus),
			api.JSON("StartLogging", false, h.startLogging),
			api.JSON("StopLogging", false, h.stopLogging),
			api.JSON("PutEventSelectors", false, h.putEventSelectors),
			api.JSON("GetEventSelectors", true, h.getEventSelectors),
			api.JSON("ListPublicKeys", true, h.listPublicKeys),
		),
	}
}

type handler struct {
	trail  Trail
	trails *trail.Service
}

type lookupAttribute struct {
	AttributeKey   string
	AttributeValue string
}

type lookupEventsInput struct {
	LookupAttributes []lookupAttribute   `json:",omitempty"`
	StartTime        *awsproto.Timestamp `json:",omitempty"`
	EndTime          *awsproto.Timestamp `json:",omitempty"`
	EventCategory    string              `json:",omitempty"`
	MaxResults       *int32              `json:",omitempty"`
	NextToken        string              `json:",omitempty"`
}

type resource struct {
	ResourceType string `json:",omitempty"`
	ResourceName string `json:",omitempty"`
}

type event struct {
	EventId         string
	EventName       string
	ReadOnly        string
	AccessKeyId     string `json:",omitempty"`
	EventTime       awsproto.Timestamp
	EventSource     string
	Username        string     `json:",omitempty"`
	Resources       []resource `json:",omitempty"`
	CloudTrailEvent string
}

type lookupEventsOutput struct {
	Events    []event
	NextToken string `json:",omitempty"`
}

func (h *handler) lookupEvents(ctx context.Context, c *api.Call, in *lookupEventsInput) (*lookupEventsOutput, error) {
	q := &audit.LookupInput{EventCategory: in.EventCategory, MaxResults: in.MaxResults, NextToken: in.NextToken}
	for _, a := range in.LookupAttributes {
		q.LookupAttributes = append(q.LookupAttributes, audit.LookupAttribute{AttributeKey: audit.AttributeKey(a.AttributeKey), AttributeValue: a.AttributeValue})
	}
	if in.StartTime != nil {
		t := in.StartTime.Time()
		q.StartTime = &t
	}
	if in.EndTime != nil {
		t := in.EndTime.Time()
		q.EndTime = &t
	}
	res, err := h.trail.Lookup(ctx, c.Caller.Account, q)
	if err != nil {
		return nil, err
	}
	out := &lookupEventsOutput{Events: make([]event, 0, len(res.Events)), NextToken: res.NextToken}
	for _, e := range res.Events {
		ev := event{EventId: e.EventID, EventName: e.EventName, ReadOnly: e.ReadOnly, AccessKeyId: e.AccessKeyID,
			EventTime: awsproto.Timestamp(e.EventTime), EventSource: e.EventSource, Username: e.Username, CloudTrailEvent: e.CloudTrailEvent}
		for _, r := range e.Resources {
			ev.Resources = append(ev.Resources, resource{ResourceType: r.ResourceType, ResourceName: r.ResourceName})
		}
		out.Events = append(out.Events, ev)
	}
	return out, nil
}
