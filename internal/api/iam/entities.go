package iam

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

// entityOps are the operations users and roles share, for one kind: inline policies, attached managed
// policies, permissions boundaries and tags (PutUserPolicy/PutRolePolicy, …).
func (h *handler) entityOps(kind iam.EntityKind) []*api.Op {
	k := "User"
	if kind == iam.KindRole {
		k = "Role"
	}
	e := entityHandler{h: h, kind: kind}
	return []*api.Op{
		api.Query("Put"+k+"Policy", "iam:Put"+k+"Policy", false, e.putPolicy),
		api.Query("Get"+k+"Policy", "iam:Get"+k+"Policy", true, e.getPolicy),
		api.Query("List"+k+"Policies", "iam:List"+k+"Policies", true, e.listPolicies),
		api.Query("Delete"+k+"Policy", "iam:Delete"+k+"Policy", false, e.deletePolicy),
		api.Query("Attach"+k+"Policy", "iam:Attach"+k+"Policy", false, e.attachPolicy),
		api.Query("Detach"+k+"Policy", "iam:Detach"+k+"Policy", false, e.detachPolicy),
		api.Query("ListAttached"+k+"Policies", "iam:ListAttached"+k+"Policies", true, e.listAttachedPolicies),
		api.Query("Put"+k+"PermissionsBoundary", "iam:Put"+k+"PermissionsBoundary", false, e.putBoundary),
		api.Query("Delete"+k+"PermissionsBoundary", "iam:Delete"+k+"PermissionsBoundary", false, e.deleteBoundary),
		api.Query("Tag"+k, "iam:Tag"+k, false, e.tag),
		api.Query("Untag"+k, "iam:Untag"+k, false, e.untag),
		api.Query("List"+k+"Tags", "iam:List"+k+"Tags", true, e.listTags),
	}
}

type entityHandler struct {
	h    *handler
	kind iam.EntityKind
}

// name picks the user or role name of a request; the operation's kind says which one it carries.
func (e entityHandler) name(user, role string) string {
	if e.kind == iam.KindUser {
		return user
	}
	return role
}

type putPolicyInput struct {
	UserName       string
	RoleName       string
	PolicyName     string
	PolicyDocument string
}

func (e entityHandler) putPolicy(ctx context.Context, c *api.Call, in *putPolicyInput) (*struct{}, error) {
	return nil, e.h.ids.PutInlinePolicy(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.PolicyName, in.PolicyDocument)
}

type policyNameInput struct {
	UserName   string
	RoleName   string
	PolicyName string
}

type getPolicyOutput struct {
	UserName       string `xml:",omitempty"`
	RoleName       string `xml:",omitempty"`
	PolicyName     string
	PolicyDocument string
}

func (e entityHandler) getPolicy(ctx context.Context, c *api.Call, in *policyNameInput) (*getPolicyOutput, error) {
	p, err := e.h.ids.GetInlinePolicy(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.PolicyName)
	if err != nil {
		return nil, err
	}
	out := &getPolicyOutput{PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}
	if e.kind == iam.KindUser {
		out.UserName = p.EntityName
	} else {
		out.RoleName = p.EntityName
	}
	return out, nil
}

type entityListInput struct {
	UserName   string
	RoleName   string
	PathPrefix string
	Marker     string
	MaxItems   int
}

func (in *entityListInput) domain() iam.ListInput {
	return iam.ListInput{PathPrefix: in.PathPrefix, Marker: in.Marker, MaxItems: in.MaxItems}
}

type listPoliciesOutput struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	Page
}

func (e entityHandler) listPolicies(ctx context.Context, c *api.Call, in *entityListInput) (*listPoliciesOutput, error) {
	names, next, err := e.h.ids.ListInlinePolicies(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.domain())
	if err != nil {
		return nil, err
	}
	return &listPoliciesOutput{PolicyNames: append([]string{}, names...), Page: pageOf(next)}, nil
}

func (e entityHandler) deletePolicy(ctx context.Context, c *api.Call, in *policyNameInput) (*struct{}, error) {
	return nil, e.h.ids.DeleteInlinePolicy(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.PolicyName)
}

type policyARNInput struct {
	UserName  string
	RoleName  string
	PolicyArn string
}

func (e entityHandler) attachPolicy(ctx context.Context, c *api.Call, in *policyARNInput) (*struct{}, error) {
	return nil, e.h.ids.AttachPolicy(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.PolicyArn)
}

func (e entityHandler) detachPolicy(ctx context.Context, c *api.Call, in *policyARNInput) (*struct{}, error) {
	return nil, e.h.ids.DetachPolicy(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.PolicyArn)
}

type attachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

type listAttachedOutput struct {
	AttachedPolicies []attachedPolicy `xml:"AttachedPolicies>member"`
	Page
}

func (e entityHandler) listAttachedPolicies(ctx context.Context, c *api.Call, in *entityListInput) (*listAttachedOutput, error) {
	pols, next, err := e.h.ids.ListAttachedPolicies(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.domain())
	if err != nil {
		return nil, err
	}
	out := &listAttachedOutput{AttachedPolicies: []attachedPolicy{}, Page: pageOf(next)}
	for _, p := range pols {
		out.AttachedPolicies = append(out.AttachedPolicies, attachedPolicy{PolicyName: p.Name, PolicyArn: p.ARN})
	}
	return out, nil
}

type boundaryInput struct {
	UserName            string
	RoleName            string
	PermissionsBoundary string
}

func (e entityHandler) putBoundary(ctx context.Context, c *api.Call, in *boundaryInput) (*struct{}, error) {
	return nil, e.h.ids.PutPermissionsBoundary(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.PermissionsBoundary)
}

func (e entityHandler) deleteBoundary(ctx context.Context, c *api.Call, in *entityListInput) (*struct{}, error) {
	return nil, e.h.ids.DeletePermissionsBoundary(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName))
}

type tagInput struct {
	UserName string
	RoleName string
	Tags     []tag
}

func (e entityHandler) tag(ctx context.Context, c *api.Call, in *tagInput) (*struct{}, error) {
	return nil, e.h.ids.TagEntity(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), tagsIn(in.Tags))
}

type untagInput struct {
	UserName string
	RoleName string
	TagKeys  []string
}

func (e entityHandler) untag(ctx context.Context, c *api.Call, in *untagInput) (*struct{}, error) {
	return nil, e.h.ids.UntagEntity(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName), in.TagKeys)
}

type listTagsOutput struct {
	Tags []tag `xml:"Tags>member"`
	Page
}

func (e entityHandler) listTags(ctx context.Context, c *api.Call, in *entityListInput) (*listTagsOutput, error) {
	tags, err := e.h.ids.EntityTags(ctx, c.Caller, e.kind, e.name(in.UserName, in.RoleName))
	if err != nil {
		return nil, err
	}
	return &listTagsOutput{Tags: tagsOut(tags)}, nil
}
