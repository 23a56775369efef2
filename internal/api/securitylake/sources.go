package securitylake

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/lake"
)

type awsSourcesIn struct {
	Sources []lake.AwsSourceConfiguration `json:"sources"`
}

type failedOut struct {
	Failed []string `json:"failed"`
}

func (h *handler) createAwsLogSource(ctx context.Context, c *api.Call, in *awsSourcesIn) (*failedOut, error) {
	failed, err := h.svc.CreateAwsLogSource(ctx, c.Caller, in.Sources)
	if err != nil {
		return nil, err
	}
	return &failedOut{Failed: failed}, nil
}

func (h *handler) deleteAwsLogSource(ctx context.Context, c *api.Call, in *awsSourcesIn) (*failedOut, error) {
	failed, err := h.svc.DeleteAwsLogSource(ctx, c.Caller, in.Sources)
	if err != nil {
		return nil, err
	}
	return &failedOut{Failed: failed}, nil
}

type createCustomLogSourceIn struct {
	Configuration struct {
		CrawlerConfiguration struct {
			RoleArn string `json:"roleArn"`
		} `json:"crawlerConfiguration"`
		ProviderIdentity lake.AwsIdentity `json:"providerIdentity"`
	} `json:"configuration"`
	EventClasses  []string `json:"eventClasses"`
	SourceName    string   `json:"sourceName"`
	SourceVersion string   `json:"sourceVersion"`
}

type createCustomLogSourceOut struct {
	Source *lake.CustomSource `json:"source"`
}

func (h *handler) createCustomLogSource(ctx context.Context, c *api.Call, in *createCustomLogSourceIn) (*createCustomLogSourceOut, error) {
	src, err := h.svc.CreateCustomLogSource(ctx, c.Caller, lake.CustomSourceInput{SourceName: in.SourceName, SourceVersion: in.SourceVersion,
		EventClasses: in.EventClasses, CrawlerRoleARN: in.Configuration.CrawlerConfiguration.RoleArn, Provider: in.Configuration.ProviderIdentity})
	if err != nil {
		return nil, err
	}
	return &createCustomLogSourceOut{Source: src}, nil
}

type deleteCustomLogSourceIn struct {
	SourceName    string `json:"-" location:"uri" name:"sourceName"`
	SourceVersion string `json:"-" location:"querystring" name:"sourceVersion"`
}

func (h *handler) deleteCustomLogSource(ctx context.Context, c *api.Call, in *deleteCustomLogSourceIn) (*empty, error) {
	return &empty{}, h.svc.DeleteCustomLogSource(ctx, c.Caller, in.SourceName, in.SourceVersion)
}

type listLogSourcesIn struct {
	Accounts   []string         `json:"accounts"`
	MaxResults *int             `json:"maxResults"`
	NextToken  string           `json:"nextToken"`
	Regions    []string         `json:"regions"`
	Sources    []lake.SourceRef `json:"sources"`
}

type listLogSourcesOut struct {
	NextToken string           `json:"nextToken,omitempty"`
	Sources   []lake.LogSource `json:"sources"`
}

func (h *handler) listLogSources(ctx context.Context, c *api.Call, in *listLogSourcesIn) (*listLogSourcesOut, error) {
	srcs, next, err := h.svc.ListLogSources(ctx, c.Caller, lake.ListLogSourcesInput{Accounts: in.Accounts, Regions: in.Regions,
		Sources: in.Sources, NextToken: in.NextToken, MaxResults: in.MaxResults})
	if err != nil {
		return nil, err
	}
	return &listLogSourcesOut{NextToken: next, Sources: srcs}, nil
}

type getDataLakeSourcesIn struct {
	Accounts   []string `json:"accounts"`
	MaxResults *int     `json:"maxResults"`
	NextToken  string   `json:"nextToken"`
}

type getDataLakeSourcesOut struct {
	DataLakeArn string                `json:"dataLakeArn"`
	Sources     []lake.DataLakeSource `json:"dataLakeSources"`
	NextToken   string                `json:"nextToken,omitempty"`
}

func (h *handler) getDataLakeSources(ctx context.Context, c *api.Call, in *getDataLakeSourcesIn) (*getDataLakeSourcesOut, error) {
	arn, srcs, next, err := h.svc.GetDataLakeSources(ctx, c.Caller, in.Accounts, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &getDataLakeSourcesOut{DataLakeArn: arn, Sources: srcs, NextToken: next}, nil
}
