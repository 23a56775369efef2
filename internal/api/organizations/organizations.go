// Package organizations serves the AWS Organizations API (JSON 1.1): the organization, member accounts
// (CreateAccount with DescribeCreateAccountStatus), organizational units and service control policies.
package organizations

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/iam"
)

// TargetPrefix is Organizations' X-Amz-Target prefix.
const TargetPrefix = "AWSOrganizationsV20161128"

// New returns the Organizations service backed by the identity service.
func New(ids *iam.Service) *api.Service {
	h := &handler{ids: ids}
	ops := []*api.Op{
		api.JSON("DescribeOrganization", "organizations:DescribeOrganization", true, h.describeOrganization),
		api.JSON("ListRoots", "organizations:ListRoots", true, h.listRoots),
	}
	ops = append(ops, h.accountOps()...)
	ops = append(ops, h.unitOps()...)
	ops = append(ops, h.policyOps()...)
	return &api.Service{
		Name:         "organizations",
		EventSource:  "organizations.amazonaws.com",
		Protocol:     awsproto.JSON11,
		TargetPrefix: TargetPrefix,
		Global:       true,
		Ops:          api.Ops(ops...),
	}
}

type handler struct{ ids *iam.Service }

func stamp(t time.Time) *awsproto.Timestamp {
	if t.IsZero() {
		return nil
	}
	ts := awsproto.Timestamp(t)
	return &ts
}

type policyTypeSummary struct {
	Type   string
	Status string
}

type organization struct {
	Id                   string
	Arn                  string
	FeatureSet           string
	MasterAccountArn     string
	MasterAccountId      string
	MasterAccountEmail   string `json:",omitempty"`
	AvailablePolicyTypes []policyTypeSummary
}

type describeOrganizationOutput struct {
	Organization organization
}

func (h *handler) describeOrganization(ctx context.Context, c *api.Call, _ *struct{}) (*describeOrganizationOutput, error) {
	org, err := h.ids.DescribeOrganization(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := organization{Id: org.ID, Arn: org.ARN(), FeatureSet: "ALL", MasterAccountArn: org.AccountARN(org.ManagementAccount),
		MasterAccountId: org.ManagementAccount, AvailablePolicyTypes: []policyTypeSummary{}}
	if org.SCPEnabled {
		out.AvailablePolicyTypes = append(out.AvailablePolicyTypes, policyTypeSummary{Type: iam.PolicyTypeSCP, Status: "ENABLED"})
	}
	return &describeOrganizationOutput{Organization: out}, nil
}

type root struct {
	Id          string
	Arn         string
	Name        string
	PolicyTypes []policyTypeSummary
}

func rootOut(r *iam.Root) root {
	out := root{Id: r.ID, Arn: r.ARN, Name: r.Name, PolicyTypes: []policyTypeSummary{}}
	if r.SCPEnabled {
		out.PolicyTypes = append(out.PolicyTypes, policyTypeSummary{Type: iam.PolicyTypeSCP, Status: "ENABLED"})
	}
	return out
}

type listRootsOutput struct {
	Roots []root
}

func (h *handler) listRoots(ctx context.Context, c *api.Call, _ *struct{}) (*listRootsOutput, error) {
	roots, err := h.ids.ListRoots(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := &listRootsOutput{Roots: []root{}}
	for i := range roots {
		out.Roots = append(out.Roots, rootOut(&roots[i]))
	}
	return out, nil
}
