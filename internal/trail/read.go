package trail

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// GetTrail returns a trail of the caller's region, or a multi-region trail of another region.
func (s *Service) GetTrail(ctx context.Context, c *actor.Caller, name string) (*Trail, error) {
	return s.readTrail(ctx, c, name, "cloudtrail:GetTrail")
}

// GetEventSelectors returns a trail, for its event selectors.
func (s *Service) GetEventSelectors(ctx context.Context, c *actor.Caller, name string) (*Trail, error) {
	return s.readTrail(ctx, c, name, "cloudtrail:GetEventSelectors")
}

func (s *Service) readTrail(ctx context.Context, c *actor.Caller, name, action string) (*Trail, error) {
	t, err := s.lookup(ctx, c, name, false)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, action, t.ARN()); err != nil {
		return nil, err
	}
	return t, nil
}

// DescribeTrails returns the named trails (names or ARNs; unknown ones are left out), or with no names the
// trails of the caller's region and, unless includeShadow is false, the multi-region trails of other regions.
func (s *Service) DescribeTrails(ctx context.Context, c *actor.Caller, names []string, includeShadow *bool) ([]*Trail, error) {
	if err := s.authorize(ctx, c, "cloudtrail:DescribeTrails", "*"); err != nil {
		return nil, err
	}
	region := s.region(c)
	var refs []ref
	for _, n := range names {
		r, err := parseRef(c, region, n)
		if err != nil {
			return nil, err
		}
		refs = append(refs, r)
	}
	var out []*Trail
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		out = nil
		if len(refs) == 0 {
			all, err := accountTrails(tx, c.Account)
			for _, t := range all {
				if t.HomeRegion == region || t.IsMultiRegionTrail && (includeShadow == nil || *includeShadow) {
					out = append(out, t)
				}
			}
			return err
		}
		for _, r := range refs {
			t, err := s.find(tx, c, region, r, false)
			if err == nil {
				out = append(out, t)
			} else if !isNotFound(err) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN() < out[j].ARN() })
	return out, nil
}

func isNotFound(err error) bool {
	e, ok := awserr.As(err)
	return ok && e.Code == "TrailNotFoundException"
}

// ListTrails returns every trail of the caller's account, in all regions.
func (s *Service) ListTrails(ctx context.Context, c *actor.Caller, nextToken string) ([]*Trail, error) {
	if nextToken != "" {
		return nil, errNextToken() // every trail fits in the first page
	}
	if err := s.authorize(ctx, c, "cloudtrail:ListTrails", "*"); err != nil {
		return nil, err
	}
	var out []*Trail
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		out, err = accountTrails(tx, c.Account)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ARN() < out[j].ARN() })
	return out, err
}

// GetTrailStatus returns whether a trail logs and how its deliveries went.
func (s *Service) GetTrailStatus(ctx context.Context, c *actor.Caller, name string) (*Trail, *Status, error) {
	t, err := s.readTrail(ctx, c, name, "cloudtrail:GetTrailStatus")
	if err != nil {
		return nil, nil, err
	}
	_, st, err := s.load(ctx, t.storeKey())
	if errors.Is(err, errGone) {
		return nil, nil, errTrailNotFound(t.ARN(), c.Account)
	}
	if err != nil {
		return nil, nil, err
	}
	return t, &Status{IsLogging: st.Logging, StartLoggingTime: st.StartTime, StopLoggingTime: st.StopTime,
		LatestDeliveryTime: st.LatestDelivery, LatestDeliveryAttemptTime: st.LatestDeliveryAttempt,
		LatestDeliveryError: st.LatestDeliveryError, LatestDigestDeliveryTime: st.LatestDigest,
		LatestDigestAttemptTime: st.LatestDigestAttempt, LatestDigestDeliveryError: st.LatestDigestError}, nil
}

// StartLogging starts a trail's delivery: records from now on (and any left from before it was stopped).
func (s *Service) StartLogging(ctx context.Context, c *actor.Caller, name string) (*Trail, error) {
	return s.setLogging(ctx, c, name, true)
}

// StopLogging stops a trail's delivery. Records up to now are still delivered.
func (s *Service) StopLogging(ctx context.Context, c *actor.Caller, name string) (*Trail, error) {
	return s.setLogging(ctx, c, name, false)
}

func (s *Service) setLogging(ctx context.Context, c *actor.Caller, name string, on bool) (*Trail, error) {
	t, err := s.lookup(ctx, c, name, true)
	if err != nil {
		return nil, err
	}
	action := "cloudtrail:StopLogging"
	if on {
		action = "cloudtrail:StartLogging"
	}
	if err := s.authorize(ctx, c, action, t.ARN()); err != nil {
		return nil, err
	}
	last, err := s.cfg.Records.LastSeq(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", action, t.ARN(), err)
	}
	now := s.now()
	err = s.updateStatus(ctx, t.storeKey(), func(_ meta.Tx, cur *Trail, st *status) error {
		switch {
		case on && !st.Logging:
			st.Logging, st.StartTime = true, now
			if st.Cursor >= st.StopSeq { // everything before the stop was delivered: start from now
				st.Cursor, st.Ahead = max(st.Cursor, last), nil
			}
			if cur.LogFileValidationEnabled && st.Digests == nil {
				st.Digests = map[string]*chain{cur.HomeRegion: {Start: now}}
			}
		case !on && st.Logging:
			st.Logging, st.StopTime, st.StopSeq = false, now, last
		}
		return nil
	})
	if errors.Is(err, errGone) {
		return nil, errTrailNotFound(t.ARN(), c.Account)
	}
	return t, err
}

// PutEventSelectors replaces a trail's event selectors. Advanced event selectors are not supported.
func (s *Service) PutEventSelectors(ctx context.Context, c *actor.Caller, name string, selectors []EventSelector, advanced bool) (*Trail, error) {
	t, err := s.lookup(ctx, c, name, true)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, "cloudtrail:PutEventSelectors", t.ARN()); err != nil {
		return nil, err
	}
	if advanced {
		return nil, errUnsupported("seclake supports basic event selectors (EventSelectors) only; AdvancedEventSelectors are not supported yet.")
	}
	sel, err := normalizeSelectors(selectors)
	if err != nil {
		return nil, err
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		cur, err := getTrail(tx, t.storeKey())
		if err != nil {
			return err
		}
		cur.EventSelectors, cur.HasCustomEventSelectors = sel, true
		t = cur
		return putJSON(tx, tableTrails, t.storeKey(), cur)
	})
	if errors.Is(err, errGone) {
		return nil, errTrailNotFound(t.ARN(), c.Account)
	}
	return t, err
}

// ListPublicKeys returns the public keys of the caller's account and region that signed digest files
// between start and end (nil: now).
func (s *Service) ListPublicKeys(ctx context.Context, c *actor.Caller, start, end *time.Time) ([]PublicKey, error) {
	if err := s.authorize(ctx, c, "cloudtrail:ListPublicKeys", "*"); err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	from, to := now, now
	if start != nil {
		from = *start
	}
	if end != nil {
		to = *end
	}
	if from.After(to) {
		return nil, errTimeRange("The start time (%s) is after the end time (%s).", formatTime(from), formatTime(to))
	}
	return s.publicKeys(ctx, c.Account, s.region(c), to)
}
