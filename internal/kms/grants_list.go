package kms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// ListGrantsRequest is ListGrants' input: a key's grants, or only one grant, or only one grantee's.
type ListGrantsRequest struct {
	KeyID                   string
	GrantID                 string
	GranteePrincipal        string
	GranteeServicePrincipal string
	Limit                   int
	Marker                  string
}

// ListGrants lists a key's grants, optionally only one grant or one grantee's.
func (s *Service) ListGrants(ctx context.Context, c *actor.Caller, in ListGrantsRequest) (*Page[*Grant], error) {
	limit, err := pageLimit(in.Limit, 50)
	if err != nil {
		return nil, err
	}
	if in.GrantID != "" && !validGrantID(in.GrantID) {
		return nil, kmsError("InvalidGrantIdException", "Invalid grant ID %s", in.GrantID)
	}
	a := &access{action: "kms:ListGrants", set: func(pc *policy.Context) { pc.SetBool("kms:GrantIsForAWSResource", c.InvokedBy != "") }}
	e, err := s.use(ctx, c, in.KeyID, false, a)
	if err != nil {
		return nil, err
	}
	var out []*Grant
	for _, g := range e.grants {
		if (in.GrantID == "" || g.GrantID == in.GrantID) && (in.GranteePrincipal == "" || g.Grantee == in.GranteePrincipal) &&
			(in.GranteeServicePrincipal == "" || g.Grantee == in.GranteeServicePrincipal) {
			out = append(out, g)
		}
	}
	return paginate(out, func(g *Grant) string { return g.GrantID }, limit, in.Marker)
}

// ListRetirableGrantsRequest is ListRetirableGrants' input: one of the two principals.
type ListRetirableGrantsRequest struct {
	RetiringPrincipal        string
	RetiringServicePrincipal string
	Limit                    int
	Marker                   string
}

