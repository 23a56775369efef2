package iam

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// MaxSCPsPerTarget is how many SCPs may be attached to one root, OU or account.
const MaxSCPsPerTarget = 5

// OrgPolicy is a service control policy.
type OrgPolicy struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Content     string `json:"content"`
	AWSManaged  bool   `json:"awsManaged,omitempty"`
	// ARN is the policy's ARN, filled in when the policy is read.
	ARN string `json:"-"`
}

// withARN fills in the policy's ARN in the organization.
func (p *OrgPolicy) withARN(org *Organization) *OrgPolicy {
	if p.AWSManaged {
		p.ARN = "arn:aws:organizations::aws:policy/service_control_policy/" + p.ID
	} else {
		p.ARN = "arn:aws:organizations::" + org.ManagementAccount + ":policy/" + org.ID + "/service_control_policy/" + p.ID
	}
	return p
}

// fullAWSAccess is the AWS managed SCP attached everywhere when SCPs are enabled.
var fullAWSAccess = OrgPolicy{ID: "p-FullAWSAccess", Name: "FullAWSAccess", AWSManaged: true,
	Description: "Allows access to every operation",
	Content:     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}

func noSuchOrgPolicy() error {
	return orgError("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
}

func noSuchTarget() error {
	return orgError("TargetNotFoundException", "We can't find a root, OU, account, or email address with the TargetId that you specified.")
}

func scpNotEnabled() error {
	return orgError("PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
}

func checkPolicyType(t string) error {
	if t != PolicyTypeSCP {
		return orgInvalidInput("INVALID_ENUM_POLICY_TYPE", "You specified an invalid value: seclake supports the policy type SERVICE_CONTROL_POLICY only.")
	}
	return nil
}

func getOrgPolicy(tx meta.Tx, id string) (*OrgPolicy, error) {
	if id == fullAWSAccess.ID {
		p := fullAWSAccess
		return &p, nil
	}
	var p OrgPolicy
	found, err := getJSON(tx, tableSCPs, id, &p)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, noSuchOrgPolicy()
	}
	return &p, nil
}

// checkSCP validates an SCP's content.
func (s *Service) checkSCP(content string) error {
	if !policy.ServiceControlPolicy.Fits([]byte(content)) {
		return constraintViolation("POLICY_CONTENT_LIMIT_EXCEEDED", "You attempted to create a policy with content that exceeds the maximum size of %d characters.", policy.ServiceControlPolicy.Max())
	}
	if _, err := s.policies.parse(content, policy.SCP); err != nil {
		return malformedCode(err, "MalformedPolicyDocumentException")
	}
	return nil
}

// CreateOrgPolicy creates a service control policy (Organizations CreatePolicy).
func (s *Service) CreateOrgPolicy(ctx context.Context, c *actor.Caller, typ, name, description, content string) (*OrgPolicy, error) {
	if err := checkPolicyType(typ); err != nil {
		return nil, err
	}
	if err := s.checkSCP(content); err != nil {
		return nil, err
	}
	id, err := randomName(s.rand, "p-", 8)
	if err != nil {
		return nil, err
	}
	p := &OrgPolicy{ID: id, Name: name, Description: description, Content: content}
	err = s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:CreatePolicy", "*", false)
		if err != nil {
			return err
		}
		p.withARN(org)
		all, err := orgPolicies(tx)
		if err != nil {
			return err
		}
		for _, other := range all {
			if strings.EqualFold(other.Name, name) {
				return orgError("DuplicatePolicyException", "A policy with the same name already exists.")
			}
		}
		return insertJSON(tx, tableSCPs, id, p)
	})
	return p, wrapDomain(err, "create organization policy")
}

// orgPolicies returns FullAWSAccess and the organization's own SCPs.
func orgPolicies(tx meta.Tx) ([]OrgPolicy, error) {
	own, err := scanJSON[OrgPolicy](tx, tableSCPs, "")
	return append([]OrgPolicy{fullAWSAccess}, own...), err
}

// DescribeOrgPolicy returns a service control policy (Organizations DescribePolicy).
func (s *Service) DescribeOrgPolicy(ctx context.Context, c *actor.Caller, id string) (*OrgPolicy, error) {
	var p *OrgPolicy
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:DescribePolicy", "*", false)
		if err != nil {
			return err
		}
		if p, err = getOrgPolicy(tx, id); err != nil {
			return err
		}
		p.withARN(org)
		return nil
	})
	return p, wrapDomain(err, "describe organization policy")
}

