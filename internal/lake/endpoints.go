package lake

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Endpoints is what the control plane needs of EventBridge to notify HTTPS endpoints, as Security Lake does: in
// the lake's account, a connection (the API key header, its value sealed), an API destination (endpoint and
// method) and a rule on the default bus that sends the events it matches there, durably with retries; and a way
// to put Security Lake's own events on the default bus.
type Endpoints interface {
	// EnsureEndpoint creates or replaces the connection, API destination and rule named name, as owner.
	EnsureEndpoint(ctx context.Context, owner *actor.Caller, name string, ep Endpoint) error
	// DeleteEndpoint removes them (those that are there).
	DeleteEndpoint(ctx context.Context, owner *actor.Caller, name, region string) error
	// PutEvent puts an event on the default bus of account in region.
	PutEvent(ctx context.Context, account, region string, ev Event) error
}

// Endpoint is an HTTPS endpoint and the events its rule sends there.
type Endpoint struct {
	Region, URL, Method     string
	APIKeyName, APIKeyValue string
	// Pattern is the rule's event pattern; InputPath, when set, sends that part of the event only.
	Pattern, InputPath string
}

// Event is an event Security Lake puts on a bus.
type Event struct {
	Source, DetailType, Detail string
	Resources                  []string
}

// EndpointPrefix starts the names of the connections, API destinations and rules Security Lake creates.
const EndpointPrefix = "AmazonSecurityLake-"

// exceptionsEndpoint names what delivers an account's exceptions to an HTTPS exception subscription.
const exceptionsEndpoint = EndpointPrefix + "Exceptions"

// subscriberEndpoint names what notifies an HTTPS subscriber.
func subscriberEndpoint(id string) string { return EndpointPrefix + id }

// subscriberKeyHeader is the API key header of an HTTPS subscriber that gave none: the subscriber's ID.
const subscriberKeyHeader = "X-Amz-Security-Lake-Subscriber"

// subscriberPattern matches the "Object Created" events NotifyCommitted puts for one HTTPS subscriber: they name
// the subscriber among their resources, so that the subscriber's rule routes exactly what NotifyCommitted chose
// for it (its sources' prefixes) and no S3 event of the bucket's own EventBridge notifications.
func subscriberPattern(arn string) string {
	return `{"source":["aws.s3"],"detail-type":["Object Created"],"resources":["` + arn + `"]}`
}

// exceptionPattern matches the exceptions deliverException puts on the bus.
const exceptionPattern = `{"source":["aws.securitylake"],"detail-type":["Security Lake Exception"]}`

// ensureSubscriberEndpoint sets up the HTTPS notification of sub (owner acts), with the API key given.
func (s *Service) ensureSubscriberEndpoint(ctx context.Context, owner *actor.Caller, sub *Subscriber, n *HTTPSNotify, apiKey string) error {
	if s.cfg.Endpoints == nil {
		return badRequest("HTTPS notifications are not available on this server.")
	}
	method := n.Method
	if method == "" {
		method = "POST"
	}
	name, value := n.APIKeyName, apiKey
	if name == "" || value == "" {
		name, value = subscriberKeyHeader, sub.ID
	}
	err := s.cfg.Endpoints.EnsureEndpoint(ctx, owner, subscriberEndpoint(sub.ID), Endpoint{Region: sub.Region, URL: n.Endpoint,
		Method: method, APIKeyName: name, APIKeyValue: value, Pattern: subscriberPattern(sub.ARN)})
	return asLake(err, "create the subscriber's EventBridge API destination")
}

// deleteSubscriberEndpoint removes what notified sub over HTTPS.
func (s *Service) deleteSubscriberEndpoint(ctx context.Context, owner *actor.Caller, sub *Subscriber) error {
	if s.cfg.Endpoints == nil || sub.Notify == nil {
		return nil
	}
	return asLake(s.cfg.Endpoints.DeleteEndpoint(ctx, owner, subscriberEndpoint(sub.ID), sub.Region),
		"delete the subscriber's EventBridge API destination")
}

