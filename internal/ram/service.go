package ram

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/meta"
)

// Share shares resource of owner in region with principal through the share called name, creating the share or
// adding to it, as a service does for its users (Lake Formation's cross-account grants); no IAM authorization
// (the calling service authorized its own operation). It returns the share.
func (s *Service) Share(ctx context.Context, owner, region, name, resource, principal string) (*Share, error) {
	sh, err := s.byName(ctx, owner, region, name)
	if err != nil {
		return nil, err
	}
	if sh == nil {
		return s.create(ctx, owner, region, name, true, nil, []string{resource}, []string{principal})
	}
	if err := s.associate(ctx, sh, []string{resource}, []string{principal}); err != nil {
		return nil, err
	}
	return sh, nil
}

// Unshare ends principal's association with owner's share called name (after the last grant to it went).
func (s *Service) Unshare(ctx context.Context, owner, region, name, principal string) error {
	sh, err := s.byName(ctx, owner, region, name)
	if err != nil || sh == nil {
		return err
	}
	key, err := shareKey(sh.ARN)
	if err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var cur Share
		if found, err := meta.GetJSON(tx, tableShares, key, &cur); err != nil || !found {
			return err
		}
		for i := range cur.Principals {
			if cur.Principals[i].Entity == principal {
				cur.Principals[i].Status, cur.Principals[i].Updated = StatusDisassociated, s.cfg.Clock.Now().UTC()
			}
		}
		return meta.PutJSON(tx, tableShares, key, &cur)
	})
}

// Shared reports whether owner's share called name holds resource and is shared with account (its association
// ASSOCIATED: accepted, or within the organization).
func (s *Service) Shared(ctx context.Context, owner, region, name, resource, account string) (bool, error) {
	sh, err := s.byName(ctx, owner, region, name)
	if err != nil || sh == nil {
		return false, err
	}
	if r := find(sh.Resources, resource); r == nil || r.Status != StatusAssociated {
		return false, nil
	}
	return s.sharedWith(ctx, sh, account)
}

// byName returns owner's active share called name in region, or nil.
func (s *Service) byName(ctx context.Context, owner, region, name string) (*Share, error) {
	var out *Share
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		all, err := meta.ScanJSON[Share](tx, tableShares, meta.Range{Prefix: owner + "/" + region + "/"})
		for _, sh := range all {
			if sh.Name == name && sh.Status == StatusActive && strings.HasPrefix(sh.ARN, "arn:aws:ram:"+region+":") {
				out = sh
			}
		}
		return err
	})
	return out, err
}
