package iam

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

func (h *handler) policyOps() []*api.Op {
	return []*api.Op{
		api.Query("CreatePolicy", "iam:CreatePolicy", false, h.createPolicy),
		api.Query("GetPolicy", "iam:GetPolicy", true, h.getPolicy),
		api.Query("ListPolicies", "iam:ListPolicies", true, h.listPolicies),
		api.Query("DeletePolicy", "iam:DeletePolicy", false, h.deletePolicy),
		api.Query("CreatePolicyVersion", "iam:CreatePolicyVersion", false, h.createPolicyVersion),
		api.Query("GetPolicyVersion", "iam:GetPolicyVersion", true, h.getPolicyVersion),
		api.Query("ListPolicyVersions", "iam:ListPolicyVersions", true, h.listPolicyVersions),
		api.Query("DeletePolicyVersion", "iam:DeletePolicyVersion", false, h.deletePolicyVersion),
		api.Query("SetDefaultPolicyVersion", "iam:SetDefaultPolicyVersion", false, h.setDefaultPolicyVersion),
		api.Query("ListEntitiesForPolicy", "iam:ListEntitiesForPolicy", true, h.listEntitiesForPolicy),
	}
}

// managedPolicy is IAM's Policy shape.
type managedPolicy struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    time.Time
	UpdateDate                    time.Time
	Tags                          []tag `xml:"Tags>member,omitempty"`
}

func policyOut(p *iam.ManagedPolicy) managedPolicy {
	return managedPolicy{PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN(), Path: p.Path, DefaultVersionId: p.DefaultVersion,
		AttachmentCount: p.AttachmentCount, PermissionsBoundaryUsageCount: p.BoundaryCount, IsAttachable: true,
		Description: p.Description, CreateDate: p.Created, UpdateDate: p.Updated, Tags: tagsOut(p.Tags)}
}

type policyOutput struct {
	Policy managedPolicy
}

type createPolicyInput struct {
	PolicyName     string
	Path           string
	PolicyDocument string
	Description    string
	Tags           []tag
}

func (h *handler) createPolicy(ctx context.Context, c *api.Call, in *createPolicyInput) (*policyOutput, error) {
	p, err := h.ids.CreatePolicy(ctx, c.Caller, iam.CreatePolicyInput{Name: in.PolicyName, Path: in.Path, Document: in.PolicyDocument,
		Description: in.Description, Tags: tagsIn(in.Tags)})
	if err != nil {
		return nil, err
	}
	c.AddResource(p.ARN(), p.Account, "AWS::IAM::Policy")
	out := policyOut(p)
	out.Description = "" // CreatePolicy does not return the description
	return &policyOutput{Policy: out}, nil
}

type policyArnInput struct {
	PolicyArn string
}

