package lake

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

const tableAutoDone = "lake.autoenabled" // lake account/region/member → the time its sources were enabled

// AutoEnableNewAccounts enables the organization configuration's sources in the accounts that joined the
// organization after their region was configured, in the configuring account's lake of that region, once per
// account and region (a source deleted later stays deleted). It returns how many accounts it enabled sources for.
func (s *Service) AutoEnableNewAccounts(ctx context.Context) (int, error) {
	configs := map[string][]AutoEnable{}
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		return tx.Scan(tableOrgConfig, meta.Range{}, func(k string, v []byte) bool {
			var cur []AutoEnable
			if jsonInto(v, &cur) == nil && len(cur) > 0 {
				configs[k] = cur
			}
			return true
		})
	})
	if err != nil || len(configs) == 0 || s.cfg.Accounts == nil {
		return 0, err
	}
	members, err := s.cfg.Accounts.Members(ctx)
	if err != nil {
		return 0, fmt.Errorf("list the organization's accounts: %w", err)
	}
	n := 0
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		n = 0
		for admin, cur := range configs {
			for _, ae := range cur {
				if _, err := lakeIn(tx, admin, ae.Region); err != nil {
					continue // no lake there (yet)
				}
				for _, m := range members {
					if m.Account == admin || !m.Joined.After(ae.Since) {
						continue
					}
					done := key(admin, ae.Region, m.Account)
					if _, err := tx.Get(tableAutoDone, done); err == nil {
						continue
					}
					for _, src := range ae.Sources {
						v, err := sourceVersion(src.SourceName, src.SourceVersion)
						if err != nil {
							continue
						}
						rec := enabledSource{Account: m.Account, Region: ae.Region, Source: AwsSource{SourceName: src.SourceName, SourceVersion: v}}
						if err := putJSON(tx, tableSources, key(admin, ae.Region, src.SourceName, v, m.Account), rec); err != nil {
							return err
						}
					}
					if err := putJSON(tx, tableAutoDone, done, s.cfg.Clock.Now().UTC()); err != nil {
						return err
					}
					n++
				}
			}
		}
		return nil
	})
	return n, err
}
