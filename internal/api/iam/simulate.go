package iam

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

func (h *handler) simulateOps() []*api.Op {
	return []*api.Op{
		api.Query("SimulateCustomPolicy", "iam:SimulateCustomPolicy", true, h.simulateCustomPolicy),
		api.Query("SimulatePrincipalPolicy", "iam:SimulatePrincipalPolicy", true, h.simulatePrincipalPolicy),
		api.Query("GetContextKeysForCustomPolicy", "iam:GetContextKeysForCustomPolicy", true, h.getContextKeysForCustomPolicy),
	}
}

type contextEntry struct {
	ContextKeyName   string
	ContextKeyValues []string
	ContextKeyType   string
}

type simulateInput struct {
	PolicySourceArn                    string
	PolicyInputList                    []string
	PermissionsBoundaryPolicyInputList []string
	ActionNames                        []string
	ResourceArns                       []string
	ResourcePolicy                     string
	ResourceOwner                      string
	CallerArn                          string
	ContextEntries                     []contextEntry
	ResourceHandlingOption             string
	MaxItems                           int
	Marker                             string
}

func (in *simulateInput) domain() iam.SimulateInput {
	out := iam.SimulateInput{PolicySourceARN: in.PolicySourceArn, Policies: in.PolicyInputList, Boundaries: in.PermissionsBoundaryPolicyInputList,
		Actions: in.ActionNames, Resources: in.ResourceArns, ResourcePolicy: in.ResourcePolicy, ResourceOwner: in.ResourceOwner,
		CallerARN: in.CallerArn, Marker: in.Marker, MaxItems: in.MaxItems}
	for _, ce := range in.ContextEntries {
		out.Context = append(out.Context, iam.ContextEntry{Key: ce.ContextKeyName, Values: ce.ContextKeyValues, Type: ce.ContextKeyType})
	}
	return out
}

type position struct {
	Line   int
	Column int
}

type statement struct {
	SourcePolicyId   string
	SourcePolicyType string
	StartPosition    position
	EndPosition      position
}

type boundaryDetail struct {
	AllowedByPermissionsBoundary bool
}

type evaluationResult struct {
	EvalActionName                    string
	EvalResourceName                  string
	EvalDecision                      string
	MatchedStatements                 []statement     `xml:"MatchedStatements>member"`
	MissingContextValues              []string        `xml:"MissingContextValues>member"`
	PermissionsBoundaryDecisionDetail *boundaryDetail `xml:",omitempty"`
}

type simulateOutput struct {
	EvaluationResults []evaluationResult `xml:"EvaluationResults>member"`
	Page
}

func simulateOut(results []iam.SimulationResult, next string) *simulateOutput {
	out := &simulateOutput{EvaluationResults: []evaluationResult{}, Page: pageOf(next)}
	for _, r := range results {
		er := evaluationResult{EvalActionName: r.Action, EvalResourceName: r.Resource, EvalDecision: r.Decision,
			MatchedStatements: []statement{}, MissingContextValues: append([]string{}, r.Missing...)}
		for _, m := range r.Matched {
			er.MatchedStatements = append(er.MatchedStatements, statement{SourcePolicyId: m.SourcePolicyID, SourcePolicyType: m.SourcePolicyType,
				StartPosition: position{m.Start.Line, m.Start.Column}, EndPosition: position{m.End.Line, m.End.Column}})
		}
		if r.BoundaryAllowed != nil {
			er.PermissionsBoundaryDecisionDetail = &boundaryDetail{AllowedByPermissionsBoundary: *r.BoundaryAllowed}
		}
		out.EvaluationResults = append(out.EvaluationResults, er)
	}
	return out
}

func (h *handler) simulateCustomPolicy(ctx context.Context, c *api.Call, in *simulateInput) (*simulateOutput, error) {
	results, next, err := h.ids.SimulateCustomPolicy(ctx, c.Caller, in.domain())
	if err != nil {
		return nil, err
	}
	return simulateOut(results, next), nil
}

func (h *handler) simulatePrincipalPolicy(ctx context.Context, c *api.Call, in *simulateInput) (*simulateOutput, error) {
	results, next, err := h.ids.SimulatePrincipalPolicy(ctx, c.Caller, in.domain())
	if err != nil {
		return nil, err
	}
	return simulateOut(results, next), nil
}

type contextKeysInput struct {
	PolicyInputList []string
}

type contextKeysOutput struct {
	ContextKeyNames []string `xml:"ContextKeyNames>member"`
}

func (h *handler) getContextKeysForCustomPolicy(ctx context.Context, c *api.Call, in *contextKeysInput) (*contextKeysOutput, error) {
	keys, err := h.ids.ContextKeysForCustomPolicy(ctx, c.Caller, in.PolicyInputList)
	if err != nil {
		return nil, err
	}
	return &contextKeysOutput{ContextKeyNames: append([]string{}, keys...)}, nil
}
