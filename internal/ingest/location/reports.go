package location

import (
	"context"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/ingest"
)

// Status returns the ingestion engine's progress for the caller's account: the rows of its locations (per
// source and location), with totals and lag over those rows, and the audit feed's progress.
func (s *Service) Status(ctx context.Context, c *actor.Caller) (ingest.Status, error) {
	mine, err := s.authorizedLocations(ctx, c, "seclake:GetIngestStatus")
	if err != nil {
		return ingest.Status{}, err
	}
	all, err := s.cfg.Engine.Status(ctx)
	if err != nil {
		return ingest.Status{}, err
	}
	out := ingest.Status{Audit: all.Audit}
	for _, r := range all.Sources {
		if !slices.ContainsFunc(mine, func(l record) bool { return l.ID == r.Location }) {
			continue
		}
		out.Sources = append(out.Sources, r)
		out.Queued, out.Done, out.Failed = out.Queued+r.Queued, out.Done+r.Done, out.Failed+r.Failed
		out.Lag = max(out.Lag, r.Lag)
	}
	return out, nil
}

// Failures returns up to limit objects of the caller's account whose ingestion failed and is retried.
func (s *Service) Failures(ctx context.Context, c *actor.Caller, limit int) ([]ingest.Failure, error) {
	if _, err := s.authorizedLocations(ctx, c, "seclake:ListIngestFailures"); err != nil {
		return nil, err
	}
	all, err := s.cfg.Engine.Failures(ctx, 0)
	if err != nil {
		return nil, err
	}
	var out []ingest.Failure
	for _, f := range all {
		if f.Ref.Account == c.Account && len(out) < limit {
			out = append(out, f)
		}
	}
	return out, nil
}

// SetAside returns up to limit records that could not be normalized (of source, or of every source when it
// is ""), from the objects of the caller's account's locations.
func (s *Service) SetAside(ctx context.Context, c *actor.Caller, source string, limit int) ([]ingest.SetAsideRecord, error) {
	mine, err := s.authorizedLocations(ctx, c, "seclake:ListSetAsideRecords")
	if err != nil {
		return nil, err
	}
	sources := []string{source}
	if source == "" {
		if sources, err = s.sourcesOf(ctx, mine); err != nil {
			return nil, err
		}
	}
	var all []ingest.SetAsideRecord
	for _, src := range sources {
		recs, err := s.cfg.Engine.SetAside(ctx, src, 0)
		if err != nil {
			return nil, err
		}
		all = append(all, recs...)
	}
	var out []ingest.SetAsideRecord
	for _, r := range all {
		obj := strings.TrimPrefix(r.Object, "s3://")
		in := slices.ContainsFunc(mine, func(l record) bool { return strings.HasPrefix(obj, l.Bucket+"/"+l.Prefix) })
		if in && len(out) < limit {
			out = append(out, r)
		}
	}
	return out, nil
}

// authorizedLocations authorizes action for c on its account's locations and returns them.
func (s *Service) authorizedLocations(ctx context.Context, c *actor.Caller, action string) ([]record, error) {
	if err := s.Authorize(ctx, c, action, LocationARN(c.Region, c.Account, "*")); err != nil {
		return nil, err
	}
	all, err := s.all(ctx)
	return slices.DeleteFunc(all, func(r record) bool { return r.Owner != c.Account }), err
}

// sourcesOf returns the sources the engine has seen in the objects of the given locations.
func (s *Service) sourcesOf(ctx context.Context, locs []record) ([]string, error) {
	st, err := s.cfg.Engine.Status(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range st.Sources {
		if slices.ContainsFunc(locs, func(l record) bool { return l.ID == r.Location }) && !slices.Contains(out, r.Source) {
			out = append(out, r.Source)
		}
	}
	return out, nil
}
