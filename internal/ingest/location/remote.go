package location

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/s3remote"
)

// DefaultPollInterval is how often a remote location is listed for new objects: S3 has no notifications
// across endpoints.
const DefaultPollInterval = 60 * time.Second

// RemoteSources are the remote S3 endpoints of the configuration (*s3remote.Sources).
type RemoteSources interface {
	Has(remote string) bool
	List(ctx context.Context, remote, bucket, prefix, after string, maxKeys int) ([]s3remote.RemoteObject, bool, error)
}

// addRemote registers a location on a remote S3 endpoint: its bucket is read with the remote's credentials,
// so seclake's bucket policies do not apply; the caller's own permission is seclake:AddIngestLocation. The
// account's lake in the region (the caller's, unless given) is created if there is none.
func (s *Service) addRemote(ctx context.Context, c *actor.Caller, in AddInput) (*AddOutput, error) {
	if s.cfg.Remotes == nil || !s.cfg.Remotes.Has(in.Remote) {
		return nil, badRequest("No ingest remote is named %q: the remotes are configured in ingest.remotes.", in.Remote)
	}
	region := in.Region
	if region == "" {
		region = c.Region
	}
	out := &AddOutput{}
	if err := s.ensureLake(ctx, c, region, in.Bucket, out); err != nil {
		return nil, err
	}
	r := &record{Location: Location{ID: newID(), Owner: c.Account, Bucket: in.Bucket, Prefix: in.Prefix, Source: in.Source,
		Region: region, Remote: in.Remote, Created: s.cfg.Clock.Now().UTC()}}
	if err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error { return putRecord(tx, r, true) }); err != nil {
		return nil, err
	}
	out.Location = r.Location
	return out, nil
}

// pollDue says whether remote location id is due for a poll, and if so notes that one starts now.
func (s *Service) pollDue(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	if last, ok := s.polled[id]; ok && now.Sub(last) < s.cfg.PollInterval {
		return false
	}
	s.polled[id] = now
	return true
}

// poll lists a remote location's objects after its cursor (ListObjectsV2 with StartAfter, so a restart
// resumes) and queues them. Keys that sort before the cursor and appear later are not seen: remote locations
// suit time-ordered layouts such as AWS's deliveries. A failed listing is recorded on the location with the
// remote's message and retried at the next poll.
func (s *Service) poll(ctx context.Context, r *record) error {
	for range s.cfg.PagesPerRun {
		page, more, err := s.cfg.Remotes.List(ctx, r.Remote, r.Bucket, r.Prefix, r.Cursor, s.cfg.PageSize)
		if err != nil {
			return s.pollFailed(ctx, r.ID, err)
		}
		objs := make([]ingest.ObjectRef, 0, len(page))
		for _, o := range page {
			objs = append(objs, r.object(o.Key, "", o.ETag, o.Size))
		}
		added := 0
		if len(objs) > 0 {
			if added, err = s.cfg.Engine.Enqueue(ctx, objs...); err != nil {
				return err
			}
		}
		cursor := r.Cursor
		if len(page) > 0 {
			cursor = page[len(page)-1].Key
		}
		if err := s.advance(ctx, r.ID, r.Cursor, cursor, int64(len(objs)), int64(added), !more); err != nil {
			return err
		}
		r.Cursor = cursor
		if !more {
			return nil
		}
	}
	return nil
}

// pollFailed records why location id's listing failed, and returns it.
func (s *Service) pollFailed(ctx context.Context, id string, cause error) error {
	err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		r, err := getRecord(tx, id)
		if err != nil || r == nil {
			return err
		}
		r.Backfill.Error = cause.Error()
		return putRecord(tx, r, false)
	})
	if err != nil {
		return err
	}
	return cause
}
