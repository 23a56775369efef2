package trail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// errGone is returned inside transactions whose trail was deleted meanwhile.
var errGone = errors.New("trail: the trail was deleted")

func getJSON(tx meta.Tx, table, key string, v any) error {
	b, err := tx.Get(table, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s %q: %w", table, key, err)
	}
	return nil
}

func putJSON(tx meta.Tx, table, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", table, key, err)
	}
	return tx.Put(table, key, b)
}

// getTrail returns the trail stored under key, or errGone.
func getTrail(tx meta.Tx, key string) (*Trail, error) {
	t := &Trail{}
	err := getJSON(tx, tableTrails, key, t)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, errGone
	}
	return t, err
}

// getStatus returns the status of the trail stored under key (the zero status if it has none).
func getStatus(tx meta.Tx, key string) (*status, error) {
	st := &status{}
	err := getJSON(tx, tableStatus, key, st)
	if errors.Is(err, meta.ErrNotFound) {
		return st, nil
	}
	return st, err
}

// accountTrails returns every trail of an account, in all regions.
func accountTrails(tx meta.Tx, account string) ([]*Trail, error) {
	var out []*Trail
	var derr error
	err := tx.Scan(tableTrails, meta.Range{Prefix: account + "/"}, func(k string, v []byte) bool {
		t := &Trail{}
		if derr = json.Unmarshal(v, t); derr != nil {
			derr = fmt.Errorf("decode trail %q: %w", k, derr)
			return false
		}
		out = append(out, t)
		return true
	})
	if err == nil {
		err = derr
	}
	return out, err
}

// load reads a trail and its status.
func (s *Service) load(ctx context.Context, key string) (*Trail, *status, error) {
	var t *Trail
	var st *status
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		if t, err = getTrail(tx, key); err != nil {
			return err
		}
		st, err = getStatus(tx, key)
		return err
	})
	return t, st, err
}

// updateStatus changes the status of the trail stored under key in one transaction; fn sees the trail as
// it is in that transaction. It returns errGone if the trail no longer exists.
func (s *Service) updateStatus(ctx context.Context, key string, fn func(tx meta.Tx, t *Trail, st *status) error) error {
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		t, err := getTrail(tx, key)
		if err != nil {
			return err
		}
		st, err := getStatus(tx, key)
		if err != nil {
			return err
		}
		if err := fn(tx, t, st); err != nil {
			return err
		}
		return putJSON(tx, tableStatus, key, st)
	})
}

// region returns the region of a caller's request.
func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

// find returns the trail r names as caller c in region sees it: a trail of the region, or a multi-region
// trail of another region (its shadow), which only the home region may change (write).
func (s *Service) find(tx meta.Tx, c *actor.Caller, region string, r ref, write bool) (*Trail, error) {
	if r.account != c.Account {
		return nil, errTrailNotFound(r.arn(), c.Account)
	}
	t, err := getTrail(tx, trailKey(r.account, r.region, r.name))
	switch {
	case err == nil:
	case !errors.Is(err, errGone):
		return nil, err
	case r.byARN:
		return nil, errTrailNotFound(r.arn(), c.Account)
	default:
		if t, err = shadow(tx, r.account, r.name); err != nil {
			return nil, err
		}
		if t == nil {
			return nil, errTrailNotFound(r.arn(), c.Account)
		}
	}
	if write && t.HomeRegion != region {
		return nil, errHomeRegion(t.HomeRegion)
	}
	return t, nil
}

// shadow returns the multi-region trail of an account with the given name, or nil.
func shadow(tx meta.Tx, account, name string) (*Trail, error) {
	all, err := accountTrails(tx, account)
	if err != nil {
		return nil, err
	}
	for _, t := range all {
		if t.Name == name && t.IsMultiRegionTrail {
			return t, nil
		}
	}
	return nil, nil
}

// lookup is find in its own read transaction.
func (s *Service) lookup(ctx context.Context, c *actor.Caller, nameOrARN string, write bool) (*Trail, error) {
	region := s.region(c)
	r, err := parseRef(c, region, nameOrARN)
	if err != nil {
		return nil, err
	}
	var t *Trail
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		t, err = s.find(tx, c, region, r, write)
		return err
	})
	return t, err
}

// authorize decides a trail API call with the caller's IAM policies.
func (s *Service) authorize(ctx context.Context, c *actor.Caller, action, resource string) error {
	return actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: resource}, actor.AccessDeniedException)
}
