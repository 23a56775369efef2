package events

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/eventbus"
)

type putRuleIn struct {
	Name, ScheduleExpression, EventPattern, State, Description, RoleArn, EventBusName string
	Tags                                                                              []tag
}

type putRuleOut struct{ RuleArn string }

func (h *handler) putRule(ctx context.Context, c *api.Call, in *putRuleIn) (*putRuleOut, error) {
	arn, err := h.svc.PutRule(ctx, c.Caller, eventbus.RuleInput{Name: in.Name, EventBusName: in.EventBusName, EventPattern: in.EventPattern,
		ScheduleExpression: in.ScheduleExpression, State: in.State, Description: in.Description, RoleARN: in.RoleArn, Tags: tagsIn(in.Tags)})
	if err != nil {
		return nil, err
	}
	return &putRuleOut{RuleArn: arn}, nil
}

type ruleIn struct {
	Name, EventBusName string
	Force              bool
}

// ruleOut is the Rule and DescribeRule shapes.
type ruleOut struct {
	Name, Arn          string
	EventPattern       string `json:",omitempty"`
	ScheduleExpression string `json:",omitempty"`
	State              string
	Description        string `json:",omitempty"`
	RoleArn            string `json:",omitempty"`
	ManagedBy          string `json:",omitempty"`
	EventBusName       string
	CreatedBy          string `json:",omitempty"`
}

func ruleOf(r *eventbus.Rule) ruleOut {
	return ruleOut{Name: r.Name, Arn: r.ARN, EventPattern: r.EventPattern, ScheduleExpression: r.ScheduleExpression, State: r.State,
		Description: r.Description, RoleArn: r.RoleARN, ManagedBy: r.ManagedBy, EventBusName: r.Bus, CreatedBy: r.CreatedBy}
}

func (h *handler) describeRule(ctx context.Context, c *api.Call, in *ruleIn) (*ruleOut, error) {
	r, err := h.svc.DescribeRule(ctx, c.Caller, in.Name, in.EventBusName)
	if err != nil {
		return nil, err
	}
	out := ruleOf(r)
	return &out, nil
}

func (h *handler) enableRule(ctx context.Context, c *api.Call, in *ruleIn) (*empty, error) {
	return &empty{}, h.svc.EnableRule(ctx, c.Caller, in.Name, in.EventBusName)
}

func (h *handler) disableRule(ctx context.Context, c *api.Call, in *ruleIn) (*empty, error) {
	return &empty{}, h.svc.DisableRule(ctx, c.Caller, in.Name, in.EventBusName)
}

func (h *handler) deleteRule(ctx context.Context, c *api.Call, in *ruleIn) (*empty, error) {
	return &empty{}, h.svc.DeleteRule(ctx, c.Caller, in.Name, in.EventBusName, in.Force)
}

type listRulesIn struct {
	NamePrefix, EventBusName, NextToken, TargetArn string
	Limit                                          int
}

type listRulesOut struct {
	Rules     []ruleOut
	NextToken string `json:",omitempty"`
}