// UpdateOrgPolicy changes a service control policy's name, description or content (nil: unchanged).
func (s *Service) UpdateOrgPolicy(ctx context.Context, c *actor.Caller, id string, name, description, content *string) (*OrgPolicy, error) {
	if content != nil {
		if err := s.checkSCP(*content); err != nil {
			return nil, err
		}
	}
	var p *OrgPolicy
	err := s.change(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:UpdatePolicy", "*", false)
		if err != nil {
			return err
		}
		if p, err = getOrgPolicy(tx, id); err != nil {
			return err
		}
		p.withARN(org)
		if p.AWSManaged {
			return orgAccessDenied()
		}
		for dst, src := range map[*string]*string{&p.Name: name, &p.Description: description, &p.Content: content} {
			if src != nil {
				*dst = *src
			}
		}
		return putJSON(tx, tableSCPs, p.ID, p)
	})
	return p, wrapDomain(err, "update organization policy")
}

// DeleteOrgPolicy deletes a service control policy that is attached nowhere.
func (s *Service) DeleteOrgPolicy(ctx context.Context, c *actor.Caller, id string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		if _, err := s.orgCall(ctx, tx, c, "organizations:DeletePolicy", "*", false); err != nil {
			return err
		}
		p, err := getOrgPolicy(tx, id)
		if err != nil {
			return err
		}
		if p.AWSManaged {
			return orgAccessDenied()
		}
		used, err := hasAny(tx, tableSCPLinks, "p/"+id+"/")
		if err != nil {
			return err
		}
		if used {
			return orgError("PolicyInUseException", "The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.")
		}
		return tx.Delete(tableSCPs, id)
	})
	return wrapDomain(err, "delete organization policy")
}

// ListOrgPolicies returns the service control policies (Organizations ListPolicies with a filter).
func (s *Service) ListOrgPolicies(ctx context.Context, c *actor.Caller, filter string) ([]OrgPolicy, error) {
	if err := checkPolicyType(filter); err != nil {
		return nil, err
	}
	var out []OrgPolicy
	err := s.store.View(ctx, func(tx meta.Tx) error {
		org, err := s.orgCall(ctx, tx, c, "organizations:ListPolicies", "*", false)
		if err != nil {
			return err
		}
		if out, err = orgPolicies(tx); err != nil {
			return err
		}
		for i := range out {
			out[i].withARN(org)
		}
		return nil
	})
	return out, wrapDomain(err, "list organization policies")
}

// targetSCPs returns the compiled SCPs attached to a root, OU or account.
func (s *Service) targetSCPs(tx meta.Tx, target string) ([]*policy.Policy, error) {
	ids, err := scanKeys(tx, tableSCPLinks, "t/"+target+"/")
	if err != nil {
		return nil, err
	}
	out := make([]*policy.Policy, 0, len(ids))
	for _, id := range ids {
		p, err := getOrgPolicy(tx, id)
		if err != nil {
			return nil, err
		}
		pol, err := s.policies.parse(p.Content, policy.SCP)
		if err != nil {
			return nil, err
		}
		out = append(out, named(pol, "service control policy "+p.Name+" attached to "+target))
	}
	return out, nil
}

func link(tx meta.Tx, policyID, target string) error {
	if err := tx.Put(tableSCPLinks, "t/"+target+"/"+policyID, nil); err != nil {
		return err
	}
	return tx.Put(tableSCPLinks, "p/"+policyID+"/"+target, nil)
}

func unlink(tx meta.Tx, policyID, target string) error {
	if err := tx.Delete(tableSCPLinks, "t/"+target+"/"+policyID); err != nil {
		return err
	}
	return tx.Delete(tableSCPLinks, "p/"+policyID+"/"+target)
}

// attachDefaultSCP attaches FullAWSAccess to a new OU or account when SCPs are enabled, as AWS does.
func (s *Service) attachDefaultSCP(tx meta.Tx, org *Organization, target string) error {
	if !org.SCPEnabled {
		return nil
	}
	return link(tx, fullAWSAccess.ID, target)
}

// detachAll removes every SCP from a target.
func detachAll(tx meta.Tx, target string) error {
	ids, err := scanKeys(tx, tableSCPLinks, "t/"+target+"/")
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := unlink(tx, id, target); err != nil {
			return err
		}
	}
	return nil
}
