package kms

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
)

// access is one authorization question about a key.
type access struct {
	// action is the IAM action ("kms:Decrypt").
	action string
	// grantOp is the grant operation that allows the action ("Decrypt", "ReEncryptFrom"), or "" when no grant
	// can allow it.
	grantOp string
	// ec is the encryption context the kms:EncryptionContext keys describe: the request's, or for CreateGrant
	// the grant's constraints.
	ec map[string]string
	// grantFilter, when set, decides whether a grant's constraints let it allow this request.
	grantFilter func(*Grant) bool
	// tokens are the request's grant tokens.
	tokens []string
	// alias is the alias the request named the key by (kms:RequestAlias).
	alias string
	// sameAccountOnly marks operations KMS does not allow across accounts ("Cross-account use: No").
	sameAccountOnly bool
	// set adds the operation's own condition keys.
	set func(*policy.Context)
}

// refusal is how KMS answers a denied request.
var refusal = actor.AccessDeniedException

// authorize decides whether c may perform a on the key: the key policy with the caller's IAM policies first
// (an explicit deny anywhere is final), then the key's grants. The decision is noted on the call in ctx.
func (s *Service) authorize(ctx context.Context, c *actor.Caller, e *entry, a *access) error {
	if a.sameAccountOnly && c.Type != actor.TypeService && c.Account != e.rec.Account {
		d := policy.Decision{Effect: policy.ImplicitDeny, Reason: a.action + " cannot be used on a key in another account"}
		actor.Note(ctx, c, a.action, e.arn, d)
		return refusal.Refuse(c, a.action, e.arn, d, actor.DenyMessage(c, a.action, e.arn, d)+" because "+d.Reason)
	}
	if err := s.checkGrantTokens(a.tokens); err != nil {
		return err
	}
	d, err := s.ids.Authorize(ctx, c, actor.Request{
		Action:                a.action,
		Resource:              e.arn,
		ResourceAccount:       e.rec.Account,
		ResourcePolicy:        e.policy,
		RequireResourcePolicy: true,
		Context:               requestContext(c, e, a),
	})
	if err != nil {
		return err
	}
	if !d.Allowed && d.Effect != policy.ExplicitDeny && a.grantOp != "" {
		g, err := s.grantAllows(ctx, c, e, a)
		if err != nil {
			return err
		}
		if g != nil {
			actor.NoteDecision(ctx, actor.Decision{Principal: c.Who(), Action: a.action, Resource: e.arn,
				Decision: policy.Decision{Allowed: true, Effect: policy.Allow}, Grant: g.GrantID})
			return nil
		}
	}
	actor.Note(ctx, c, a.action, e.arn, d)
	if d.Allowed {
		return nil
	}
	return refusal.Deny(c, a.action, e.arn, e.rec.Account, d)
}

// authorizeIAM decides an action that only IAM policies govern (kms:CreateKey, kms:ListKeys, kms:ListAliases,
// kms:GenerateRandom, kms:ListRetirableGrants, and the alias side of the alias operations).
func (s *Service) authorizeIAM(ctx context.Context, c *actor.Caller, action, resource string, pc policy.Context) error {
	if c.Account == "" {
		d := policy.Decision{Effect: policy.ImplicitDeny}
		actor.Note(ctx, c, action, resource, d)
		return refusal.Deny(c, action, resource, "", d)
	}
	return actor.Check(ctx, s.ids, c, actor.Request{Action: action, Resource: resource, Context: pc}, refusal)
}

// requestContext returns the KMS condition keys of a request on key e. (Keys are written in lowercase, as
// policy.Context stores them, which saves lowercasing them on every request.)
func requestContext(c *actor.Caller, e *entry, a *access) policy.Context {
	var pc policy.Context
	if c.Account != "" {
		pc.Set("kms:calleraccount", c.Account)
	}
	if c.InvokedBy != "" {
		pc.Set("kms:viaservice", viaService(c.InvokedBy, e.rec.Region))
	}
	pc.Set("kms:keyspec", SpecSymmetric)
	pc.Set("kms:keyusage", UsageEncryptDecrypt)
	pc.Set("kms:keyorigin", OriginAWSKMS)
	pc.Set("kms:multiregion", "false")
	setContextKeys(&pc, a.ec)
	if a.alias != "" {
		pc.Set("kms:requestalias", a.alias)
	}
	if len(e.rec.Aliases) > 0 {
		pc.Set("kms:resourcealiases", e.rec.Aliases...)
	}
	for _, t := range e.rec.Tags {
		pc.Set("aws:ResourceTag/"+t.TagKey, t.TagValue)
	}
	if a.set != nil {
		a.set(&pc)
	}
	return pc
}

// setContextKeys sets kms:EncryptionContext:<key> for each pair and kms:EncryptionContextKeys.
func setContextKeys(pc *policy.Context, ec map[string]string) {
	if len(ec) == 0 {
		return
	}
	keys := make([]string, 0, len(ec))
	for k, v := range ec {
		pc.Set("kms:encryptioncontext:"+k, v)
		keys = append(keys, k)
	}
	pc.Set("kms:encryptioncontextkeys", keys...)
}

// viaService returns kms:ViaService for a call made by service ("s3.amazonaws.com") in region:
// "s3.<region>.amazonaws.com".
func viaService(service, region string) string {
	return strings.TrimSuffix(service, ".amazonaws.com") + "." + region + ".amazonaws.com"
}

// grantAllows reports whether one of the key's grants allows the request: its grantee is the caller, its
// operations include the request's and its constraints hold.
func (s *Service) grantAllows(ctx context.Context, c *actor.Caller, e *entry, a *access) (*Grant, error) {
	for _, g := range e.grants {
		if !slices.Contains(g.Operations, a.grantOp) || (a.grantFilter != nil && !a.grantFilter(g)) {
			continue
		}
		ok, err := s.isGrantee(ctx, c, g.Grantee, a.action, e.arn)
		if err != nil {
			return nil, err
		}
		if ok {
			return g, nil
		}
	}
	return nil, nil
}

// isGrantee reports whether c is the principal a grant names. A grant to a role covers its sessions; a grant
// to an account covers its root user, and its other principals as far as their IAM policies allow the action
// (KMS DG grants: the account "can use IAM policies to delegate the grant permissions").
func (s *Service) isGrantee(ctx context.Context, c *actor.Caller, grantee, action, keyARN string) (bool, error) {
	switch {
	case c.Type == actor.TypeService:
		return grantee == c.Service, nil
	case grantee == c.ARN && c.ARN != "":
		return true, nil
	case c.Type == actor.TypeAssumedRole && c.Session != nil && grantee == c.Session.RoleARN:
		return true, nil
	case c.Account == "" || (grantee != actor.RootARN(c.Account) && grantee != c.Account):
		return false, nil
	case c.Type == actor.TypeRoot:
		return true, nil
	}
	d, err := s.ids.Authorize(ctx, c, actor.Request{Action: action, Resource: keyARN})
	return d.Allowed, err
}

// hold reports whether a request's encryption context and aws:SourceArn satisfy the constraints.
func (gc *GrantConstraints) hold(ec map[string]string, sourceARN string) bool {
	if gc == nil {
		return true
	}
	if gc.SourceArn != "" && gc.SourceArn != sourceARN {
		return false
	}
	if gc.EncryptionContextEquals != nil && !maps.Equal(gc.EncryptionContextEquals, ec) {
		return false
	}
	for k, v := range gc.EncryptionContextSubset {
		if got, ok := ec[k]; !ok || got != v {
			return false
		}
	}
	return true
}
