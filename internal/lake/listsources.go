package lake

import (
	"context"
	"slices"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// LogSource is the sources collected from one account in one region.
type LogSource struct {
	Account string      `json:"account,omitempty"`
	Region  string      `json:"region,omitempty"`
	Sources []SourceRef `json:"sources,omitempty"`
}

// ListLogSourcesInput is ListLogSources' request: filters by account, region and source.
type ListLogSourcesInput struct {
	Accounts, Regions []string
	Sources           []SourceRef
	NextToken         string
	MaxResults        *int
}

// wants reports whether a source passes the request's source filter.
func wants(filter []SourceRef, r SourceRef) bool {
	if len(filter) == 0 {
		return true
	}
	for _, f := range filter {
		switch {
		case f.Aws != nil && r.Aws != nil && f.Aws.SourceName == r.Aws.SourceName &&
			(f.Aws.SourceVersion == "" || f.Aws.SourceVersion == r.Aws.SourceVersion):
			return true
		case f.Custom != nil && r.Custom != nil && f.Custom.SourceName == r.Custom.SourceName &&
			(f.Custom.SourceVersion == "" || f.Custom.SourceVersion == r.Custom.SourceVersion):
			return true
		}
	}
	return false
}

// ListLogSources returns the sources of the caller's lakes, one entry per account and region, a page at a time.
func (s *Service) ListLogSources(ctx context.Context, c *actor.Caller, in ListLogSourcesInput) ([]LogSource, string, error) {
	if err := s.check(ctx, c, "securitylake:ListLogSources", LakeARN(s.region(c), c.Account)); err != nil {
		return nil, "", err
	}
	var f fields
	f.accounts("accounts", in.Accounts)
	f.regions("regions", in.Regions)
	if f.err != nil {
		return nil, "", f.err
	}
	groups := map[string]*LogSource{}
	add := func(account, region string, r SourceRef) {
		if len(in.Accounts) > 0 && !slices.Contains(in.Accounts, account) || len(in.Regions) > 0 && !slices.Contains(in.Regions, region) || !wants(in.Sources, r) {
			return
		}
		k := key(account, region)
		if groups[k] == nil {
			groups[k] = &LogSource{Account: account, Region: region}
		}
		groups[k].Sources = append(groups[k].Sources, r)
	}
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		aws, err := scanJSON[enabledSource](tx, tableSources, c.Account+"/")
		if err != nil {
			return err
		}
		for _, e := range aws {
			src := e.Source
			add(e.Account, e.Region, SourceRef{Aws: &src})
		}
		custom, err := scanJSON[customRecord](tx, tableCustom, c.Account+"/")
		for _, cr := range custom {
			src := cr.Source
			add(c.Account, cr.Region, SourceRef{Custom: &src})
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	items := make([]keyed[LogSource], 0, len(groups))
	for k, g := range groups {
		items = append(items, keyed[LogSource]{key: k, item: *g})
	}
	return page(items, in.NextToken, in.MaxResults)
}

// SourceStatus is a DataLakeSourceStatus: how a source's collection goes for a resource.
type SourceStatus struct {
	Resource string `json:"resource,omitempty"`
	Status   string `json:"status,omitempty"`
}

// DataLakeSource is a source of the lake and its collection statuses.
type DataLakeSource struct {
	Account      string         `json:"account,omitempty"`
	SourceName   string         `json:"sourceName,omitempty"`
	EventClasses []string       `json:"eventClasses,omitempty"`
	Statuses     []SourceStatus `json:"sourceStatuses,omitempty"`
}

// eventClasses are the OCSF classes each AWS source's version 2.0 writes.
var eventClasses = map[string][]string{
	"CLOUD_TRAIL_MGMT": {"API_ACTIVITY", "AUTHENTICATION", "ACCOUNT_CHANGE"}, "LAMBDA_EXECUTION": {"API_ACTIVITY"},
	"S3_DATA": {"API_ACTIVITY"}, "EKS_AUDIT": {"API_ACTIVITY"}, "VPC_FLOW": {"NETWORK_ACTIVITY"}, "ROUTE53": {"DNS_ACTIVITY"},
	"WAF": {"HTTP_ACTIVITY"}, "SH_FINDINGS": {"VULNERABILITY_FINDING", "COMPLIANCE_FINDING", "DETECTION_FINDING"},
}

// GetDataLakeSources returns the sources of the caller's lake in its region and their statuses, for the given
// accounts (all when none): MISCONFIGURED when the lake's key no longer lets Security Lake write (tried now) or
// ingestion's latest attempts for the source fail (a status per refused resource is added, naming it; the
// exception says why), COLLECTING when ingestion committed rows of the source for the account within CollectingWindow, NOT_COLLECTING
// otherwise.
func (s *Service) GetDataLakeSources(ctx context.Context, c *actor.Caller, accounts []string, token string, max *int) (string, []DataLakeSource, string, error) {
	region := s.region(c)
	arn := LakeARN(region, c.Account)
	if err := s.check(ctx, c, "securitylake:GetDataLakeSources", arn); err != nil {
		return "", nil, "", err
	}
	var f fields
	f.accounts("accounts", accounts)
	if f.err != nil {
		return "", nil, "", f.err
	}
	var items []keyed[DataLakeSource]
	var dl DataLake
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		if dl, err = lakeIn(tx, c.Account, region); err != nil {
			return err
		}
		all, err := scanJSON[enabledSource](tx, tableSources, key(c.Account, region)+"/")
		for _, e := range all {
			if len(accounts) > 0 && !slices.Contains(accounts, e.Account) {
				continue
			}
			res := "aws/" + e.Source.SourceName + "/" + e.Source.SourceVersion + "/"
			items = append(items, keyed[DataLakeSource]{key: key(e.Account, e.Source.SourceName, e.Source.SourceVersion),
				item: DataLakeSource{Account: e.Account, SourceName: e.Source.SourceName, EventClasses: eventClasses[e.Source.SourceName],
					Statuses: []SourceStatus{{Resource: res, Status: "NOT_COLLECTING"}}}})
		}
		return err
	})
	if err != nil {
		return "", nil, "", err
	}
	if err := s.markCollecting(ctx, c.Account, region, items); err != nil {
		return "", nil, "", err
	}
	if err := s.misconfigured(ctx, c.Account, region, items); err != nil {
		return "", nil, "", err
	}
	if !s.keyWorks(ctx, dl) {
		for i := range items {
			items[i].item.Statuses[0].Status = "MISCONFIGURED"
		}
	}
	out, next, err := page(items, token, max)
	return arn, out, next, err
}

// markCollecting sets COLLECTING on the items whose source ingestion committed rows of recently.
func (s *Service) markCollecting(ctx context.Context, account, region string, items []keyed[DataLakeSource]) error {
	if s.cfg.Collection == nil {
		return nil
	}
	got, err := s.cfg.Collection.Collected(ctx, account, region)
	if err != nil {
		return err
	}
	since := s.cfg.Clock.Now().Add(-CollectingWindow)
	recent := map[string]bool{}
	for _, g := range got {
		if g.Last.After(since) {
			recent[key(g.Account, g.Source, g.Version)] = true
		}
	}
	for i := range items {
		if recent[items[i].key] {
			items[i].item.Statuses[0].Status = "COLLECTING"
		}
	}
	return nil
}

// keyWorks reports whether the key the lake's bucket is under (if any) lets Security Lake write, trying it now.
func (s *Service) keyWorks(ctx context.Context, dl DataLake) bool {
	if dl.AppliedKey == "" || dl.BucketARN == "" || s.cfg.Keys == nil {
		return true
	}
	var arn string
	return s.checkKey(ctx, s.owner(dl.Account, dl.Region), &dl, dl.AppliedKey, &arn) == nil
}
