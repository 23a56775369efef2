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

// New returns the CloudTrail service: the event history of the audit trail and the trails that deliver it.
func New(trails *trail.Service) *api.Service {
	h := &handler{trails: trails}
	return &api.Service{
		Name:         "cloudtrail",
		EventSource:  "cloudtrail.amazonaws.com",
		Protocol:     awsproto.JSON11,
		TargetPrefix: TargetPrefix,
		Ops: api.Ops(
			api.JSON("LookupEvents", "cloudtrail:LookupEvents", true, h.lookupEvents),
			api.JSON("CreateTrail", "cloudtrail:CreateTrail", false, h.createTrail),
			api.JSON("UpdateTrail", "cloudtrail:UpdateTrail", false, h.updateTrail),
			api.JSON("DeleteTrail", "cloudtrail:DeleteTrail", false, h.deleteTrail),
			api.JSON("GetTrail", "cloudtrail:GetTrail", true, h.getTrail),
			api.JSON("DescribeTrails", "cloudtrail:DescribeTrails", true, h.describeTrails),
			api.JSON("ListTrails", "cloudtrail:ListTrails", true, h.listTrails),
			api.JSON("GetTrailStatus", "cloudtrail:GetTrailStatus", true, h.getTrailStatus),
			api.JSON("StartLogging", "cloudtrail:StartLogging", false, h.startLogging),
			api.JSON("StopLogging", "cloudtrail:StopLogging", false, h.stopLogging),
			api.JSON("PutEventSelectors", "cloudtrail:PutEventSelectors", false, h.putEventSelectors),
			api.JSON("GetEventSelectors", "cloudtrail:GetEventSelectors", true, h.getEventSelectors),
			api.JSON("ListPublicKeys", "cloudtrail:ListPublicKeys", true, h.listPublicKeys),
		),
	}
}

type handler struct {
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
	res, err := h.trails.LookupEvents(ctx, c.Caller, q)
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
