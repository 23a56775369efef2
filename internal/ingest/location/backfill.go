package location

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/table"
)

// RunBackfill lists, for each location whose backfill is not complete, the next pages of its objects from its
// cursor (as the Security Lake service principal, so the bucket policy decides), queues them, and records the
// new cursor and counts. Queuing comes before the cursor moves, and is idempotent, so a crash between the two
// queues a page again without ingesting anything twice.
func (s *Service) RunBackfill(ctx context.Context) error {
	recs, err := s.all(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for i := range recs {
		var err error
		switch {
		case recs[i].Remote != "":
			if !s.pollDue(recs[i].ID) {
				continue
			}
			err = s.poll(ctx, &recs[i])
		case recs[i].Backfill.Complete:
			continue
		default:
			err = s.backfill(ctx, &recs[i])
		}
		if err != nil {
			s.cfg.Logger.Error("ingest location backfill", "location", recs[i].ID, "bucket", recs[i].Bucket, "err", err)
			errs = append(errs, fmt.Errorf("backfill %s: %w", recs[i].ID, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) backfill(ctx context.Context, r *record) error {
	sp := actor.ServicePrincipal(table.Principal, r.Region, s.cfg.Clock.Now(), actor.Source{Account: r.Owner})
	for range s.cfg.PagesPerRun {
		page, err := s.cfg.Objects.ListObjects(ctx, sp, objstore.ListInput{Bucket: r.Bucket, Prefix: r.Prefix, After: r.Cursor, MaxKeys: s.cfg.PageSize})
		if e, ok := awserr.As(err); ok && e.Code == "NoSuchBucket" {
			s.cfg.Logger.Warn("ingest location backfill ended: the bucket is gone", "location", r.ID, "bucket", r.Bucket)
			return s.advance(ctx, r.ID, r.Cursor, r.Cursor, 0, 0, true)
		}
		if err != nil {
			return err
		}
		objs := make([]ingest.ObjectRef, 0, len(page.Objects))
		for _, o := range page.Objects {
			objs = append(objs, r.object(o.Key, o.VersionHeader(), o.ETag, o.Size))
		}
		added := 0
		if len(objs) > 0 {
			if added, err = s.cfg.Engine.Enqueue(ctx, objs...); err != nil {
				return err
			}
		}
		done := !page.IsTruncated
		cursor := r.Cursor
		if len(page.Objects) > 0 {
			cursor = page.Objects[len(page.Objects)-1].Key
		}
		if err := s.advance(ctx, r.ID, r.Cursor, cursor, int64(len(objs)), int64(added), done); err != nil {
			return err
		}
		r.Cursor = cursor
		if done {
			return nil
		}
	}
	return nil
}

// advance moves location id's backfill from cursor from to to, if no one moved it meanwhile (another worker
// running a pass that overlapped), and adds the counts.
func (s *Service) advance(ctx context.Context, id, from, to string, listed, enqueued int64, done bool) error {
	return s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		r, err := getRecord(tx, id)
		if err != nil || r == nil || r.Cursor != from || (r.Backfill.Complete && r.Remote == "") {
			return err // removed, or moved by another pass
		}
		r.Cursor = to
		r.Backfill.Listed += listed
		r.Backfill.Enqueued += enqueued
		r.Backfill.Complete = r.Backfill.Complete || done // a remote location is polled on after its first listing
		r.Backfill.Error = ""
		return putRecord(tx, r, false)
	})
}

// IngestEvent queues the object an S3 event of location id's subscription names (s3notify's Ingest). The
// event of a location removed since is dropped.
func (s *Service) IngestEvent(ctx context.Context, e *objstore.Event, id string) error {
	r, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	if r == nil {
		s.cfg.Logger.Info("ingest event of a removed location dropped", "location", id, "bucket", e.Bucket, "key", e.Key)
		return nil
	}
	_, err = s.cfg.Engine.Enqueue(ctx, r.object(e.Key, e.VersionID, e.ETag, e.Size))
	return err
}

// object is the queue entry of one of the location's objects. An object's identity is (bucket, key, version ID
// or else ETag); S3's "null" version (a bucket with versioning suspended) is no version.
func (r *record) object(key, version, etag string, size int64) ingest.ObjectRef {
	if version == objstore.NullVersion {
		version = ""
	}
	src := r.Source
	if src == SourceAuto {
		src = ""
	}
	return ingest.ObjectRef{Bucket: r.Bucket, Key: key, VersionID: version, ETag: etag, Size: size, Account: r.Owner, Region: r.Region,
		Source: src, Location: r.ID, Remote: r.Remote}
}

func getRecord(tx meta.Tx, id string) (*record, error) {
	v, err := tx.Get(tableLocations, id)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r := new(record)
	return r, json.Unmarshal(v, r)
}
