package organizations

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

func (h *handler) policyOps() []*api.Op {
	return []*api.Op{
		api.JSON("CreatePolicy", "organizations:CreatePolicy", false, h.createPolicy),
		api.JSON("DescribePolicy", "organizations:DescribePolicy", true, h.describePolicy),
		api.JSON("UpdatePolicy", "organizations:UpdatePolicy", false, h.updatePolicy),
		api.JSON("DeletePolicy", "organizations:DeletePolicy", false, h.deletePolicy),
		api.JSON("ListPolicies", "organizations:ListPolicies", true, h.listPolicies),
		api.JSON("AttachPolicy", "organizations:AttachPolicy", false, h.attachPolicy),
		api.JSON("DetachPolicy", "organizations:DetachPolicy", false, h.detachPolicy),
		api.JSON("ListPoliciesForTarget", "organizations:ListPoliciesForTarget", true, h.listPoliciesForTarget),
		api.JSON("ListTargetsForPolicy", "organizations:ListTargetsForPolicy", true, h.listTargetsForPolicy),
		api.JSON("EnablePolicyType", "organizations:EnablePolicyType", false, h.enablePolicyType),
		api.JSON("DisablePolicyType", "organizations:DisablePolicyType", false, h.disablePolicyType),
	}
}

type policySummary struct {
	Id          string
	Arn         string
	Name        string
	Description string
	Type        string
	AwsManaged  bool
}

func summaryOut(p *iam.OrgPolicy) policySummary {
	return policySummary{Id: p.ID, Arn: p.ARN, Name: p.Name, Description: p.Description, Type: iam.PolicyTypeSCP, AwsManaged: p.AWSManaged}
}

type orgPolicy struct {
	PolicySummary policySummary
	Content       string
}

type policyOutput struct {
	Policy orgPolicy
}

type createPolicyInput struct {
	Content     string
	Description string
	Name        string
	Type        string
}

func (h *handler) createPolicy(ctx context.Context, c *api.Call, in *createPolicyInput) (*policyOutput, error) {
	p, err := h.ids.CreateOrgPolicy(ctx, c.Caller, in.Type, in.Name, in.Description, in.Content)
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: orgPolicy{PolicySummary: summaryOut(p), Content: p.Content}}, nil
}

type policyIDInput struct {
	PolicyId string
}

func (h *handler) describePolicy(ctx context.Context, c *api.Call, in *policyIDInput) (*policyOutput, error) {
	p, err := h.ids.DescribeOrgPolicy(ctx, c.Caller, in.PolicyId)
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: orgPolicy{PolicySummary: summaryOut(p), Content: p.Content}}, nil
}

type updatePolicyInput struct {
	PolicyId    string
	Name        *string `json:",omitempty"`
	Description *string `json:",omitempty"`
	Content     *string `json:",omitempty"`
}

func (h *handler) updatePolicy(ctx context.Context, c *api.Call, in *updatePolicyInput) (*policyOutput, error) {
	p, err := h.ids.UpdateOrgPolicy(ctx, c.Caller, in.PolicyId, in.Name, in.Description, in.Content)
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: orgPolicy{PolicySummary: summaryOut(p), Content: p.Content}}, nil
}

func (h *handler) deletePolicy(ctx context.Context, c *api.Call, in *policyIDInput) (*struct{}, error) {
	return nil, h.ids.DeleteOrgPolicy(ctx, c.Caller, in.PolicyId)
}

type listPoliciesInput struct {
	Filter    string
	TargetId  string `json:",omitempty"`
	NextToken string `json:",omitempty"`
}

type listPoliciesOutput struct {
	Policies []policySummary
}

func summariesOut(list []iam.OrgPolicy) *listPoliciesOutput {
	out := &listPoliciesOutput{Policies: []policySummary{}}
	for i := range list {
		out.Policies = append(out.Policies, summaryOut(&list[i]))
	}
	return out
}

func (h *handler) listPolicies(ctx context.Context, c *api.Call, in *listPoliciesInput) (*listPoliciesOutput, error) {
	list, err := h.ids.ListOrgPolicies(ctx, c.Caller, in.Filter)
	if err != nil {
		return nil, err
	}
	return summariesOut(list), nil
}

func (h *handler) listPoliciesForTarget(ctx context.Context, c *api.Call, in *listPoliciesInput) (*listPoliciesOutput, error) {
	list, err := h.ids.ListOrgPoliciesForTarget(ctx, c.Caller, in.TargetId, in.Filter)
	if err != nil {
		return nil, err
	}
	return summariesOut(list), nil
}

type attachInput struct {
	PolicyId string
	TargetId string
}

func (h *handler) attachPolicy(ctx context.Context, c *api.Call, in *attachInput) (*struct{}, error) {
	return nil, h.ids.AttachOrgPolicy(ctx, c.Caller, in.PolicyId, in.TargetId)
}

func (h *handler) detachPolicy(ctx context.Context, c *api.Call, in *attachInput) (*struct{}, error) {
	return nil, h.ids.DetachOrgPolicy(ctx, c.Caller, in.PolicyId, in.TargetId)
}

type policyTarget struct {
	TargetId string
	Arn      string
	Name     string
	Type     string
}

type listTargetsOutput struct {
	Targets []policyTarget
}

func (h *handler) listTargetsForPolicy(ctx context.Context, c *api.Call, in *policyIDInput) (*listTargetsOutput, error) {
	targets, err := h.ids.ListTargetsForOrgPolicy(ctx, c.Caller, in.PolicyId)
	if err != nil {
		return nil, err
	}
	out := &listTargetsOutput{Targets: []policyTarget{}}
	for _, t := range targets {
		out.Targets = append(out.Targets, policyTarget{TargetId: t.ID, Arn: t.ARN, Name: t.Name, Type: t.Type})
	}
	return out, nil
}

type policyTypeInput struct {
	RootId     string
	PolicyType string
}

type rootOutput struct {
	Root root
}

func (h *handler) enablePolicyType(ctx context.Context, c *api.Call, in *policyTypeInput) (*rootOutput, error) {
	r, err := h.ids.EnablePolicyType(ctx, c.Caller, in.RootId, in.PolicyType)
	if err != nil {
		return nil, err
	}
	return &rootOutput{Root: rootOut(r)}, nil
}

func (h *handler) disablePolicyType(ctx context.Context, c *api.Call, in *policyTypeInput) (*rootOutput, error) {
	r, err := h.ids.DisablePolicyType(ctx, c.Caller, in.RootId, in.PolicyType)
	if err != nil {
		return nil, err
	}
	return &rootOutput{Root: rootOut(r)}, nil
}