// ListRetirableGrants lists the grants, on keys of any account, that name a principal as their retiring
// principal. Only IAM policies govern it (kms:ListRetirableGrants on "*").
func (s *Service) ListRetirableGrants(ctx context.Context, c *actor.Caller, in ListRetirableGrantsRequest) (*Page[*Grant], error) {
	limit, err := pageLimit(in.Limit, 50)
	if err != nil {
		return nil, err
	}
	principal := in.RetiringPrincipal
	if (principal == "") == (in.RetiringServicePrincipal == "") {
		return nil, errValidationMsg("Specify exactly one of RetiringPrincipal and RetiringServicePrincipal.")
	}
	if principal == "" {
		principal = in.RetiringServicePrincipal
	}
	var v validation
	v.length("retiringPrincipal", principal, 1, grantPrincipalMaxLen, true)
	if err := v.err(); err != nil {
		return nil, err
	}
	if _, ok := grantPrincipal(principal); !ok {
		return nil, kmsError("InvalidArnException", "ARN does not refer to a valid principal: %s", principal)
	}
	if err := s.authorizeIAM(ctx, c, "kms:ListRetirableGrants", "*", policy.Context{}); err != nil {
		return nil, err
	}
	var out []*Grant
	err = s.store.View(ctx, func(tx meta.Tx) error {
		out = nil
		var keys []string
		err := tx.Scan(tableRetiring, meta.Range{Prefix: principal + "\x00"}, func(k string, _ []byte) bool {
			keys = append(keys, strings.TrimPrefix(k, principal+"\x00"))
			return true
		})
		if err != nil {
			return fmt.Errorf("scan retirable grants: %w", err)
		}
		for _, gk := range keys {
			b, err := tx.Get(tableGrants, gk)
			if errors.Is(err, meta.ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read grant %s: %w", gk, err)
			}
			g := new(Grant)
			if err := json.Unmarshal(b, g); err != nil {
				return fmt.Errorf("decode grant %s: %w", gk, err)
			}
			out = append(out, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return paginate(out, func(g *Grant) string { return g.KeyARN + "/" + g.GrantID }, limit, in.Marker)
}

// RetireGrantRequest is RetireGrant's input: the grant's token, or its key and grant ID.
type RetireGrantRequest struct {
	GrantToken string
	KeyID      string
	GrantID    string
	DryRun     bool
}

// RetireGrant deletes a grant on behalf of its retiring principal, its grantee (when the grant allows
// RetireGrant) or the account that issued it (KMS DG grant-manage: "who can retire a grant").
func (s *Service) RetireGrant(ctx context.Context, c *actor.Caller, in RetireGrantRequest) error {
	ref, grantID, err := s.retireTarget(c, in)
	if err != nil {
		return err
	}
	e, err := s.resolve(ctx, ref)
	if err != nil {
		return err
	}
	observe(ctx, e)
	g := findGrant(e.grants, grantID)
	if g == nil {
		return errGrantNotFound(grantID)
	}
	d, err := s.mayRetire(ctx, c, e, g)
	if err != nil {
		return err
	}
	actor.Note(ctx, c, "kms:RetireGrant", e.arn, d)
	switch {
	case d.Effect == policy.ExplicitDeny:
		return refusal.Deny(c, "kms:RetireGrant", e.arn, e.rec.Account, d)
	case !d.Allowed:
		return refusal.Refuse(c, "kms:RetireGrant", e.arn, d, actor.DenyMessage(c, "kms:RetireGrant", e.arn, policy.Decision{})+
			" because it is neither the grant's retiring principal, nor its grantee with the RetireGrant operation, nor a principal of the issuing account "+e.rec.Account+" allowed to retire grants")
	}
	if in.DryRun {
		return errDryRun()
	}
	return s.removeGrant(ctx, e, g)
}

func (s *Service) retireTarget(c *actor.Caller, in RetireGrantRequest) (keyRef, string, error) {
	if in.GrantToken != "" {
		arn, id, err := s.parseGrantToken(in.GrantToken)
		if err != nil {
			return keyRef{}, "", err
		}
		ref, err := parseKeyID(c.Account, callerRegion(c), arn, false)
		return ref, id, err
	}
	if in.KeyID == "" || in.GrantID == "" {
		return keyRef{}, "", awserr.Validation("Specify either the GrantToken, or both the KeyId and the GrantId.")
	}
	if !validGrantID(in.GrantID) {
		return keyRef{}, "", kmsError("InvalidGrantIdException", "Invalid grant ID %s", in.GrantID)
	}
	ref, err := parseKeyID(c.Account, callerRegion(c), in.KeyID, false)
	return ref, in.GrantID, err
}

// mayRetire reports whether c may retire g.
func (s *Service) mayRetire(ctx context.Context, c *actor.Caller, e *entry, g *Grant) (policy.Decision, error) {
	allowed := policy.Decision{Allowed: true, Effect: policy.Allow}
	if g.Retiring != "" {
		if ok, err := s.isGrantee(ctx, c, g.Retiring, "kms:RetireGrant", e.arn); err != nil || ok {
			return allowed, err
		}
	}
	for _, op := range g.Operations {
		if op == "RetireGrant" {
			if ok, err := s.isGrantee(ctx, c, g.Grantee, "kms:RetireGrant", e.arn); err != nil || ok {
				return allowed, err
			}
		}
	}
	if c.Account != e.rec.Account {
		return policy.Decision{Effect: policy.ImplicitDeny}, nil
	}
	if c.Type == actor.TypeRoot {
		return allowed, nil
	}
	return s.ids.Authorize(ctx, c, actor.Request{Action: "kms:RetireGrant", Resource: e.arn})
}

// RevokeGrant deletes a grant; kms:RevokeGrant is governed by the key policy like other key operations.
func (s *Service) RevokeGrant(ctx context.Context, c *actor.Caller, keyID, grantID string, dryRun bool) error {
	if grantID == "" {
		return errValidation("grantId", "", "Member must not be null")
	}
	if !validGrantID(grantID) {
		return kmsError("InvalidGrantIdException", "Invalid grant ID %s", grantID)
	}
	a := &access{action: "kms:RevokeGrant", set: func(pc *policy.Context) { pc.SetBool("kms:GrantIsForAWSResource", c.InvokedBy != "") }}
	e, err := s.use(ctx, c, keyID, false, a)
	if err != nil {
		return err
	}
	g := findGrant(e.grants, grantID)
	if g == nil {
		return errGrantNotFound(grantID)
	}
	if dryRun {
		return errDryRun()
	}
	return s.removeGrant(ctx, e, g)
}

func (s *Service) removeGrant(ctx context.Context, e *entry, g *Grant) error {
	err := s.store.Update(ctx, func(tx meta.Tx) error { return deleteGrant(tx, e.rec.storeKey(), g) })
	if err != nil {
		return err
	}
	s.invalidate(e.rec.storeKey())
	return nil
}

func findGrant(grants []*Grant, id string) *Grant {
	for _, g := range grants {
		if g.GrantID == id {
			return g
		}
	}
	return nil
}

func errGrantNotFound(id string) error {
	return kmsError("NotFoundException", "Grant ID %s not found", id)
}

func validGrantID(id string) bool {
	if len(id) != 64 {
		return false
	}
	return strings.Trim(id, "0123456789abcdef") == ""
}
