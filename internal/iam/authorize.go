package iam

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
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
	// service principals); Authorize adds the global request keys and the principal's keys
	// (aws:PrincipalTag/…, aws:PrincipalOrgID, aws:SourceIdentity, …).
	Context policy.Context
}

// Authorize evaluates a request with AWS's policy logic: the caller's identity-based policies (user or role,
// inline and managed), its permissions boundary, its session policies, the service control policies of its
// account's place in the organization, and the resource policy. It returns the decision; use DenyMessage to
// word a denial.
func (s *Service) Authorize(ctx context.Context, c *Caller, req AuthzRequest) (policy.Decision, error) {
	pp, ok, err := s.cached(ctx, &c.Principal)
	if err != nil {
		return policy.Decision{}, fmt.Errorf("gather policies of %s: %w", c.ARN, err)
	}
	if ok {
		return policy.Evaluate(s.inputFor(c, req, pp)), nil
	}
	var d policy.Decision
	err = s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		d, err = s.authorizeTx(tx, c, req)
		return err
	})
	return d, err
}

func (s *Service) authorizeTx(tx meta.Tx, c *Caller, req AuthzRequest) (policy.Decision, error) {
	in, _, err := s.evalInput(tx, c, req)
	if err != nil {
		return policy.Decision{}, err
	}
	return policy.Evaluate(in), nil
}

// evalInput gathers everything policy.Evaluate needs for the caller, and where each policy came from.
func (s *Service) evalInput(tx meta.Tx, c *Caller, req AuthzRequest) (policy.Input, *principalPolicies, error) {
	pp, err := s.gather(tx, &c.Principal)
	if err != nil {
		return policy.Input{}, nil, fmt.Errorf("gather policies of %s: %w", c.ARN, err)
	}
	return s.inputFor(c, req, pp), pp, nil
}

// inputFor builds the engine's input from the request and the caller's gathered policies.
func (s *Service) inputFor(c *Caller, req AuthzRequest, pp *principalPolicies) policy.Input {
	pc := req.Context.Layer() // the caller's keys stay where they are; the global keys go on top
	addRequestKeys(&pc, c)
	pp.addPrincipalKeys(&pc)
	in := policy.Input{
		Request:               policy.Request{Principal: PolicyPrincipal(&c.Principal), Action: req.Action, Resource: req.Resource, Context: pc},
		Identity:              pp.identity,
		Boundary:              pp.boundary,
		Session:               pp.session,
		SCPs:                  pp.scps,
		Resource:              req.ResourcePolicy,
		ResourceAccount:       req.ResourceAccount,
		RequireResourcePolicy: req.RequireResourcePolicy,
	}
	return in
}

// addRequestKeys sets the global condition keys that come from the request itself. The names are written in
// lower case, as policy.Context keeps them, so that setting them does not allocate a lowered copy.
func addRequestKeys(pc *policy.Context, c *Caller) {
	if c.SourceIP != "" {
		pc.Set("aws:sourceip", c.SourceIP)
	}
	if c.UserAgent != "" {
		pc.Set("aws:useragent", c.UserAgent)
	}
	pc.SetBool("aws:securetransport", c.SecureTransport)
	if !c.Time.IsZero() {
		pc.SetTime("aws:currenttime", c.Time)
		pc.Set("aws:epochtime", strconv.FormatInt(c.Time.Unix(), 10))
	}
	if c.Region != "" {
		pc.Set("aws:requestedregion", c.Region)
	}
	if c.InvokedBy != "" {
		pc.Set("aws:calledvia", c.InvokedBy)
		pc.Set("aws:calledviafirst", c.InvokedBy)
		pc.Set("aws:calledvialast", c.InvokedBy)
		pc.SetBool("aws:viaawsservice", true)
	} else {
		pc.SetBool("aws:viaawsservice", false)
	}
	if s := c.Session; s != nil {
		if !s.Issued.IsZero() {
			pc.SetTime("aws:tokenissuetime", s.Issued)
		}
		if s.SourceIdentity != "" {
			pc.Set("aws:sourceidentity", s.SourceIdentity)
		}
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
			return policy.SessionPrincipal(p.Session.RoleARN, p.Session.RoleID, p.Session.Name)
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
func (s *Service) authorize(tx meta.Tx, c *Caller, action, resource string) error {
	return s.authorizeCtx(tx, c, action, resource, policy.Context{})
}

// authorizeCtx is authorize with condition keys of the action (tags, iam:PolicyARN, …).
func (s *Service) authorizeCtx(tx meta.Tx, c *Caller, action, resource string, pc policy.Context) error {
	if c.Session != nil && c.Session.RoleARN == "" {
		// GetSessionToken credentials "cannot call any IAM API operations unless MFA authentication
		// information is included in the request" (IAM UG id_credentials_temp_control-access_getsessiontoken);
		// IAM answers as for an unknown token.
		return awserr.New("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid")
	}
	d, err := s.authorizeTx(tx, c, AuthzRequest{Action: action, Resource: resource, Context: pc})
	if err != nil {
		return err
	}
	if !d.Allowed {
		return accessDenied(DenyMessage(c, action, resource, d))
	}
	return nil
}

// requestTagContext is the context of a request that sets tags: aws:RequestTag/<key> and aws:TagKeys.
func requestTagContext(tags []Tag) policy.Context {
	var pc policy.Context
	if len(tags) == 0 {
		return pc
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		pc.Set("aws:RequestTag/"+t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	pc.Set("aws:TagKeys", keys...)
	return pc
}

// resourceTagContext is the context of an action on a tagged user or role: aws:ResourceTag/<key> and
// iam:ResourceTag/<key>.
func resourceTagContext(tags []Tag) policy.Context {
	var pc policy.Context
	addResourceTags(&pc, tags)
	return pc
}

func addResourceTags(pc *policy.Context, tags []Tag) {
	for _, t := range tags {
		pc.Set("aws:ResourceTag/"+t.Key, t.Value)
		pc.Set("iam:ResourceTag/"+t.Key, t.Value)
	}
}
