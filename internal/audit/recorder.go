package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam/policy"
)

// Appender is the trail a Recorder writes to; *Log satisfies it.
type Appender interface {
	// Append returns once the record is durable.
	Append(ctx context.Context, r *Record) error
	// AppendAsync queues the record and returns at once.
	AppendAsync(r *Record)
}

// Recorder turns calls (actor.Call) into CloudTrail records: the edge's calls and the calls seclake's services
// make of each other in-process, so that every call is recorded once and in one shape. It satisfies
// actor.Recorder.
type Recorder struct {
	log   Appender
	clock clock.Clock
}

// NewRecorder returns a recorder writing to log; times of calls that carry none come from clk.
func NewRecorder(log Appender, clk clock.Clock) *Recorder {
	if clk == nil {
		clk = clock.System
	}
	return &Recorder{log: log, clock: clk}
}

var _ actor.Recorder = (*Recorder)(nil)

// Record writes the call's record for the account it is for (the caller's, or call.RecipientAccount), and a
// copy for each other account that owns one of its resources, as CloudTrail delivers a cross-account event to
// both accounts. A call for no account (an anonymous call that touched nothing) is not recorded. The records
// of a mutating call are durable when Record returns; those of a read-only call are queued.
func (r *Recorder) Record(ctx context.Context, call *actor.Call) error {
	rec, err := r.build(call)
	if err != nil {
		return err
	}
	recipients := recipientsOf(call)
	if len(recipients) == 0 {
		return nil
	}
	for i, acct := range recipients {
		cp := rec
		if i > 0 {
			c := *rec
			cp = &c
		}
		cp.RecipientAccountID = acct
		if call.ReadOnly {
			r.log.AppendAsync(cp)
			continue
		}
		if err := r.log.Append(ctx, cp); err != nil {
			return err
		}
	}
	return nil
}

// recipientsOf returns the accounts a call's record goes to: its recipient first, then the other accounts
// that own its resources.
func recipientsOf(call *actor.Call) []string {
	var out []string
	add := func(a string) {
		if a == "" {
			return
		}
		for _, x := range out {
			if x == a {
				return
			}
		}
		out = append(out, a)
	}
	if call.RecipientAccount != "" {
		add(call.RecipientAccount)
	} else if call.Caller != nil {
		add(call.Caller.Account)
	}
	for _, res := range call.Resources {
		add(res.Account)
	}
	return out
}

// build makes the record of a call, without its recipient.
func (r *Recorder) build(call *actor.Call) (*Record, error) {
	c := call.Caller
	var rec *Record
	if call.ServiceEvent {
		rec = &Record{UserIdentity: UserIdentity{InvokedBy: call.EventSource}, EventTime: c.Time, EventSource: call.EventSource,
			EventName: call.Operation, AWSRegion: c.Region, SourceIPAddress: call.EventSource, EventType: EventTypeServiceEvent,
			EventCategory: CategoryManagement, ReadOnly: call.ReadOnly}
		if len(call.Resources) > 0 {
			rec.UserIdentity.AccountID = call.Resources[0].Account
		}
	} else {
		rec = CallerRecord(c, call.EventSource, call.Operation, call.ReadOnly)
	}
	if rec.EventTime.IsZero() {
		rec.EventTime = r.clock.Now()
	}
	if call.Region != "" {
		rec.AWSRegion = call.Region
	}
	if call.Data {
		rec.EventCategory = CategoryData
	}
	if call.Err != nil {
		e, ok := awserr.As(call.Err)
		if !ok {
			e = awserr.Internal()
		}
		rec.ErrorCode, rec.ErrorMessage = e.Code, e.Message
	}
	var err error
	if rec.RequestParameters, err = Params(call.RequestParameters); err != nil {
		return nil, fmt.Errorf("audit request parameters of %s: %w", call.Operation, err)
	}
	if call.Err == nil {
		if rec.ResponseElements, err = Params(call.ResponseElements); err != nil {
			return nil, fmt.Errorf("audit response elements of %s: %w", call.Operation, err)
		}
	}
	if rec.AdditionalEventData, err = Params(call.AdditionalEventData); err != nil {
		return nil, fmt.Errorf("audit additional event data of %s: %w", call.Operation, err)
	}
	rec.AdditionalEventData = withDecisions(rec.AdditionalEventData, call.Decisions(), c)
	rec.compact = true // Params checked each value, and withDecisions writes valid JSON
	for _, res := range call.Resources {
		rec.Resources = append(rec.Resources, Resource{ARN: res.ARN, AccountID: res.Account, Type: res.Type})
	}
	return rec, nil
}