func (h *handler) listRules(ctx context.Context, c *api.Call, in *listRulesIn) (*listRulesOut, error) {
	rules, next, err := h.svc.ListRules(ctx, c.Caller, in.EventBusName, in.NamePrefix, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &listRulesOut{Rules: []ruleOut{}, NextToken: next}
	for _, r := range rules {
		out.Rules = append(out.Rules, ruleOf(r))
	}
	return out, nil
}

type listRuleNamesOut struct {
	RuleNames []string
	NextToken string `json:",omitempty"`
}

func (h *handler) listRuleNamesByTarget(ctx context.Context, c *api.Call, in *listRulesIn) (*listRuleNamesOut, error) {
	names, next, err := h.svc.ListRuleNamesByTarget(ctx, c.Caller, in.EventBusName, in.TargetArn, in.NextToken, in.Limit)
	if err != nil {
		return nil, err
	}
	if names == nil {
		names = []string{}
	}
	return &listRuleNamesOut{RuleNames: names, NextToken: next}, nil
}

type keyValue struct {
	Key, Value    string
	IsValueSecret bool `json:",omitempty"`
}

type httpParameters struct {
	PathParameterValues   []string          `json:",omitempty"`
	HeaderParameters      map[string]string `json:",omitempty"`
	QueryStringParameters map[string]string `json:",omitempty"`
}

type target struct {
	Id, Arn          string
	RoleArn          string `json:",omitempty"`
	Input            string `json:",omitempty"`
	InputPath        string `json:",omitempty"`
	InputTransformer *struct {
		InputPathsMap map[string]string `json:",omitempty"`
		InputTemplate string
	} `json:",omitempty"`
	SqsParameters *struct {
		MessageGroupId string
	} `json:",omitempty"`
	HttpParameters   *httpParameters `json:",omitempty"`
	DeadLetterConfig *struct {
		Arn string
	} `json:",omitempty"`
	RetryPolicy *struct {
		MaximumRetryAttempts     *int `json:",omitempty"`
		MaximumEventAgeInSeconds *int `json:",omitempty"`
	} `json:",omitempty"`
}

func targetIn(t target) eventbus.Target {
	out := eventbus.Target{ID: t.Id, ARN: t.Arn, RoleARN: t.RoleArn, Input: t.Input, InputPath: t.InputPath}
	if x := t.InputTransformer; x != nil {
		out.InputTransformer = &eventbus.InputTransformer{InputPathsMap: x.InputPathsMap, InputTemplate: x.InputTemplate}
	}
	if t.SqsParameters != nil {
		out.MessageGroupID = t.SqsParameters.MessageGroupId
	}
	if p := t.HttpParameters; p != nil {
		out.HTTP = &eventbus.HTTPParameters{PathParameterValues: p.PathParameterValues, HeaderParameters: p.HeaderParameters,
			QueryStringParameters: p.QueryStringParameters}
	}
	if t.DeadLetterConfig != nil {
		out.DeadLetterARN = t.DeadLetterConfig.Arn
	}
	if p := t.RetryPolicy; p != nil {
		out.RetryPolicy = &eventbus.RetryPolicy{MaximumRetryAttempts: p.MaximumRetryAttempts, MaximumEventAgeInSeconds: p.MaximumEventAgeInSeconds}
	}
	return out
}

func targetOut(t eventbus.Target) target {
	out := target{Id: t.ID, Arn: t.ARN, RoleArn: t.RoleARN, Input: t.Input, InputPath: t.InputPath}
	if x := t.InputTransformer; x != nil {
		out.InputTransformer = &struct {
			InputPathsMap map[string]string `json:",omitempty"`
			InputTemplate string
		}{x.InputPathsMap, x.InputTemplate}
	}
	if t.MessageGroupID != "" {
		out.SqsParameters = &struct{ MessageGroupId string }{t.MessageGroupID}
	}
	if p := t.HTTP; p != nil {
		out.HttpParameters = &httpParameters{p.PathParameterValues, p.HeaderParameters, p.QueryStringParameters}
	}
	if t.DeadLetterARN != "" {
		out.DeadLetterConfig = &struct{ Arn string }{t.DeadLetterARN}
	}
	if p := t.RetryPolicy; p != nil {
		out.RetryPolicy = &struct {
			MaximumRetryAttempts     *int `json:",omitempty"`
			MaximumEventAgeInSeconds *int `json:",omitempty"`
		}{p.MaximumRetryAttempts, p.MaximumEventAgeInSeconds}
	}
	return out
}

type putTargetsIn struct {
	Rule, EventBusName string
	Targets            []target
	Ids                []string
	Force              bool
	NextToken          string
	Limit              int
}

type failedEntry struct{ TargetId, ErrorCode, ErrorMessage string }

type failedOut struct {
	FailedEntryCount int
	FailedEntries    []failedEntry
}

func failed(fs []eventbus.FailedEntry) *failedOut {
	out := &failedOut{FailedEntryCount: len(fs), FailedEntries: []failedEntry{}}
	for _, f := range fs {
		out.FailedEntries = append(out.FailedEntries, failedEntry{f.TargetID, f.ErrorCode, f.ErrorMessage})
	}
	return out
}

func (h *handler) putTargets(ctx context.Context, c *api.Call, in *putTargetsIn) (*failedOut, error) {
	ts := make([]eventbus.Target, len(in.Targets))
	for i, t := range in.Targets {
		ts[i] = targetIn(t)
	}
	fs, err := h.svc.PutTargets(ctx, c.Caller, in.Rule, in.EventBusName, ts)
	if err != nil {
		return nil, err
	}
	return failed(fs), nil
}

func (h *handler) removeTargets(ctx context.Context, c *api.Call, in *putTargetsIn) (*failedOut, error) {
	fs, err := h.svc.RemoveTargets(ctx, c.Caller, in.Rule, in.EventBusName, in.Ids, in.Force)
	if err != nil {
		return nil, err
	}
	return failed(fs), nil
}

type listTargetsOut struct{ Targets []target }

func (h *handler) listTargetsByRule(ctx context.Context, c *api.Call, in *putTargetsIn) (*listTargetsOut, error) {
	ts, err := h.svc.ListTargetsByRule(ctx, c.Caller, in.Rule, in.EventBusName)
	if err != nil {
		return nil, err
	}
	out := &listTargetsOut{Targets: []target{}}
	for _, t := range ts {
		out.Targets = append(out.Targets, targetOut(t))
	}
	return out, nil
}
