package lake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

const (
	tableOrgConfig = "lake.orgconfig" // account → []AutoEnable
	tableAdmin     = "lake.admin"     // "admin" → the delegated administrator's account
)

// AutoEnable is a DataLakeAutoEnableNewAccountConfiguration: the sources new accounts of the organization get in
// a region.
type AutoEnable struct {
	Region  string      `json:"region"`
	Sources []AwsSource `json:"sources"`
	// Since is when the region was configured: accounts that join the organization after it get the sources.
	Since time.Time `json:"since,omitzero"`
}

func validAutoEnable(f *fields, as []AutoEnable, required bool) {
	if required && len(as) == 0 {
		f.fail("Value at 'autoEnableNewAccount' failed to satisfy constraint: Member must have length greater than or equal to 1.")
	}
	for _, a := range as {
		f.required("autoEnableNewAccount.member.region", a.Region, reRegion)
		if len(a.Sources) == 0 {
			f.fail("Value at 'autoEnableNewAccount.member.sources' failed to satisfy constraint: Member must have length greater than or equal to 1.")
		}
		for _, src := range a.Sources {
			f.oneOf("autoEnableNewAccount.member.sources.member.sourceName", src.SourceName, AwsLogSourceNames)
			f.match("autoEnableNewAccount.member.sources.member.sourceVersion", src.SourceVersion, reSourceVersion)
		}
	}
}

// ChangeOrganizationConfiguration adds (add true) or removes the sources that new accounts of the organization
// get in each region (the provisioning job enables them; see AutoEnableNewAccounts).
func (s *Service) ChangeOrganizationConfiguration(ctx context.Context, c *actor.Caller, add bool, as []AutoEnable) error {
	action := "securitylake:DeleteDataLakeOrganizationConfiguration"
	if add {
		action = "securitylake:CreateDataLakeOrganizationConfiguration"
	}
	if err := s.check(ctx, c, action, LakeARN(s.region(c), c.Account)); err != nil {
		return err
	}
	var f fields
	validAutoEnable(&f, as, add)
	if f.err != nil {
		return f.err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var cur []AutoEnable
		if _, err := getJSON(tx, tableOrgConfig, c.Account, &cur); err != nil {
			return err
		}
		for _, a := range as {
			i := slices.IndexFunc(cur, func(x AutoEnable) bool { return x.Region == a.Region })
			if i < 0 && add {
				cur = append(cur, AutoEnable{Region: a.Region, Since: s.cfg.Clock.Now().UTC()})
				i = len(cur) - 1
			}
			if i < 0 {
				continue
			}
			for _, src := range a.Sources {
				j := slices.IndexFunc(cur[i].Sources, func(x AwsSource) bool { return x.SourceName == src.SourceName })
				switch {
				case add && j < 0:
					cur[i].Sources = append(cur[i].Sources, src)
				case add:
					cur[i].Sources[j] = src
				case j >= 0:
					cur[i].Sources = slices.Delete(cur[i].Sources, j, j+1)
				}
			}
		}
		cur = slices.DeleteFunc(cur, func(a AutoEnable) bool { return len(a.Sources) == 0 })
		return putJSON(tx, tableOrgConfig, c.Account, cur)
	})
}

// GetOrganizationConfiguration returns the sources new accounts get.
func (s *Service) GetOrganizationConfiguration(ctx context.Context, c *actor.Caller) ([]AutoEnable, error) {
	if err := s.check(ctx, c, "securitylake:GetDataLakeOrganizationConfiguration", LakeARN(s.region(c), c.Account)); err != nil {
		return nil, err
	}
	cur := []AutoEnable{}
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		_, err := getJSON(tx, tableOrgConfig, c.Account, &cur)
		return err
	})
	return cur, err
}

// onlyManagement refuses callers outside the organization's management account.
func (s *Service) onlyManagement(ctx context.Context, c *actor.Caller, action string) error {
	if err := s.check(ctx, c, action, "*"); err != nil {
		return err
	}
	if s.cfg.Accounts == nil {
		return badRequest("This server has no organization.")
	}
	mgmt, err := s.cfg.Accounts.Management(ctx)
	if err != nil {
		return fmt.Errorf("find the management account: %w", err)
	}
	if c.Account != mgmt {
		return refusal.Refuse(c, action, "*", policy.Decision{}, "User: "+c.Who()+" is not authorized to perform: "+action+
			" on resource: * because only the organization's management account ("+mgmt+") may call it").Err.With("errorCode", "AccessDenied")
	}
	return nil
}

// RegisterDelegatedAdministrator makes account the organization's Security Lake administrator. Only the
// management account may call it, and the account must be another member of the organization.
func (s *Service) RegisterDelegatedAdministrator(ctx context.Context, c *actor.Caller, account string) error {
	const action = "securitylake:RegisterDataLakeDelegatedAdministrator"
	if err := s.onlyManagement(ctx, c, action); err != nil {
		return err
	}
	var f fields
	f.required("accountId", account, reAccount)
	if f.err != nil {
		return f.err
	}
	if account == c.Account {
		return badRequest("The management account cannot be the delegated administrator: choose a member account.")
	}
	ok, err := s.cfg.Accounts.InOrganization(ctx, account)
	if err != nil {
		return err
	}
	if !ok {
		return notFound("Account", account, "The account %s is not a member of the organization.", account)
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var cur string
		found, err := getJSON(tx, tableAdmin, "admin", &cur)
		if err != nil {
			return err
		}
		if found && cur != account {
			return conflict("DelegatedAdministrator", cur, "The account %s is already the delegated administrator: deregister it first.", cur)
		}
		return putJSON(tx, tableAdmin, "admin", account)
	})
}

// DeregisterDelegatedAdministrator removes the organization's delegated administrator.
func (s *Service) DeregisterDelegatedAdministrator(ctx context.Context, c *actor.Caller) error {
	const action = "securitylake:DeregisterDataLakeDelegatedAdministrator"
	if err := s.onlyManagement(ctx, c, action); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		err := tx.Delete(tableAdmin, "admin")
		if errors.Is(err, meta.ErrNotFound) {
			return notFound("DelegatedAdministrator", "", "The organization has no delegated administrator.")
		}
		return err
	})
}

// DelegatedAdministrator returns the organization's delegated administrator ("" when none).
func (s *Service) DelegatedAdministrator(ctx context.Context) (string, error) {
	var cur string
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		_, err := getJSON(tx, tableAdmin, "admin", &cur)
		return err
	})
	return cur, err
}