func (h *handler) getPolicy(ctx context.Context, c *api.Call, in *policyArnInput) (*policyOutput, error) {
	p, err := h.ids.GetPolicy(ctx, c.Caller, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	return &policyOutput{Policy: policyOut(p)}, nil
}

type listPoliciesInput struct {
	Scope             string
	OnlyAttached      bool
	PathPrefix        string
	PolicyUsageFilter string
	Marker            string
	MaxItems          int
}

type listManagedOutput struct {
	Policies []managedPolicy `xml:"Policies>member"`
	Page
}

func (h *handler) listPolicies(ctx context.Context, c *api.Call, in *listPoliciesInput) (*listManagedOutput, error) {
	pols, next, err := h.ids.ListPolicies(ctx, c.Caller, iam.ListPoliciesInput{Scope: in.Scope, OnlyAttached: in.OnlyAttached,
		PolicyUsageFilter: in.PolicyUsageFilter, ListInput: iam.ListInput{PathPrefix: in.PathPrefix, Marker: in.Marker, MaxItems: in.MaxItems}})
	if err != nil {
		return nil, err
	}
	out := &listManagedOutput{Policies: []managedPolicy{}, Page: pageOf(next)}
	for _, p := range pols {
		mp := policyOut(p)
		mp.Description, mp.Tags = "", nil // ListPolicies returns neither
		out.Policies = append(out.Policies, mp)
	}
	return out, nil
}

func (h *handler) deletePolicy(ctx context.Context, c *api.Call, in *policyArnInput) (*struct{}, error) {
	return nil, h.ids.DeletePolicy(ctx, c.Caller, in.PolicyArn)
}

// policyVersion is IAM's PolicyVersion shape.
type policyVersion struct {
	Document         string `xml:",omitempty"`
	VersionId        string
	IsDefaultVersion bool
	CreateDate       time.Time
}

func versionOut(v *iam.PolicyVersion, withDocument bool) policyVersion {
	out := policyVersion{VersionId: v.ID, IsDefaultVersion: v.Default, CreateDate: v.Created}
	if withDocument {
		out.Document = encodeDocument(v.Document)
	}
	return out
}

type policyVersionOutput struct {
	PolicyVersion policyVersion
}

type createPolicyVersionInput struct {
	PolicyArn      string
	PolicyDocument string
	SetAsDefault   bool
}

func (h *handler) createPolicyVersion(ctx context.Context, c *api.Call, in *createPolicyVersionInput) (*policyVersionOutput, error) {
	v, err := h.ids.CreatePolicyVersion(ctx, c.Caller, in.PolicyArn, in.PolicyDocument, in.SetAsDefault)
	if err != nil {
		return nil, err
	}
	return &policyVersionOutput{PolicyVersion: versionOut(v, false)}, nil
}

type versionInput struct {
	PolicyArn string
	VersionId string
}

func (h *handler) getPolicyVersion(ctx context.Context, c *api.Call, in *versionInput) (*policyVersionOutput, error) {
	v, err := h.ids.GetPolicyVersion(ctx, c.Caller, in.PolicyArn, in.VersionId)
	if err != nil {
		return nil, err
	}
	return &policyVersionOutput{PolicyVersion: versionOut(v, true)}, nil
}

type listPolicyVersionsOutput struct {
	Versions []policyVersion `xml:"Versions>member"`
	Page
}

func (h *handler) listPolicyVersions(ctx context.Context, c *api.Call, in *policyArnInput) (*listPolicyVersionsOutput, error) {
	vs, err := h.ids.ListPolicyVersions(ctx, c.Caller, in.PolicyArn)
	if err != nil {
		return nil, err
	}
	out := &listPolicyVersionsOutput{Versions: []policyVersion{}}
	for i := range vs {
		out.Versions = append(out.Versions, versionOut(&vs[i], false))
	}
	return out, nil
}

func (h *handler) deletePolicyVersion(ctx context.Context, c *api.Call, in *versionInput) (*struct{}, error) {
	return nil, h.ids.DeletePolicyVersion(ctx, c.Caller, in.PolicyArn, in.VersionId)
}

func (h *handler) setDefaultPolicyVersion(ctx context.Context, c *api.Call, in *versionInput) (*struct{}, error) {
	return nil, h.ids.SetDefaultPolicyVersion(ctx, c.Caller, in.PolicyArn, in.VersionId)
}

type listEntitiesInput struct {
	PolicyArn         string
	EntityFilter      string
	PolicyUsageFilter string
}

type policyUser struct {
	UserName string
	UserId   string
}

type policyRole struct {
	RoleName string
	RoleId   string
}

type listEntitiesOutput struct {
	PolicyGroups []struct{}   `xml:"PolicyGroups>member"`
	PolicyUsers  []policyUser `xml:"PolicyUsers>member"`
	PolicyRoles  []policyRole `xml:"PolicyRoles>member"`
	Page
}

func (h *handler) listEntitiesForPolicy(ctx context.Context, c *api.Call, in *listEntitiesInput) (*listEntitiesOutput, error) {
	ents, err := h.ids.ListEntitiesForPolicy(ctx, c.Caller, in.PolicyArn, in.EntityFilter, in.PolicyUsageFilter)
	if err != nil {
		return nil, err
	}
	out := &listEntitiesOutput{PolicyGroups: []struct{}{}, PolicyUsers: []policyUser{}, PolicyRoles: []policyRole{}}
	for _, u := range ents.Users {
		out.PolicyUsers = append(out.PolicyUsers, policyUser{UserName: u.Name, UserId: u.ID})
	}
	for _, r := range ents.Roles {
		out.PolicyRoles = append(out.PolicyRoles, policyRole{RoleName: r.Name, RoleId: r.ID})
	}
	return out, nil
}
