package actor

import (
	"context"
	"sync"

	"github.com/seclake/seclake/internal/iam/policy"
)

// Call is one call of an operation, as the audit trail records it: who called, what, on which resources, the
// authorization decisions made while it ran, and how it ended. The edge makes one for every request it
// serves; a service that calls another in-process (S3 asking KMS for a data key, a trail writing to S3) makes
// one for that call, so that every call is recorded once, by whoever made it.
type Call struct {
	Caller *Caller
	// EventSource is the called service ("kms.amazonaws.com"); Operation the operation ("GenerateDataKey").
	EventSource string
	Operation   string
	// Region is where the call is recorded; empty means the caller's region.
	Region string
	// ReadOnly calls change nothing; their records may be written after the call returns. The record of a
	// mutating call is durable before Record returns.
	ReadOnly bool
	// Data marks data events (S3 object reads and writes) as opposed to management events.
	Data bool
	// ServiceEvent marks work a service did on its own (a scheduled rotation), recorded as an AwsServiceEvent.
	ServiceEvent bool
	// RequestParameters, ResponseElements and AdditionalEventData are what the operation reports, encoded as
	// CloudTrail does (lowerCamelCase keys; fields tagged sensitive left out). ResponseElements of a failed
	// call are not recorded.
	RequestParameters   any
	ResponseElements    any
	AdditionalEventData any
	// Resources are the resources the call touched. Each resource's owner account receives a copy of the
	// record, as CloudTrail delivers cross-account events to both accounts.
	Resources []Resource
	// RecipientAccount is the account the record is for, when it is not the caller's (anonymous calls).
	RecipientAccount string
	// Err is how the call failed; nil for success.
	Err error

	mu        sync.Mutex
	decisions []Decision
	first     [2]Decision // the decisions' first backing array, most calls make one or two
}

// Resource is a resource touched by a call, as CloudTrail lists it.
type Resource struct {
	ARN, Account, Type string
}

// AddResource records that the call touched a resource (once, however often it is added).
func (c *Call) AddResource(arn, account, typ string) {
	for _, r := range c.Resources {
		if r.ARN == arn {
			return
		}
	}
	c.Resources = append(c.Resources, Resource{ARN: arn, Account: account, Type: typ})
}

// Decision is one authorization decision made during a call.
type Decision struct {
	// Principal is who was asked about (the caller's name; a service principal when a service checked what
	// it may do).
	Principal string
	Action    string
	Resource  string
	policy.Decision
	// Grant is the KMS grant that allowed the request, when a grant did.
	Grant string
}

// Decisions returns the decisions noted on the call, in order.
func (c *Call) Decisions() []Decision {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.decisions
}

// Authorized reports whether a decision about action was noted on the call.
func (c *Call) Authorized(action string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range c.decisions {
		if c.decisions[i].Action == action {
			return true
		}
	}
	return false
}

type callKey struct{}

// WithCall returns a context in which decisions are noted on call.
func WithCall(ctx context.Context, call *Call) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}

// CallOf returns the call ctx belongs to, or nil.
func CallOf(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

// Note adds a decision about caller c to the call in ctx; without a call it does nothing. Check notes its
// decisions itself; services that decide more than the policy engine does (KMS grants) note the final one.
func Note(ctx context.Context, c *Caller, action, resource string, d policy.Decision) {
	NoteDecision(ctx, Decision{Principal: c.Who(), Action: action, Resource: resource, Decision: d})
}

// NoteDecision adds d to the call in ctx; without a call it does nothing.
func NoteDecision(ctx context.Context, d Decision) {
	call := CallOf(ctx)
	if call == nil {
		return
	}
	call.mu.Lock()
	if call.decisions == nil {
		call.decisions = call.first[:0]
	}
	call.decisions = append(call.decisions, d)
	call.mu.Unlock()
}

// Recorder puts calls on the audit trail. *audit.Recorder satisfies it.
type Recorder interface {
	// Record writes the call's record (and its copies for the resources' owners); for a mutating call it
	// returns once the record is durable.
	Record(ctx context.Context, call *Call) error
}

// Do runs fn as call, an in-process call to another service: decisions made inside are noted on call, whose
// Err is set from fn's result, and the call is recorded when fn returns. A nil rec records nothing. For a
// mutating call whose record cannot be made durable, Do returns that error.
func Do(ctx context.Context, rec Recorder, call *Call, fn func(ctx context.Context) error) error {
	err := fn(WithCall(ctx, call))
	if rec == nil {
		return err
	}
	call.Err = err
	if rerr := rec.Record(context.WithoutCancel(ctx), call); rerr != nil && err == nil {
		return rerr
	}
	return err
}
