package iam

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// PolicyTarget is a root, OU or account an SCP is attached to.
type PolicyTarget struct {
	ID, ARN, Name string
	// Type is "ROOT", "ORGANIZATIONAL_UNIT" or "ACCOUNT".
	Type string
}

// target resolves a root, OU or account ID of the organization.
func target(tx meta.Tx, org *Organization, id string) (*PolicyTarget, error) {
	switch {
	case id == org.RootID:
		return &PolicyTarget{ID: id, ARN: org.RootARN(), Name: "Root", Type: "ROOT"}, nil
	case strings.HasPrefix(id, "ou-"):
		ou, err := getOU(tx, id)
		if err != nil {
			return nil, noSuchTarget()
		}
		return &PolicyTarget{ID: id, ARN: org.OUARN(id), Name: ou.Name, Type: "ORGANIZATIONAL_UNIT"}, nil
	}
	var a Account
	found, err := getJSON(tx, tableAccounts, id, &a)
	if err != nil {
		return nil, err
	}
	if !found || a.Parent == "" {
		return nil, noSuchTarget()
	}
	return &PolicyTarget{ID: id, ARN: org.AccountARN(id), Name: a.Name, Type: "ACCOUNT"}, nil
}

// attachedSCPs authorizes an attachment change and returns the IDs of the SCPs attached to the target.
func (s *Service) attachedSCPs(ctx context.Context, tx meta.Tx, c *actor.Caller, action, policyID, targetID string) ([]string, error) {
	org, err := s.orgCall(ctx, tx, c, action, "*", false)
	if err != nil {
		return nil, err
	}
	if !org.SCPEnabled {
		return nil, scpNotEnabled()
	}
	if _, err := getOrgPolicy(tx, policyID); err != nil {
		return nil, err
	}
	if _, err := target(tx, org, targetID); err != nil {
		return nil, err
	}
	return scanKeys(tx, tableSCPLinks, "t/"+targetID+"/")
}

// AttachOrgPolicy attaches a service control policy to a root, OU or account.
func (s *Service) AttachOrgPolicy(ctx context.Context, c *actor.Caller, policyID, targetID string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		ids, err := s.attachedSCPs(ctx, tx, c, "organizations:AttachPolicy", policyID, targetID)
		if err != nil {
			return err
		}
		if contains(ids, policyID) {
			return orgError("DuplicatePolicyAttachmentException", "The selected policy is already attached to the specified target.")
		}
		if len(ids) >= MaxSCPsPerTarget {
			return constraintViolation("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to exceed the number of policies of a certain type that can be attached to an entity at one time.")
		}
		return link(tx, policyID, targetID)
	})
	return wrapDomain(err, "attach organization policy")
}

// DetachOrgPolicy detaches a service control policy; a target keeps at least one while SCPs are enabled.
func (s *Service) DetachOrgPolicy(ctx context.Context, c *actor.Caller, policyID, targetID string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		ids, err := s.attachedSCPs(ctx, tx, c, "organizations:DetachPolicy", policyID, targetID)
		if err != nil {
			return err
		}
		if !contains(ids, policyID) {
			return orgError("PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")
		}
		if len(ids) == 1 {
			return constraintViolation("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED", "You attempted to detach a policy from an entity that would cause the entity to have fewer than the minimum number of policies of a certain type required.")
		}
		return unlink(tx, policyID, targetID)
	})
	return wrapDomain(err, "detach organization policy")
}

// ListOrgPoliciesForTarget returns the SCPs attached to a root, OU or account.
func (s *Service) ListOrgPoliciesForTarget(ctx context.Context, c *actor.Caller, targetID, filter string) ([]OrgPolicy, error) {
	if err := checkPolicyType(filter); err != nil {
		return nil, err
	}
	var out []OrgPolicy
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:ListPoliciesForTarget", "*", false)
		if err != nil {
			return err
		}
		if _, err := target(tx, org, targetID); err != nil {
			return err
		}
		ids, err := scanKeys(tx, tableSCPLinks, "t/"+targetID+"/")
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := getOrgPolicy(tx, id)
			if err != nil {
				return err
			}
			out = append(out, *p.withARN(org))
		}
		return nil
	})
	return out, wrapDomain(err, "list policies for target")
}

// ListTargetsForOrgPolicy returns the roots, OUs and accounts an SCP is attached to.
func (s *Service) ListTargetsForOrgPolicy(ctx context.Context, c *actor.Caller, policyID string) ([]PolicyTarget, error) {
	var out []PolicyTarget
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:ListTargetsForPolicy", "*", false)
		if err != nil {
			return err
		}
		if _, err := getOrgPolicy(tx, policyID); err != nil {
			return err
		}
		ids, err := scanKeys(tx, tableSCPLinks, "p/"+policyID+"/")
		if err != nil {
			return err
		}
		for _, id := range ids {
			t, err := target(tx, org, id)
			if err != nil {
				return err
			}
			out = append(out, *t)
		}
		return nil
	})
	return out, wrapDomain(err, "list targets for policy")
}

// EnablePolicyType enables service control policies in the root, attaching FullAWSAccess to the root and
// to every OU and account, as AWS does.
func (s *Service) EnablePolicyType(ctx context.Context, c *actor.Caller, rootID, typ string) (*Root, error) {
	if err := checkPolicyType(typ); err != nil {
		return nil, err
	}
	var out *Root
	err := s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:EnablePolicyType", "*", false)
		if err != nil {
			return err
		}
		if rootID != org.RootID {
			return orgError("RootNotFoundException", "We can't find a root with the RootId that you specified.")
		}
		if org.SCPEnabled {
			return orgError("PolicyTypeAlreadyEnabledException", "The specified policy type is already enabled.")
		}
		targets, err := allTargets(tx, org)
		if err != nil {
			return err
		}
		for _, t := range targets {
			if err := link(tx, fullAWSAccess.ID, t); err != nil {
				return err
			}
		}
		org.SCPEnabled = true
		out = &Root{ID: org.RootID, ARN: org.RootARN(), Name: "Root", SCPEnabled: true}
		return putJSON(tx, tableOrg, "org", org)
	})
	return out, wrapDomain(err, "enable policy type")
}

// DisablePolicyType disables service control policies, detaching every SCP.
func (s *Service) DisablePolicyType(ctx context.Context, c *actor.Caller, rootID, typ string) (*Root, error) {
	if err := checkPolicyType(typ); err != nil {
		return nil, err
	}
	var out *Root
	err := s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:DisablePolicyType", "*", false)
		if err != nil {
			return err
		}
		if rootID != org.RootID {
			return orgError("RootNotFoundException", "We can't find a root with the RootId that you specified.")
		}
		if !org.SCPEnabled {
			return scpNotEnabled()
		}
		targets, err := allTargets(tx, org)
		if err != nil {
			return err
		}
		for _, t := range targets {
			if err := detachAll(tx, t); err != nil {
				return err
			}
		}
		org.SCPEnabled = false
		out = &Root{ID: org.RootID, ARN: org.RootARN(), Name: "Root"}
		return putJSON(tx, tableOrg, "org", org)
	})
	return out, wrapDomain(err, "disable policy type")
}

// allTargets lists the root, every OU and every account of the organization.
func allTargets(tx meta.Tx, org *Organization) ([]string, error) {
	out := []string{org.RootID}
	ous, err := scanKeys(tx, tableOUs, "")
	if err != nil {
		return nil, err
	}
	out = append(out, ous...)
	accounts, err := allAccounts(tx)
	for _, a := range accounts {
		if a.Parent != "" {
			out = append(out, a.ID)
		}
	}
	return out, err
}
