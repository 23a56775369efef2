package organizations

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

func (h *handler) unitOps() []*api.Op {
	return []*api.Op{
		api.JSON("CreateOrganizationalUnit", "organizations:CreateOrganizationalUnit", false, h.createOrganizationalUnit),
		api.JSON("DescribeOrganizationalUnit", "organizations:DescribeOrganizationalUnit", true, h.describeOrganizationalUnit),
		api.JSON("UpdateOrganizationalUnit", "organizations:UpdateOrganizationalUnit", false, h.updateOrganizationalUnit),
		api.JSON("DeleteOrganizationalUnit", "organizations:DeleteOrganizationalUnit", false, h.deleteOrganizationalUnit),
		api.JSON("ListOrganizationalUnitsForParent", "organizations:ListOrganizationalUnitsForParent", true, h.listOrganizationalUnitsForParent),
		api.JSON("ListParents", "organizations:ListParents", true, h.listParents),
	}
}

type organizationalUnit struct {
	Id   string
	Arn  string
	Name string
}

func unitOut(ou *iam.OU) organizationalUnit {
	return organizationalUnit{Id: ou.ID, Arn: ou.ARN, Name: ou.Name}
}

type unitOutput struct {
	OrganizationalUnit organizationalUnit
}

type createUnitInput struct {
	ParentId string
	Name     string
}

func (h *handler) createOrganizationalUnit(ctx context.Context, c *api.Call, in *createUnitInput) (*unitOutput, error) {
	ou, err := h.ids.CreateOrganizationalUnit(ctx, c.Caller, in.ParentId, in.Name)
	if err != nil {
		return nil, err
	}
	return &unitOutput{OrganizationalUnit: unitOut(ou)}, nil
}

type unitIDInput struct {
	OrganizationalUnitId string
	Name                 string `json:",omitempty"`
}

func (h *handler) describeOrganizationalUnit(ctx context.Context, c *api.Call, in *unitIDInput) (*unitOutput, error) {
	ou, err := h.ids.DescribeOrganizationalUnit(ctx, c.Caller, in.OrganizationalUnitId)
	if err != nil {
		return nil, err
	}
	return &unitOutput{OrganizationalUnit: unitOut(ou)}, nil
}

func (h *handler) updateOrganizationalUnit(ctx context.Context, c *api.Call, in *unitIDInput) (*unitOutput, error) {
	ou, err := h.ids.RenameOrganizationalUnit(ctx, c.Caller, in.OrganizationalUnitId, in.Name)
	if err != nil {
		return nil, err
	}
	return &unitOutput{OrganizationalUnit: unitOut(ou)}, nil
}

func (h *handler) deleteOrganizationalUnit(ctx context.Context, c *api.Call, in *unitIDInput) (*struct{}, error) {
	return nil, h.ids.DeleteOrganizationalUnit(ctx, c.Caller, in.OrganizationalUnitId)
}

type parentInput struct {
	ParentId   string
	NextToken  string `json:",omitempty"`
	MaxResults int    `json:",omitempty"`
}

type listUnitsOutput struct {
	OrganizationalUnits []organizationalUnit
}

func (h *handler) listOrganizationalUnitsForParent(ctx context.Context, c *api.Call, in *parentInput) (*listUnitsOutput, error) {
	ous, err := h.ids.ListOrganizationalUnitsForParent(ctx, c.Caller, in.ParentId)
	if err != nil {
		return nil, err
	}
	out := &listUnitsOutput{OrganizationalUnits: []organizationalUnit{}}
	for i := range ous {
		out.OrganizationalUnits = append(out.OrganizationalUnits, unitOut(&ous[i]))
	}
	return out, nil
}

type childInput struct {
	ChildId string
}

type parent struct {
	Id   string
	Type string
}

type listParentsOutput struct {
	Parents []parent
}

func (h *handler) listParents(ctx context.Context, c *api.Call, in *childInput) (*listParentsOutput, error) {
	ps, err := h.ids.ListParents(ctx, c.Caller, in.ChildId)
	if err != nil {
		return nil, err
	}
	out := &listParentsOutput{Parents: []parent{}}
	for _, p := range ps {
		out.Parents = append(out.Parents, parent{Id: p.ID, Type: p.Type})
	}
	return out, nil
}
