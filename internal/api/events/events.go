// Package events serves Amazon EventBridge (JSON 1.1, X-Amz-Target AWSEvents.<Op>) over the eventbus domain
// service, and provides the HTTP Invoker that API destinations call endpoints through.
package events

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/eventbus"
)

// TargetPrefix is EventBridge's X-Amz-Target prefix.
const TargetPrefix = "AWSEvents"

// New returns the EventBridge service.
func New(svc *eventbus.Service) *api.Service {
	h := &handler{svc: svc}
	return &api.Service{
		Name:         "events",
		EventSource:  eventbus.EventSource,
		Protocol:     awsproto.JSON11,
		TargetPrefix: TargetPrefix,
		Ops: api.Ops(
			api.JSON("CreateEventBus", "events:CreateEventBus", false, h.createEventBus),
			api.JSON("DescribeEventBus", "events:DescribeEventBus", true, h.describeEventBus),
			api.JSON("ListEventBuses", "events:ListEventBuses", true, h.listEventBuses),
			api.JSON("DeleteEventBus", "events:DeleteEventBus", false, h.deleteEventBus),
			api.JSON("UpdateEventBus", "events:UpdateEventBus", false, h.updateEventBus),
			api.JSON("PutPermission", "events:PutPermission", false, h.putPermission),
			api.JSON("RemovePermission", "events:RemovePermission", false, h.removePermission),
			dataEvent(api.JSON("PutEvents", "events:PutEvents", false, h.putEvents)),
			api.JSON("PutRule", "events:PutRule", false, h.putRule),
			api.JSON("DescribeRule", "events:DescribeRule", true, h.describeRule),
			api.JSON("ListRules", "events:ListRules", true, h.listRules),
			api.JSON("EnableRule", "events:EnableRule", false, h.enableRule),
			api.JSON("DisableRule", "events:DisableRule", false, h.disableRule),
			api.JSON("DeleteRule", "events:DeleteRule", false, h.deleteRule),
			api.JSON("ListRuleNamesByTarget", "events:ListRuleNamesByTarget", true, h.listRuleNamesByTarget),
			api.JSON("TestEventPattern", "events:TestEventPattern", true, h.testEventPattern),
			api.JSON("PutTargets", "events:PutTargets", false, h.putTargets),
			api.JSON("RemoveTargets", "events:RemoveTargets", false, h.removeTargets),
			api.JSON("ListTargetsByRule", "events:ListTargetsByRule", true, h.listTargetsByRule),
			api.JSON("TagResource", "events:TagResource", false, h.tagResource),
			api.JSON("UntagResource", "events:UntagResource", false, h.untagResource),
			api.JSON("ListTagsForResource", "events:ListTagsForResource", true, h.listTagsForResource),
			api.JSON("CreateConnection", "events:CreateConnection", false, h.createConnection),
			api.JSON("DescribeConnection", "events:DescribeConnection", true, h.describeConnection),
			api.JSON("ListConnections", "events:ListConnections", true, h.listConnections),
			api.JSON("DeleteConnection", "events:DeleteConnection", false, h.deleteConnection),
			api.JSON("UpdateConnection", "events:UpdateConnection", false, h.updateConnection),
			api.JSON("CreateApiDestination", "events:CreateApiDestination", false, h.createAPIDestination),
			api.JSON("DescribeApiDestination", "events:DescribeApiDestination", true, h.describeAPIDestination),
			api.JSON("ListApiDestinations", "events:ListApiDestinations", true, h.listAPIDestinations),
			api.JSON("DeleteApiDestination", "events:DeleteApiDestination", false, h.deleteAPIDestination),
			api.JSON("UpdateApiDestination", "events:UpdateApiDestination", false, h.updateAPIDestination),
		),
	}
}

type handler struct{ svc *eventbus.Service }

// dataEvent marks an operation whose calls are data events on the trail.
func dataEvent(op *api.Op) *api.Op {
	op.Data = true
	return op
}

// empty is the output of operations that return nothing.
type empty struct{}

type tag struct{ Key, Value string }

