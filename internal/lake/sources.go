package lake

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

const tableSources = "lake.sources" // lake account/region/source/version/account → AwsSource

// AwsSourceConfiguration is an AwsLogSourceConfiguration: a source, its version, the regions and accounts.
type AwsSourceConfiguration struct {
	Accounts      []string `json:"accounts,omitempty"`
	Regions       []string `json:"regions"`
	SourceName    string   `json:"sourceName"`
	SourceVersion string   `json:"sourceVersion,omitempty"`
}

// AwsSource is an AwsLogSourceResource: a native source and its version.
type AwsSource struct {
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
}

// enabledSource is the record of a source collected from one account in one region.
type enabledSource struct {
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Source  AwsSource `json:"source"`
}

// sourceVersion resolves a requested version ("" and "latest" are 2.0) and checks that the source has it.
func sourceVersion(name, v string) (string, error) {
	if v == "" || v == "latest" {
		return "2.0", nil
	}
	if v == "2.0" || v == "1.0" && name != "EKS_AUDIT" && name != "WAF" {
		return v, nil
	}
	return "", badRequest("The source %s has no version %s: Security Lake collects it as version 2.0%s.", name, v,
		map[bool]string{true: "", false: " or 1.0"}[name == "EKS_AUDIT" || name == "WAF"])
}

func validSourceConfigs(f *fields, cs []AwsSourceConfiguration) {
	if len(cs) == 0 || len(cs) > 50 {
		f.fail("Value at 'sources' failed to satisfy constraint: Member must have length between 1 and 50.")
	}
	for _, cf := range cs {
		f.required("sources.member.sourceName", cf.SourceName, nil)
		f.oneOf("sources.member.sourceName", cf.SourceName, AwsLogSourceNames)
		f.match("sources.member.sourceVersion", cf.SourceVersion, reSourceVersion)
		if len(cf.Regions) == 0 {
			f.fail("The request is missing the required member sources.member.regions.")
		}
		f.regions("sources.member.regions", cf.Regions)
		f.accounts("sources.member.accounts", cf.Accounts)
	}
}

// CreateAwsLogSource starts collecting the given AWS sources from the given accounts (the caller's when none)
// in the given regions. Accounts outside the organization come back as failed; the others are enabled.
func (s *Service) CreateAwsLogSource(ctx context.Context, c *actor.Caller, cs []AwsSourceConfiguration) ([]string, error) {
	return s.changeAwsSources(ctx, c, cs, "securitylake:CreateAwsLogSource", true)
}

// DeleteAwsLogSource stops collecting the given AWS sources; the data already collected stays.
func (s *Service) DeleteAwsLogSource(ctx context.Context, c *actor.Caller, cs []AwsSourceConfiguration) ([]string, error) {
	return s.changeAwsSources(ctx, c, cs, "securitylake:DeleteAwsLogSource", false)
}

func (s *Service) changeAwsSources(ctx context.Context, c *actor.Caller, cs []AwsSourceConfiguration, action string, enable bool) ([]string, error) {
	if err := s.check(ctx, c, action, LakeARN(s.region(c), c.Account)); err != nil {
		return nil, err
	}
	var f fields
	validSourceConfigs(&f, cs)
	if f.err != nil {
		return nil, f.err
	}
	failed := []string{}
	inOrg := map[string]bool{c.Account: true}
	for _, cf := range cs {
		if _, err := sourceVersion(cf.SourceName, cf.SourceVersion); err != nil {
			return nil, err
		}
		for _, a := range cf.Accounts {
			if _, seen := inOrg[a]; seen {
				continue
			}
			ok := false
			if s.cfg.Accounts != nil {
				var err error
				if ok, err = s.cfg.Accounts.InOrganization(ctx, a); err != nil {
					return nil, fmt.Errorf("look up account %s: %w", a, err)
				}
			}
			inOrg[a] = ok
			if !ok {
				failed = append(failed, a)
			}
		}
	}
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		for _, cf := range cs {
			v, _ := sourceVersion(cf.SourceName, cf.SourceVersion)
			accounts := cf.Accounts
			if len(accounts) == 0 {
				accounts = []string{c.Account}
			}
			for _, r := range cf.Regions {
				if _, err := lakeIn(tx, c.Account, r); err != nil {
					return err
				}
				for _, a := range accounts {
					if !inOrg[a] {
						continue
					}
					k := key(c.Account, r, cf.SourceName, v, a)
					var err error
					if enable {
						err = putJSON(tx, tableSources, k, enabledSource{Account: a, Region: r, Source: AwsSource{SourceName: cf.SourceName, SourceVersion: v}})
					} else if err = tx.Delete(tableSources, k); errors.Is(err, meta.ErrNotFound) {
						err = nil
					}
					if err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(failed)
	return failed, nil
}