// DecisionsKey is the member of additionalEventData that lists the authorization decisions made during a
// call: the action, the resource, the outcome (Allow, ImplicitDeny, ExplicitDeny), the statements that decided
// it (the policy's name and the statement's Sid or index; the allowing statements of an allowed request, the
// denying ones of an explicit deny), the grant that allowed it, for a denial the reason, and the principal
// asked about when it is not the call's caller (a service checking what it may do).
const DecisionsKey = "authorization"

// withDecisions adds the decisions to an additionalEventData object (nil for none).
func withDecisions(extra json.RawMessage, ds []actor.Decision, c *actor.Caller) json.RawMessage {
	if len(ds) == 0 {
		return extra
	}
	who := ""
	if c != nil {
		who = c.Who()
	}
	b := make([]byte, 0, len(extra)+decisionsSize(ds)+32)
	if len(extra) > 2 && extra[len(extra)-1] == '}' {
		b = append(b, extra[:len(extra)-1]...)
		b = append(b, ',')
	} else {
		b = append(b, '{')
	}
	b = appendJSONString(b, DecisionsKey)
	b = append(b, ":["...)
	for i := range ds {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendDecision(b, &ds[i], who)
	}
	b = append(b, "]}"...)
	return b
}

// decisionsSize is about the JSON size of ds, so the buffer is allocated once.
func decisionsSize(ds []actor.Decision) int {
	n := 0
	for i := range ds {
		d := &ds[i]
		n += 96 + len(d.Action) + len(d.Resource) + len(d.Principal) + len(d.Grant) + len(d.Reason)
		for _, m := range d.Matched {
			n += 32 + len(m.PolicyName) + len(m.PolicyID) + len(m.Sid)
		}
	}
	return n
}

func appendDecision(b []byte, d *actor.Decision, caller string) []byte {
	b = append(b, `{"action":`...)
	b = appendJSONString(b, d.Action)
	b = append(b, `,"resource":`...)
	b = appendJSONString(b, d.Resource)
	if d.Principal != caller {
		b = append(b, `,"principal":`...)
		b = appendJSONString(b, d.Principal)
	}
	b = append(b, `,"decision":`...)
	b = appendJSONString(b, effectName(d.Decision))
	if len(d.Matched) > 0 {
		b = append(b, `,"statements":[`...)
		for i, m := range d.Matched {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"policy":`...)
			b = appendJSONString(b, policyName(m))
			if m.Sid != "" {
				b = append(b, `,"sid":`...)
				b = appendJSONString(b, m.Sid)
			} else {
				b = append(b, `,"statement":`...)
				b = strconv.AppendInt(b, int64(m.Statement), 10)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if d.Grant != "" {
		b = append(b, `,"grant":`...)
		b = appendJSONString(b, d.Grant)
	}
	if !d.Allowed && d.Reason != "" {
		b = append(b, `,"reason":`...)
		b = appendJSONString(b, d.Reason)
	}
	return append(b, '}')
}

func effectName(d policy.Decision) string {
	switch {
	case d.Allowed:
		return "Allow"
	case d.Effect == policy.ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

func policyName(m policy.Match) string {
	if m.PolicyName != "" {
		return m.PolicyName
	}
	if m.PolicyID != "" {
		return m.PolicyID
	}
	return m.Source.String() + " policy"
}