func tagsIn(in []tag) []eventbus.Tag {
	out := make([]eventbus.Tag, len(in))
	for i, t := range in {
		out[i] = eventbus.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func ts(t time.Time) *awsproto.Timestamp {
	if t.IsZero() {
		return nil
	}
	x := awsproto.Timestamp(t)
	return &x
}

// busOut is EventBridge's EventBus and DescribeEventBus shapes.
type busOut struct {
	Name, Arn        string
	Description      string              `json:",omitempty"`
	Policy           string              `json:",omitempty"`
	CreationTime     *awsproto.Timestamp `json:",omitempty"`
	LastModifiedTime *awsproto.Timestamp `json:",omitempty"`
}

func busOf(b *eventbus.Bus) busOut {
	return busOut{Name: b.Name, Arn: b.ARN, Description: b.Description, Policy: b.Policy, CreationTime: ts(b.Created),
		LastModifiedTime: ts(b.Created)}
}

type createEventBusIn struct {
	Name, EventSourceName, Description, KmsKeyIdentifier string
	Tags                                                 []tag
}

type createEventBusOut struct {
	EventBusArn string
	Description string `json:",omitempty"`
}

func (h *handler) createEventBus(ctx context.Context, c *api.Call, in *createEventBusIn) (*createEventBusOut, error) {
	b, err := h.svc.CreateEventBus(ctx, c.Caller, in.Name, in.Description, tagsIn(in.Tags))
	if err != nil {
		return nil, err
	}
	return &createEventBusOut{EventBusArn: b.ARN, Description: b.Description}, nil
}

type nameIn struct{ Name string }

func (h *handler) describeEventBus(ctx context.Context, c *api.Call, in *nameIn) (*busOut, error) {
	b, err := h.svc.DescribeEventBus(ctx, c.Caller, in.Name)
	if err != nil {
		return nil, err
	}
	out := busOf(b)
	return &out, nil
}

type listEventBusesIn struct {
	NamePrefix, NextToken string
	Limit                 int
}

type listEventBusesOut struct{ EventBuses []busOut }

func (h *handler) listEventBuses(ctx context.Context, c *api.Call, in *listEventBusesIn) (*listEventBusesOut, error) {
	buses, err := h.svc.ListEventBuses(ctx, c.Caller, in.NamePrefix)
	if err != nil {
		return nil, err
	}
	out := &listEventBusesOut{EventBuses: []busOut{}}
	for _, b := range buses {
		out.EventBuses = append(out.EventBuses, busOf(b))
	}
	return out, nil
}

func (h *handler) deleteEventBus(ctx context.Context, c *api.Call, in *nameIn) (*empty, error) {
	return &empty{}, h.svc.DeleteEventBus(ctx, c.Caller, in.Name)
}

type updateEventBusIn struct{ Name, Description, KmsKeyIdentifier string }

type updateEventBusOut struct {
	Arn, Name   string
	Description string `json:",omitempty"`
}

func (h *handler) updateEventBus(ctx context.Context, c *api.Call, in *updateEventBusIn) (*updateEventBusOut, error) {
	b, err := h.svc.UpdateEventBus(ctx, c.Caller, in.Name, in.Description)
	if err != nil {
		return nil, err
	}
	return &updateEventBusOut{Arn: b.ARN, Name: b.Name, Description: b.Description}, nil
}

type condition struct{ Type, Key, Value string }

type putPermissionIn struct {
	EventBusName, Action, Principal, StatementId, Policy string
	Condition                                            *condition
}

func (h *handler) putPermission(ctx context.Context, c *api.Call, in *putPermissionIn) (*empty, error) {
	p := eventbus.Permission{EventBusName: in.EventBusName, Action: in.Action, Principal: in.Principal, StatementID: in.StatementId,
		Policy: in.Policy}
	if in.Condition != nil {
		p.ConditionType, p.ConditionKey, p.ConditionValue = in.Condition.Type, in.Condition.Key, in.Condition.Value
	}
	return &empty{}, h.svc.PutPermission(ctx, c.Caller, p)
}

type removePermissionIn struct {
	StatementId, EventBusName string
	RemoveAllPermissions      bool
}

func (h *handler) removePermission(ctx context.Context, c *api.Call, in *removePermissionIn) (*empty, error) {
	return &empty{}, h.svc.RemovePermission(ctx, c.Caller, in.EventBusName, in.StatementId, in.RemoveAllPermissions)
}

type putEventsEntry struct {
	Time                                                  *awsproto.Timestamp
	Source, DetailType, Detail, EventBusName, TraceHeader string
	Resources                                             []string
}

type putEventsIn struct {
	Entries    []putEventsEntry
	EndpointId string
}

type putEventsResult struct {
	EventId      string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

type putEventsOut struct {
	FailedEntryCount int
	Entries          []putEventsResult
}

func (h *handler) putEvents(ctx context.Context, c *api.Call, in *putEventsIn) (*putEventsOut, error) {
	// The trail records how many entries came and where from, never their details (events are data).
	sources := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		sources[i] = e.Source
	}
	c.Audit.RequestParameters = map[string]any{"entries": len(in.Entries), "sources": sources}
	entries := make([]eventbus.Entry, len(in.Entries))
	for i, e := range in.Entries {
		entries[i] = eventbus.Entry{Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, EventBusName: e.EventBusName,
			Trace: e.TraceHeader, Resources: e.Resources}
		if e.Time != nil {
			entries[i].Time = time.Time(*e.Time)
		}
	}
	res, failed, err := h.svc.PutEvents(ctx, c.Caller, entries)
	if err != nil {
		return nil, err
	}
	out := &putEventsOut{FailedEntryCount: failed}
	c.Audit.ResponseElements = map[string]int{"failedEntryCount": failed}
	for _, r := range res {
		out.Entries = append(out.Entries, putEventsResult{EventId: r.EventID, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage})
	}
	return out, nil
}

type testEventPatternIn struct{ EventPattern, Event string }

type testEventPatternOut struct{ Result bool }

func (h *handler) testEventPattern(ctx context.Context, c *api.Call, in *testEventPatternIn) (*testEventPatternOut, error) {
	ok, err := h.svc.TestEventPattern(ctx, c.Caller, in.EventPattern, in.Event)
	if err != nil {
		return nil, err
	}
	return &testEventPatternOut{Result: ok}, nil
}

type resourceIn struct {
	ResourceARN string
	Tags        []tag
	TagKeys     []string
}

type tagsOut struct{ Tags []tag }

func (h *handler) tagResource(ctx context.Context, c *api.Call, in *resourceIn) (*empty, error) {
	return &empty{}, h.svc.TagResource(ctx, c.Caller, in.ResourceARN, tagsIn(in.Tags))
}

func (h *handler) untagResource(ctx context.Context, c *api.Call, in *resourceIn) (*empty, error) {
	return &empty{}, h.svc.UntagResource(ctx, c.Caller, in.ResourceARN, in.TagKeys)
}

func (h *handler) listTagsForResource(ctx context.Context, c *api.Call, in *resourceIn) (*tagsOut, error) {
	tags, err := h.svc.ListTagsForResource(ctx, c.Caller, in.ResourceARN)
	if err != nil {
		return nil, err
	}
	out := &tagsOut{Tags: []tag{}}
	for _, t := range tags {
		out.Tags = append(out.Tags, tag{t.Key, t.Value})
	}
	return out, nil
}
