package iam

import (
	"context"
	"sort"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

func noSuchVersion(arn, id string) error {
	return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
}

// changePolicy authorizes action on a customer managed policy of the caller's account, lets fn change it
// and stores it, in one transaction.
func (s *Service) changePolicy(ctx context.Context, c *actor.Caller, action, arn string, fn func(p *ManagedPolicy) error) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, action, arn); err != nil {
			return err
		}
		p, err := s.ownPolicy(tx, c, arn)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		return putJSON(tx, tablePolicies, policyKey(p.Account, p.Name), p)
	})
	return wrapDomain(err, strings.TrimPrefix(action, "iam:")+" "+arn)
}

// readPolicy authorizes a read action on a managed policy and loads it.
func (s *Service) readPolicy(ctx context.Context, c *actor.Caller, action, arn string, fn func(p *ManagedPolicy) error) error {
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, action, arn); err != nil {
			return err
		}
		p, err := loadPolicy(tx, c.Account, arn)
		if err != nil {
			return err
		}
		return fn(p)
	})
	return wrapDomain(err, strings.TrimPrefix(action, "iam:")+" "+arn)
}

// CreatePolicyVersion adds a version to a customer managed policy, optionally making it the default.
func (s *Service) CreatePolicyVersion(ctx context.Context, c *actor.Caller, arn, doc string, setDefault bool) (*PolicyVersion, error) {
	if err := s.checkManagedDocument(doc); err != nil {
		return nil, err
	}
	var out *PolicyVersion
	err := s.changePolicy(ctx, c, "iam:CreatePolicyVersion", arn, func(p *ManagedPolicy) error {
		if len(p.Versions) >= MaxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", MaxPolicyVersions)
		}
		v := PolicyVersion{ID: "v" + itoa(p.NextVersion), Document: doc, Created: s.now()}
		p.NextVersion++
		p.Versions = append(p.Versions, v)
		if setDefault {
			p.DefaultVersion, p.Updated = v.ID, v.Created
		}
		v.Default = setDefault
		out = &v
		return nil
	})
	return out, err
}

// GetPolicyVersion returns one version of a managed policy.
func (s *Service) GetPolicyVersion(ctx context.Context, c *actor.Caller, arn, id string) (*PolicyVersion, error) {
	var out *PolicyVersion
	err := s.readPolicy(ctx, c, "iam:GetPolicyVersion", arn, func(p *ManagedPolicy) error {
		v := p.version(id)
		if v == nil {
			return noSuchVersion(arn, id)
		}
		cp := *v
		cp.Default = v.ID == p.DefaultVersion
		out = &cp
		return nil
	})
	return out, err
}

// ListPolicyVersions returns the versions of a managed policy, newest first.
func (s *Service) ListPolicyVersions(ctx context.Context, c *actor.Caller, arn string) ([]PolicyVersion, error) {
	var out []PolicyVersion
	err := s.readPolicy(ctx, c, "iam:ListPolicyVersions", arn, func(p *ManagedPolicy) error {
		for i := len(p.Versions) - 1; i >= 0; i-- {
			v := p.Versions[i]
			v.Default = v.ID == p.DefaultVersion
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// DeletePolicyVersion deletes a version that is not the default.
func (s *Service) DeletePolicyVersion(ctx context.Context, c *actor.Caller, arn, id string) error {
	return s.changePolicy(ctx, c, "iam:DeletePolicyVersion", arn, func(p *ManagedPolicy) error {
		if p.version(id) == nil {
			return noSuchVersion(arn, id)
		}
		if id == p.DefaultVersion {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		kept := p.Versions[:0]
		for _, v := range p.Versions {
			if v.ID != id {
				kept = append(kept, v)
			}
		}
		p.Versions = kept
		return nil
	})
}

// SetDefaultPolicyVersion makes a version the one that is in effect.
func (s *Service) SetDefaultPolicyVersion(ctx context.Context, c *actor.Caller, arn, id string) error {
	return s.changePolicy(ctx, c, "iam:SetDefaultPolicyVersion", arn, func(p *ManagedPolicy) error {
		if p.version(id) == nil {
			return noSuchVersion(arn, id)
		}
		p.DefaultVersion, p.Updated = id, s.now()
		return nil
	})
}

// ListPoliciesInput selects managed policies: Scope "All" (default), "AWS" or "Local"; OnlyAttached keeps
// those the account's users and roles use; PolicyUsageFilter "PermissionsPolicy" or "PermissionsBoundary"
// keeps those used that way.
type ListPoliciesInput struct {
	ListInput
	Scope             string
	OnlyAttached      bool
	PolicyUsageFilter string
}

// ListPolicies returns managed policies in name order (AWS managed first for Scope All), a page at a time,
// and the marker of the next page.
func (s *Service) ListPolicies(ctx context.Context, c *actor.Caller, in ListPoliciesInput) ([]*ManagedPolicy, string, error) {
	var out []*ManagedPolicy
	var next string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:ListPolicies", "arn:aws:iam::"+c.Account+":policy/"); err != nil {
			return err
		}
		all, err := candidatePolicies(tx, c.Account, in.Scope)
		if err != nil {
			return err
		}
		out, next, err = pagePolicies(tx, c.Account, all, in)
		return err
	})
	return out, next, wrapDomain(err, "list policies")
}

// candidatePolicies returns the policies of the scope in listing order.
func candidatePolicies(tx meta.Tx, account, scope string) ([]*ManagedPolicy, error) {
	var all []*ManagedPolicy
	if scope != "Local" {
		all = append(all, awsManagedList()...)
	}
	if scope == "AWS" {
		return all, nil
	}
	local, _, err := listPage[ManagedPolicy](tx, tablePolicies, account, ListInput{MaxItems: 1 << 30}, func(p *ManagedPolicy) (string, string) { return p.Name, p.Path })
	if err != nil {
		return nil, err
	}
	sort.SliceStable(local, func(i, j int) bool { return strings.ToLower(local[i].Name) < strings.ToLower(local[j].Name) })
	return append(all, local...), nil
}

// pagePolicies filters the candidates and cuts a page; the marker is the next policy's ARN.
func pagePolicies(tx meta.Tx, account string, all []*ManagedPolicy, in ListPoliciesInput) ([]*ManagedPolicy, string, error) {
	var out []*ManagedPolicy
	started := in.Marker == ""
	for _, p := range all {
		if !started {
			started = p.ARN() == in.Marker
			if !started {
				continue
			}
		}
		if in.PathPrefix != "" && !strings.HasPrefix(p.Path, in.PathPrefix) {
			continue
		}
		if err := countUses(tx, account, p); err != nil {
			return nil, "", err
		}
		if !keepPolicy(p, in) {
			continue
		}
		if len(out) == in.max() {
			return out, p.ARN(), nil
		}
		out = append(out, p)
	}
	return out, "", nil
}

func keepPolicy(p *ManagedPolicy, in ListPoliciesInput) bool {
	switch {
	case in.OnlyAttached && p.AttachmentCount+p.BoundaryCount == 0:
		return false
	case in.PolicyUsageFilter == "PermissionsPolicy" && p.AttachmentCount == 0:
		return false
	case in.PolicyUsageFilter == "PermissionsBoundary" && p.BoundaryCount == 0:
		return false
	}
	return true
}
