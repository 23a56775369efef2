package iam

import (
	"context"
	"fmt"
	"strconv"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Authorize evaluates a request with AWS's policy logic: the caller's identity-based policies (user or role,
// inline and managed), its permissions boundary, its session policies, the service control policies of its
// account's place in the organization, and the resource policy. It returns the decision; use DenyMessage to
// word a denial.
func (s *Service) Authorize(ctx context.Context, c *actor.Caller, req actor.Request) (policy.Decision, error) {
	pp, ok, err := s.cached(ctx, &c.Identity)
	if err != nil {
		return policy.Decision{}, fmt.Errorf("gather policies of %s: %w", c.ARN, err)
	}
	if ok {
		return policy.Evaluate(s.inputFor(c, req, pp)), nil
	}
	var d policy.Decision
	err = s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		d, err = s.authorizeTx(ctx, tx, c, req)
		return err
	})
	return d, err
}

func (s *Service) authorizeTx(ctx context.Context, tx meta.Tx, c *actor.Caller, req actor.Request) (policy.Decision, error) {
	in, _, err := s.evalInput(tx, c, req)
	if err != nil {
		return policy.Decision{}, err
	}
	return policy.Evaluate(in), nil
}

// evalInput gathers everything policy.Evaluate needs for the caller, and where each policy came from.
func (s *Service) evalInput(tx meta.Tx, c *actor.Caller, req actor.Request) (policy.Input, *principalPolicies, error) {
	pp, err := s.gather(tx, &c.Identity)
	if err != nil {
		return policy.Input{}, nil, fmt.Errorf("gather policies of %s: %w", c.ARN, err)
	}
	return s.inputFor(c, req, pp), pp, nil
}

// inputFor builds the engine's input from the request and the caller's gathered policies.
func (s *Service) inputFor(c *actor.Caller, req actor.Request, pp *principalPolicies) policy.Input {
	pc := req.Context.Layer() // the caller's keys stay where they are; the global keys go on top
	addRequestKeys(&pc, c)
	addResourceAccount(&pc, c, req)
	pp.addPrincipalKeys(&pc)
	in := policy.Input{
		Request:               policy.Request{Principal: PolicyPrincipal(&c.Identity), Action: req.Action, Resource: req.Resource, Context: pc},
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
func addRequestKeys(pc *policy.Context, c *actor.Caller) {
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
	if c.Source.ARN != "" {
		pc.Set("aws:sourcearn", c.Source.ARN)
	}
	if c.Source.Account != "" {
		pc.Set("aws:sourceaccount", c.Source.Account)
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

// addResourceAccount sets aws:ResourceAccount, the account that owns the request's resource (the caller's when the
// service names none), as AWS does for every request on a resource (IAM UG reference_policies_condition-keys).
func addResourceAccount(pc *policy.Context, c *actor.Caller, req actor.Request) {
	acct := req.ResourceAccount
	if acct == "" && req.Resource != "" && req.Resource != "*" {
		acct = c.Account
	}
	if acct != "" {
		pc.Set("aws:resourceaccount", acct)
	}
}

// PolicyPrincipal converts an authenticated principal to the policy engine's form.
func PolicyPrincipal(p *actor.Identity) policy.Principal {
	switch p.Type {
	case actor.TypeRoot:
		return policy.RootPrincipal(p.Account)
	case actor.TypeUser:
		return policy.UserPrincipal(p.ARN, p.ID)
	case actor.TypeAssumedRole:
		if p.Session != nil {
			return policy.SessionPrincipal(p.Session.RoleARN, p.Session.RoleID, p.Session.Name)
		}
	case actor.TypeService:
		return policy.ServicePrincipal(p.Service)
	}
	return policy.Principal{Type: policy.Anonymous}
}

// authorize decides an IAM action on a resource of the caller's own account; IAM's denial is AccessDenied (403).
func (s *Service) authorize(ctx context.Context, tx meta.Tx, c *actor.Caller, action, resource string) error {
	return s.authorizeCtx(ctx, tx, c, action, resource, policy.Context{})
}

// authorizeCtx is authorize with condition keys of the action (tags, iam:PolicyARN, …).
func (s *Service) authorizeCtx(ctx context.Context, tx meta.Tx, c *actor.Caller, action, resource string, pc policy.Context) error {
	if c.Session != nil && c.Session.RoleARN == "" {
		// GetSessionToken credentials "cannot call any IAM API operations unless MFA authentication
		// information is included in the request" (IAM UG id_credentials_temp_control-access_getsessiontoken);
		// IAM answers as for an unknown token.
		actor.Note(ctx, c, action, resource, policy.Decision{Effect: policy.ImplicitDeny,
			Reason: "credentials from GetSessionToken cannot call IAM without MFA"})
		return awserr.New("InvalidClientTokenId", awserr.StatusForbidden, "The security token included in the request is invalid")
	}
	return s.decide(ctx, tx, c, actor.Request{Action: action, Resource: resource, Context: pc}, actor.AccessDenied)
}

// decide authorizes req in tx, notes the decision on the call in ctx and returns nil or the refusal r.
func (s *Service) decide(ctx context.Context, tx meta.Tx, c *actor.Caller, req actor.Request, r actor.Refusal) error {
	d, err := s.authorizeTx(ctx, tx, c, req)
	if err != nil {
		return err
	}
	actor.Note(ctx, c, req.Action, req.Resource, d)
	if !d.Allowed {
		return r.Deny(c, req.Action, req.Resource, req.ResourceAccount, d)
	}
	return nil
}

// requestTagContext is the context of a request that sets tags: aws:RequestTag/<key> and aws:TagKeys.
func requestTagContext(tags []actor.Tag) policy.Context {
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
func resourceTagContext(tags []actor.Tag) policy.Context {
	var pc policy.Context
	addResourceTags(&pc, tags)
	return pc
}

func addResourceTags(pc *policy.Context, tags []actor.Tag) {
	for _, t := range tags {
		pc.Set("aws:ResourceTag/"+t.Key, t.Value)
		pc.Set("iam:ResourceTag/"+t.Key, t.Value)
	}
}
