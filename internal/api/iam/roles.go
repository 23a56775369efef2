package iam

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

func (h *handler) roleOps() []*api.Op {
	return []*api.Op{
		api.Query("CreateRole", "iam:CreateRole", false, h.createRole),
		api.Query("GetRole", "iam:GetRole", true, h.getRole),
		api.Query("ListRoles", "iam:ListRoles", true, h.listRoles),
		api.Query("DeleteRole", "iam:DeleteRole", false, h.deleteRole),
		api.Query("UpdateAssumeRolePolicy", "iam:UpdateAssumeRolePolicy", false, h.updateAssumeRolePolicy),
		api.Query("UpdateRole", "iam:UpdateRole", false, h.updateRole),
		api.Query("CreateServiceLinkedRole", "iam:CreateServiceLinkedRole", false, h.createServiceLinkedRole),
		api.Query("DeleteServiceLinkedRole", "iam:DeleteServiceLinkedRole", false, h.deleteServiceLinkedRole),
		api.Query("GetServiceLinkedRoleDeletionStatus", "iam:GetServiceLinkedRoleDeletionStatus", true, h.getServiceLinkedRoleDeletionStatus),
	}
}

// role is IAM's Role shape.
type role struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               time.Time
	AssumeRolePolicyDocument string    `xml:",omitempty"`
	Description              string    `xml:",omitempty"`
	MaxSessionDuration       int       `xml:",omitempty"`
	PermissionsBoundary      *boundary `xml:",omitempty"`
	Tags                     []tag     `xml:"Tags>member,omitempty"`
}

func roleOut(r *iam.Role) role {
	return role{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN(), CreateDate: r.Created,
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy), Description: r.Description,
		MaxSessionDuration: r.MaxSessionDuration, PermissionsBoundary: boundaryOut(r.Boundary), Tags: tagsOut(r.Tags)}
}

type roleOutput struct {
	Role role
}

type createRoleInput struct {
	RoleName                 string
	Path                     string
	AssumeRolePolicyDocument string
	Description              string
	MaxSessionDuration       int
	PermissionsBoundary      string
	Tags                     []tag
}

func (h *handler) createRole(ctx context.Context, c *api.Call, in *createRoleInput) (*roleOutput, error) {
	r, err := h.ids.CreateRole(ctx, c.Caller, iam.CreateRoleInput{Name: in.RoleName, Path: in.Path, TrustPolicy: in.AssumeRolePolicyDocument,
		Description: in.Description, MaxSessionDuration: in.MaxSessionDuration, Boundary: in.PermissionsBoundary, Tags: tagsIn(in.Tags)})
	if err != nil {
		return nil, err
	}
	c.AddResource(r.ARN(), r.Account, "AWS::IAM::Role")
	return &roleOutput{Role: roleOut(r)}, nil
}

type roleNameInput struct {
	RoleName string
}

func (h *handler) getRole(ctx context.Context, c *api.Call, in *roleNameInput) (*roleOutput, error) {
	r, err := h.ids.GetRole(ctx, c.Caller, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &roleOutput{Role: roleOut(r)}, nil
}

type listRolesOutput struct {
	Roles []role `xml:"Roles>member"`
	Page
}

func (h *handler) listRoles(ctx context.Context, c *api.Call, in *listInput) (*listRolesOutput, error) {
	roles, next, err := h.ids.ListRoles(ctx, c.Caller, in.domain())
	if err != nil {
		return nil, err
	}
	out := &listRolesOutput{Roles: make([]role, 0, len(roles)), Page: pageOf(next)}
	for _, r := range roles {
		// ListRoles returns neither tags nor the permissions boundary.
		r.Tags, r.Boundary = nil, ""
		out.Roles = append(out.Roles, roleOut(r))
	}
	return out, nil
}

func (h *handler) deleteRole(ctx context.Context, c *api.Call, in *roleNameInput) (*struct{}, error) {
	return nil, h.ids.DeleteRole(ctx, c.Caller, in.RoleName)
}

type updateAssumeRolePolicyInput struct {
	RoleName       string
	PolicyDocument string
}

func (h *handler) updateAssumeRolePolicy(ctx context.Context, c *api.Call, in *updateAssumeRolePolicyInput) (*struct{}, error) {
	return nil, h.ids.UpdateAssumeRolePolicy(ctx, c.Caller, in.RoleName, in.PolicyDocument)
}

type updateRoleInput struct {
	RoleName           string
	Description        *string
	MaxSessionDuration *int
}

// updateRole answers with an empty UpdateRoleResult element, which the model has and botocore expects.
func (h *handler) updateRole(ctx context.Context, c *api.Call, in *updateRoleInput) (*struct{}, error) {
	return &struct{}{}, h.ids.UpdateRole(ctx, c.Caller, in.RoleName, iam.UpdateRoleInput{Description: in.Description, MaxSessionDuration: in.MaxSessionDuration})
}

type createServiceLinkedRoleInput struct {
	AWSServiceName string
	Description    string
	CustomSuffix   string
}

func (h *handler) createServiceLinkedRole(ctx context.Context, c *api.Call, in *createServiceLinkedRoleInput) (*roleOutput, error) {
	r, err := h.ids.CreateServiceLinkedRole(ctx, c.Caller, in.AWSServiceName, in.Description, in.CustomSuffix)
	if err != nil {
		return nil, err
	}
	c.AddResource(r.ARN(), r.Account, "AWS::IAM::Role")
	return &roleOutput{Role: roleOut(r)}, nil
}

type deleteServiceLinkedRoleOutput struct {
	DeletionTaskId string
}

func (h *handler) deleteServiceLinkedRole(ctx context.Context, c *api.Call, in *roleNameInput) (*deleteServiceLinkedRoleOutput, error) {
	task, err := h.ids.DeleteServiceLinkedRole(ctx, c.Caller, in.RoleName)
	if err != nil {
		return nil, err
	}
	return &deleteServiceLinkedRoleOutput{DeletionTaskId: task}, nil
}

type deletionStatusInput struct {
	DeletionTaskId string
}

type deletionStatusOutput struct {
	Status string
}

func (h *handler) getServiceLinkedRoleDeletionStatus(ctx context.Context, c *api.Call, in *deletionStatusInput) (*deletionStatusOutput, error) {
	status, err := h.ids.ServiceLinkedRoleDeletionStatus(ctx, c.Caller, in.DeletionTaskId)
	if err != nil {
		return nil, err
	}
	return &deletionStatusOutput{Status: status}, nil
}
