package iam

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
)

// AuthzRequest is one authorization question a domain asks about a caller.
type AuthzRequest struct {
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
	// Context holds the service's condition keys (kms:EncryptionContext:…, s3:x-amz-…, aws:SourceArn for
	// service principals); Authorize adds the global request keys.
	Context policy.Context
}

// Authorize evaluates a request with AWS's policy logic: the caller's identity-based policies (with its
// boundary and session policies) and the resource policy. It returns the decision; use DenyError to turn a
// denial into the service's AccessDenied error.
func (s *Service) Authorize(ctx context.Context, c *Caller, req AuthzRequest) (policy.Decision, error) {
	in, err := s.evalInput(ctx, c, req)
	if err != nil {
		return policy.Decision{}, err
	}
	return policy.Evaluate(in), nil
}

// evalInput gathers everything policy.Evaluate needs for the caller.
func (s *Service) evalInput(_ context.Context, c *Caller, req AuthzRequest) (policy.Input, error) {
	pc := req.Context.Clone()
	addRequestKeys(&pc, c)
	in := policy.Input{
		Request:               policy.Request{Principal: PolicyPrincipal(&c.Principal), Action: req.Action, Resource: req.Resource, Context: pc},
		Resource:              req.ResourcePolicy,
		ResourceAccount:       req.ResourceAccount,
		RequireResourcePolicy: req.RequireResourcePolicy,
	}
	// Identity-based policies, boundaries and session policies attach here as IAM grows them.
	return in, nil
}

// addRequestKeys sets the global condition keys that come from the request itself.
func addRequestKeys(pc *policy.Context, c *Caller) {
	if c.SourceIP != "" {
		pc.Set("aws:SourceIp", c.SourceIP)
	}
	if c.UserAgent != "" {
		pc.Set("aws:UserAgent", c.UserAgent)
	}
	pc.SetBool("aws:SecureTransport", c.SecureTransport)
	if !c.Time.IsZero() {
		pc.SetTime("aws:CurrentTime", c.Time)
		pc.Set("aws:EpochTime", strconv.FormatInt(c.Time.Unix(), 10))
	}
	if c.Region != "" {
		pc.Set("aws:RequestedRegion", c.Region)
	}
	if c.InvokedBy != "" {
		pc.Set("aws:CalledVia", c.InvokedBy)
		pc.Set("aws:CalledViaFirst", c.InvokedBy)
		pc.Set("aws:CalledViaLast", c.InvokedBy)
		pc.SetBool("aws:ViaAWSService", true)
	} else {
		pc.SetBool("aws:ViaAWSService", false)
	}
	if s := c.Session; s != nil && !s.Issued.IsZero() {
		pc.SetTime("aws:TokenIssueTime", s.Issued)
	}
}

// PolicyPrincipal converts an authenticated principal to the policy engine's form.
func PolicyPrincipal(p *Principal) policy.Principal {
	switch p.Type {
	case TypeRoot:
		return policy.RootPrincipal(p.Account)
	case TypeUser:
		return policy.UserPrincipal(p.ARN, p.ID)
	case TypeAssumedRole:
		if p.Session != nil {
			out := policy.SessionPrincipal(p.Session.RoleARN, p.Session.RoleID, p.Session.Name)
			return out
		}
	case TypeService:
		return policy.ServicePrincipal(p.Service)
	}
	return policy.Principal{Type: policy.Anonymous}
}

// DenyMessage words a denial as AWS does: "User: <arn> is not authorized to perform: <action> on resource:
// <resource> because …".
func DenyMessage(c *Caller, action, resource string, d policy.Decision) string {
	who := c.ARN
	if c.Type == TypeService {
		who = c.Service
	}
	if who == "" {
		who = "anonymous"
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", who, action, resource)
	if suffix := d.Cause.Suffix(action); suffix != "" {
		msg += " " + suffix
	}
	return msg
}

// authorize decides an IAM action on a resource of the caller's own account; IAM's denial is AccessDenied (403).
func (s *Service) authorize(ctx context.Context, c *Caller, action, resource string) error {
	d, err := s.Authorize(ctx, c, AuthzRequest{Action: action, Resource: resource})
	if err != nil {
		return err
	}
	if !d.Allowed {
		return awserr.New("AccessDenied", http.StatusForbidden, "%s", DenyMessage(c, action, resource, d))
	}
	return nil
}
