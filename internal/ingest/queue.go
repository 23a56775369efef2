package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

func isNotFound(err error) bool { return errors.Is(err, meta.ErrNotFound) }

// enqueueChunk is how many objects one Enqueue transaction records.
const enqueueChunk = 256

// Enqueue records objects to ingest, durably: an object whose identity (bucket, key, version ID or else ETag) is
// already known, waiting or done, is not added again. It returns how many objects were added. A ref needs
// Bucket, Key, Account and Region; a Source it names must be one of the registry's, and when it names none the
// source is detected from the key's layout (an object whose source cannot be detected fails when it is read,
// with the reason, and waits).
func (s *Service) Enqueue(ctx context.Context, refs ...ObjectRef) (int, error) {
	for i := range refs {
		if err := s.check(&refs[i]); err != nil {
			return 0, err
		}
	}
	added := 0
	for len(refs) > 0 {
		chunk := refs[:min(len(refs), enqueueChunk)]
		refs = refs[len(chunk):]
		n := 0
		err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
			n = 0
			now := s.cfg.Clock.Now().UTC()
			for _, r := range chunk {
				ok, err := enqueueOne(tx, r, now)
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return added, fmt.Errorf("ingest: enqueue: %w", err)
		}
		added += n
		s.metrics.enqueued.Add(float64(n))
	}
	return added, nil
}

// check validates a ref and settles its source's name.
func (s *Service) check(r *ObjectRef) error {
	if r.Bucket == "" || r.Key == "" || r.Account == "" || r.Region == "" {
		return awserr.New("InvalidRequestException", 400, "an object to ingest needs a bucket, a key, and the "+
			"account and region of its lake (s3://%s/%s: account %q, region %q)", r.Bucket, r.Key, r.Account, r.Region)
	}
	if r.Source == "" {
		r.Source = DetectLayout(r.Key).Source
		return nil
	}
	src, ok := s.cfg.Sources.Lookup(r.Source)
	if !ok {
		return awserr.New("InvalidRequestException", 400, "no source is named %q; the sources are %s", r.Source,
			s.cfg.Sources.Names())
	}
	r.Source = src.Info().Name
	return nil
}

func enqueueOne(tx meta.Tx, r ObjectRef, now time.Time) (bool, error) {
	id := objectID(r)
	rec := &objectRecord{Ref: r, State: stateQueued, Enqueued: now, Due: now}
	b, err := jsonOf(rec)
	if err != nil {
		return false, err
	}
	if err := tx.Insert(objectsTable, id, b); errors.Is(err, meta.ErrExists) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if err := tx.Put(dueTable, dueKey(rec.Due, id), nil); err != nil {
		return false, err
	}
	if err := tx.Put(waitTable, waitKey(rec, id), nil); err != nil {
		return false, err
	}
	return true, editCounts(tx, r.Source, r.Location, func(c *counts) { c.Queued++ })
}

// claim takes up to n objects that are due, leasing each to this instance until now+Lease.
func (s *Service) claim(ctx context.Context, n int) ([]claimed, error) {
	now := s.cfg.Clock.Now().UTC()
	var ids []string
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		return tx.Scan(dueTable, meta.Range{End: dueKey(now.Add(time.Millisecond), ""), Limit: 4 * n},
			func(k string, _ []byte) bool {
				if i := len(k) - 32; i > 0 {
					ids = append(ids, k[i:])
				}
				return true
			})
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: scan the queue: %w", err)
	}
	var out []claimed
	for _, id := range ids {
		if len(out) == n {
			break
		}
		if _, held := s.state.held[id]; held {
			continue
		}
		var got *objectRecord
		err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
			got = nil
			now := s.cfg.Clock.Now().UTC()
			rec, err := loadObject(tx, id)
			if isNotFound(err) {
				return nil
			} else if err != nil {
				return err
			}
			if rec.State != stateQueued || rec.Due.After(now) || (rec.Owner != "" && rec.Until.After(now)) {
				return nil // done or taken meanwhile
			}
			old := *rec
			rec.Owner, rec.Until, rec.Due = s.owner, now.Add(s.cfg.Lease), now.Add(s.cfg.Lease)
			got = rec
			return saveObject(tx, id, &old, rec)
		})
		if err != nil {
			return out, fmt.Errorf("ingest: claim: %w", err)
		}
		if got != nil {
			out = append(out, claimed{id: id, rec: got})
		}
	}
	return out, nil
}

// claimed is an object this instance claimed.
type claimed struct {
	id  string
	rec *objectRecord
}

// renew extends the leases of the objects this instance holds; it returns the IDs of those it no longer holds.
func (s *Service) renew(ctx context.Context, ids []string) ([]string, error) {
	var lost []string
	err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		lost = lost[:0]
		now := s.cfg.Clock.Now().UTC()
		for _, id := range ids {
			rec, err := loadObject(tx, id)
			if err != nil && !isNotFound(err) {
				return err
			}
			if rec == nil || rec.State != stateQueued || rec.Owner != s.owner || !rec.Until.After(now) {
				lost = append(lost, id)
				continue
			}
			old := *rec
			rec.Until, rec.Due = now.Add(s.cfg.Lease), now.Add(s.cfg.Lease)
			if err := saveObject(tx, id, &old, rec); err != nil {
				return err
			}
		}
		return nil
	})
	return lost, err
}

// Backoff bounds of failed objects: the first retry after minBackoff, doubling up to maxBackoff.
const (
	minBackoff = 10 * time.Second
	maxBackoff = time.Hour
)

func backoff(attempts int) time.Duration {
	d := minBackoff
	for i := 1; i < attempts && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// fail releases an object this instance holds after a failed attempt: it is tried again after a backoff.
func (s *Service) fail(ctx context.Context, id string, cause error) error {
	msg := cause.Error()
	return s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		now := s.cfg.Clock.Now().UTC()
		rec, err := loadObject(tx, id)
		if isNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		if rec.State != stateQueued || rec.Owner != s.owner {
			return nil // taken over meanwhile: its new owner decides
		}
		old := *rec
		wasFailing := rec.Failing
		rec.Owner, rec.Until = "", time.Time{}
		rec.Attempts++
		rec.Failing, rec.LastError, rec.LastErrorTime = true, msg, now
		rec.Due = now.Add(backoff(rec.Attempts))
		if err := saveObject(tx, id, &old, rec); err != nil {
			return err
		}
		if err := noteProblem(tx, s.problemFrom(rec.Ref, cause), now, 1); err != nil {
			return err
		}
		return editCounts(tx, rec.Ref.Source, rec.Ref.Location, func(c *counts) {
			if !wasFailing {
				c.Failed++
			}
			c.LastErr, c.LastTime = msg, now
		})
	})
}

// release gives up this instance's claims on objects without counting a failure: they are due at once. Errors
// are left to the leases, which run out.
func (s *Service) release(ctx context.Context, ids []string) {
	_ = s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		now := s.cfg.Clock.Now().UTC()
		for _, id := range ids {
			rec, err := loadObject(tx, id)
			if err != nil || rec.State != stateQueued || rec.Owner != s.owner {
				continue
			}
			old := *rec
			rec.Owner, rec.Until, rec.Due = "", time.Time{}, now
			if err := saveObject(tx, id, &old, rec); err != nil {
				return err
			}
		}
		return nil
	})
}
