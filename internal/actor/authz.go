package actor

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
)

// Request is one authorization question a service asks about a caller.
type Request struct {
	// Action is "<service>:<Action>" ("kms:Decrypt").
	Action string
	// Resource is the resource's ARN ("*" for actions without a resource).
	Resource string
	// ResourceAccount owns the resource; empty means the caller's account.
	ResourceAccount string
	// ResourcePolicy is the resource's policy (key policy, bucket policy, queue policy, trust policy) or nil.
	ResourcePolicy *policy.Policy
	// RequireResourcePolicy is set for KMS keys and role trust policies: identity policies alone never allow.
	RequireResourcePolicy bool
	// Context holds the service's condition keys (kms:EncryptionContext:…, s3:x-amz-…); the authorizer adds
	// the global request keys (aws:SourceArn of the caller's Source among them) and the principal's keys
	// (aws:PrincipalTag/…, aws:PrincipalOrgID, aws:SourceIdentity, …).
	Context policy.Context
}

// Authorizer decides requests with AWS's policy logic: the caller's identity-based policies, boundary,
// session policies and service control policies, and the resource policy. *iam.Service satisfies it.
type Authorizer interface {
	Authorize(ctx context.Context, c *Caller, req Request) (policy.Decision, error)
}

// RoleSessions gives seclake's services sessions of roles, as AWS services assume their service-linked and
// service roles: the role's trust policy must allow the service principal, with src as aws:SourceArn and
// aws:SourceAccount. *iam.Service satisfies it.
type RoleSessions interface {
	ServiceRoleSession(ctx context.Context, service, roleARN, sessionName string, src Source) (*Caller, error)
}

// Refusal is how a service answers a denied request: its error code and HTTP status.
type Refusal struct {
	Code   string
	Status int
}

// The refusals of AWS's services.
var (
	// AccessDeniedException is the refusal of the JSON services (KMS, CloudTrail, Organizations, …): 400.
	AccessDeniedException = Refusal{Code: "AccessDeniedException", Status: awserr.StatusBadRequest}
	// AccessDenied is the refusal of IAM, STS and S3: 403.
	AccessDenied = Refusal{Code: "AccessDenied", Status: awserr.StatusForbidden}
)

// Denial is a refused request: who was refused which action on which resource, why, and the error the
// service answers with. It unwraps to that *awserr.Error, which is what the client sees.
type Denial struct {
	Principal string
	Action    string
	Resource  string
	Decision  policy.Decision
	Err       *awserr.Error
}

// Error returns the message the client sees.
func (e *Denial) Error() string { return e.Err.Message }

// Unwrap returns the service's error.
func (e *Denial) Unwrap() error { return e.Err }

// DenyMessage words a denial as AWS does: "User: <arn> is not authorized to perform: <action> on resource:
// <resource> because …".
func DenyMessage(c *Caller, action, resource string, d policy.Decision) string {
	msg := "User: " + c.Who() + " is not authorized to perform: " + action + " on resource: " + resource
	if suffix := d.Cause.Suffix(action); suffix != "" {
		msg += " " + suffix
	}
	return msg
}

// Deny returns the refusal of a decided request on a resource owned by owner (empty: the caller's account).
// Callers of the owner's account and service principals also learn the policy engine's reason — which policy
// lacks what, or which statement would apply but for its condition; callers from other accounts get AWS's
// wording only, which reveals nothing of the owner's policies. Anonymous callers get "Access Denied".
func (r Refusal) Deny(c *Caller, action, resource, owner string, d policy.Decision) *Denial {
	var msg string
	switch {
	case c.Type == TypeAnonymous:
		msg = "Access Denied"
	default:
		msg = DenyMessage(c, action, resource, d)
		if d.Reason != "" && c.InAccount(owner) {
			msg += " (" + d.Reason + ")"
		}
	}
	return r.Refuse(c, action, resource, d, msg)
}

// Refuse returns a refusal with the given message, for denials that a service decides by its own rules (a
// KMS operation that may not cross accounts, GetSessionToken credentials calling IAM).
func (r Refusal) Refuse(c *Caller, action, resource string, d policy.Decision, msg string) *Denial {
	return &Denial{Principal: c.Who(), Action: action, Resource: resource, Decision: d,
		Err: &awserr.Error{Code: r.Code, Status: r.Status, Message: msg}}
}

// Check asks a the request, notes the decision on the call in ctx (see Note), and returns nil when it is
// allowed or the refusal r when it is not.
func Check(ctx context.Context, a Authorizer, c *Caller, req Request, r Refusal) error {
	d, err := a.Authorize(ctx, c, req)
	if err != nil {
		return fmt.Errorf("authorize %s: %w", req.Action, err)
	}
	Note(ctx, c, req.Action, req.Resource, d)
	if d.Allowed {
		return nil
	}
	return r.Deny(c, req.Action, req.Resource, req.ResourceAccount, d)
}