// notifyHTTPS puts the "Object Created" event of o for each HTTPS subscriber of subs whose sources cover it: the
// subscriber's rule sends it to its endpoint, durably, retrying. It returns how many it put.
func (s *Service) notifyHTTPS(ctx context.Context, account, region, bucket string, subs []Subscriber, o CommittedObject) (int, error) {
	if s.cfg.Endpoints == nil {
		return 0, nil
	}
	n := 0
	for _, sub := range subs {
		if sub.Notify == nil || !underAny(o.Key, prefixes(sub.Sources)) {
			continue
		}
		var d objectDetail
		d.Version, d.Reason = "0", "PutObject"
		d.Bucket.Name = bucket
		d.Object.Key, d.Object.Size, d.Object.ETag = o.Key, o.Size, o.ETag
		detail, err := json.Marshal(d)
		if err != nil {
			return n, err
		}
		err = s.cfg.Endpoints.PutEvent(ctx, account, region, Event{Source: "aws.s3", DetailType: "Object Created",
			Detail: string(detail), Resources: []string{"arn:aws:s3:::" + bucket, sub.ARN}})
		if err != nil {
			return n, fmt.Errorf("notify subscriber %s: %w", sub.ID, err)
		}
		n++
	}
	return n, nil
}

// EndpointDelivered hears that EventBridge delivered to the endpoint behind rule (a name EndpointPrefix starts):
// the subscriber's "endpoint down" exception, if any, has passed.
func (s *Service) EndpointDelivered(ctx context.Context, account, region, rule string) {
	id, ok := strings.CutPrefix(rule, EndpointPrefix)
	if !ok || rule == exceptionsEndpoint {
		return
	}
	if err := s.clearCause(ctx, account, region, "subscriber/"+id); err != nil {
		s.cfg.Logger.Warn("clear a subscriber's endpoint exception", "subscriber", id, "error", err)
	}
}

// EndpointFailed hears that EventBridge could not deliver to the endpoint behind rule: for a subscriber, a data
// lake exception naming it and the endpoint's answer, once while the endpoint fails. A failing exception
// subscription is only logged (an exception about it would be delivered there too).
func (s *Service) EndpointFailed(ctx context.Context, account, region, rule, reason string, attempts int, retrying bool) {
	id, ok := strings.CutPrefix(rule, EndpointPrefix)
	if !ok {
		return
	}
	if rule == exceptionsEndpoint {
		s.cfg.Logger.Warn("data lake exception not delivered to the HTTPS exception subscription", "account", account,
			"region", region, "reason", reason)
		return
	}
	var sub *Subscriber
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		sub, err = subscriberIn(tx, account, region, id)
		return err
	})
	if err != nil || sub.Notify == nil {
		return // gone meanwhile
	}
	then := "EventBridge retries it with backoff for 24 hours"
	if !retrying {
		then = "EventBridge gave it up; it is kept (seclake events failures) and sent again by seclake events redrive"
	}
	exception := fmt.Sprintf("Security Lake could not notify subscriber %s (%s) of new data at %s: %s (attempt %d; %s).",
		sub.Name, sub.ID, sub.Notify.Endpoint, reason, attempts, then)
	remediation := fmt.Sprintf("Make %s answer %s requests with a 2xx status (it must accept the API key header %s), or point "+
		"the subscriber elsewhere with aws securitylake update-subscriber-notification --subscriber-id %s.",
		sub.Notify.Endpoint, orPOST(sub.Notify.Method), orHeader(sub.Notify.APIKeyName), sub.ID)
	if err := s.raiseCause(ctx, account, region, "subscriber/"+id, exception, remediation); err != nil {
		s.cfg.Logger.Warn("record a subscriber's endpoint exception", "subscriber", id, "error", err)
	}
}

func orPOST(m string) string {
	if m == "" {
		return "POST"
	}
	return m
}

func orHeader(h string) string {
	if h == "" {
		return subscriberKeyHeader
	}
	return h
}

// objectDetail is the detail of an "Object Created" event.
type objectDetail struct {
	Version string `json:"version"`
	Bucket  struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key  string `json:"key"`
		Size int64  `json:"size"`
		ETag string `json:"etag"`
	} `json:"object"`
	Reason string `json:"reason"`
}
