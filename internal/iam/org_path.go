package iam

import (
	"context"

	"github.com/seclake/seclake/internal/meta"
)

// OrgPath returns the organization account belongs to and its path from the organization down to the account's
// parent ("o-…/r-…/ou-…/", as aws:PrincipalOrgPaths spells it); "", "" for an account outside the organization.
func (s *Service) OrgPath(ctx context.Context, account string) (orgID, path string, err error) {
	err = s.store.View(ctx, func(tx meta.Tx) error {
		info, err := s.orgScope(tx, account)
		orgID, path = info.id, info.path
		return err
	})
	return orgID, path, err
}
