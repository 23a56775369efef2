package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/table"
)

// errLost means this instance no longer holds an object's lease.
var errLost = errors.New("ingest: the object's lease was lost to another worker")

// walRecord is the write-ahead record of a commit in flight (table ingest.commits, by append ID).
type walRecord struct {
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Table   string    `json:"table"`
	Parts   []bufPart `json:"parts"`
	Owner   string    `json:"owner"`
	Written time.Time `json:"written"`
}

// flushDue commits the buffers that are due (all of them when all is set), oldest first.
func (s *Service) flushDue(ctx context.Context, all bool) error {
	now := s.cfg.Clock.Now()
	var due []*buffer
	for _, b := range s.state.buffers {
		if all || b.bytes >= s.cfg.Flush.MaxBytes || now.Sub(b.oldest) >= s.cfg.Flush.MaxAge {
			due = append(due, b)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].oldest.Before(due[j].oldest) })
	for _, b := range due {
		if s.state.buffers[b.key] != b {
			continue // emptied by a failure of another commit
		}
		if err := s.flushOne(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// flushOne commits a buffer: write-ahead record, append, ledger. Objects whose lease was lost are dropped first;
// a failed append fails the objects that contributed (they are read again later). It returns an error only
// when the metadata store fails.
func (s *Service) flushOne(ctx context.Context, b *buffer) error {
	delete(s.state.buffers, b.key)
	s.state.total -= b.bytes
	if len(b.events) == 0 {
		return nil
	}
	id := newAppendID()
	lost, err := s.writeAhead(ctx, id, b)
	if err != nil {
		s.requeue(b)
		return fmt.Errorf("ingest: write-ahead record: %w", err)
	}
	if len(lost) > 0 {
		s.requeue(b)
		s.drop(lost...)
		if nb := s.state.buffers[b.key]; nb != nil {
			return s.flushOne(ctx, nb)
		}
		return nil
	}
	start := s.cfg.Clock.Now()
	err = s.appendBatch(ctx, id, b)
	if err == nil && s.hooks.afterAppend != nil {
		if herr := s.hooks.afterAppend(); herr != nil {
			return herr // a crash: nothing more happens in this process
		}
	}
	if err != nil && ctx.Err() != nil {
		// Stopped: the objects are released as they are (the write-ahead record stays, resolved by the next
		// claim), without counting a failed attempt.
		s.releaseParts(b)
		return ctx.Err()
	}
	if err != nil {
		// The write-ahead record stays: whoever claims the objects next asks the table whether it committed.
		s.cfg.Logger.Warn("ingest: commit failed; the objects are tried again", "table", b.key.table,
			"events", len(b.events), "error", err)
		return s.failParts(ctx, b, fmt.Errorf("commit to %s: %w", b.key.table, err))
	}
	s.metrics.commit(b.key.table, len(b.events), s.cfg.Clock.Now().Sub(start))
	if err := s.ledger(ctx, id, b); err != nil {
		s.releaseParts(b) // the write-ahead record stays, and is resolved by the next claim
		return err
	}
	return nil
}

// requeue puts a buffer back.
func (s *Service) requeue(b *buffer) {
	s.state.buffers[b.key] = b
	s.state.total += b.bytes
}

func newAppendID() string {
	x := make([]byte, 16)
	_, _ = rand.Read(x)
	return "ingest-" + hex.EncodeToString(x)
}

// writeAhead checks the leases of the buffer's objects and writes the commit's write-ahead record. It returns
// the objects whose lease is lost (or has less than the margin left), writing nothing then.
func (s *Service) writeAhead(ctx context.Context, id string, b *buffer) ([]string, error) {
	var lost []string
	err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		lost = lost[:0]
		now := s.cfg.Clock.Now().UTC()
		recs := make([]*objectRecord, len(b.parts))
		for i, p := range b.parts {
			rec, err := loadObject(tx, p.ID)
			if err != nil && !isNotFound(err) {
				return err
			}
			if rec == nil || rec.State != stateQueued || rec.Owner != s.owner || rec.Until.Sub(now) < s.cfg.Margin ||
				rec.Watermarks[b.key.table] != p.From {
				lost = append(lost, p.ID)
			}
			recs[i] = rec
		}
		if len(lost) > 0 {
			return nil
		}
		for i, p := range b.parts {
			rec := recs[i]
			rec.Commits = append(rec.Commits, id)
			if err := putJSON(tx, objectsTable, p.ID, rec); err != nil {
				return err
			}
		}
		return putJSON(tx, commitsTable, id, walRecord{Account: b.key.account, Region: b.key.region,
			Table: b.key.table, Parts: b.parts, Owner: s.owner, Written: now})
	})
	return lost, err
}

// appendBatch appends the buffer's events to its table under the append ID id. A panic of the table's writer
// (an event its schema cannot hold) fails the commit instead of the worker.
func (s *Service) appendBatch(ctx context.Context, id string, b *buffer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("table %s cannot hold the events: %v", b.key.table, r)
		}
	}()
	t, err := s.table(ctx, b.key.account, b.key.region, b.key.table)
	if err != nil {
		return err
	}
	_, err = t.Append(ctx, table.Batch{ID: id, Account: b.key.evAccount, Region: b.key.evRegion, Events: b.events})
	return err
}

// table opens a table of a lake.
func (s *Service) table(ctx context.Context, account, region, name string) (*table.Table, error) {
	lake, err := s.cfg.Lakes.Open(ctx, account, region)
	if err != nil {
		return nil, err
	}
	src, err := table.AWS(name)
	if err != nil {
		return nil, err
	}
	return lake.Table(ctx, src)
}

// ledger records a committed append: the write-ahead record goes, the watermarks move, and the objects read
// to their end with nothing left buffered are done — in one transaction.
func (s *Service) ledger(ctx context.Context, id string, b *buffer) error {
	for _, p := range b.parts {
		if h := s.state.held[p.ID]; h != nil {
			h.pending[b.key.table] -= p.To - p.From
		}
	}
	var finished []*heldObject
	err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		finished = finished[:0]
		if err := tx.Delete(commitsTable, id); err != nil && !isNotFound(err) {
			return err
		}
		if err := noteCollected(tx, b, s.cfg.Clock.Now()); err != nil {
			return err
		}
		cleared := map[string]bool{}
		for _, p := range b.parts {
			rec, err := loadObject(tx, p.ID)
			if err != nil {
				return err
			}
			if !cleared[rec.Ref.Source] {
				cleared[rec.Ref.Source] = true
				src, _ := s.sourceName(rec.Ref.Source)
				if err := clearProblems(tx, b.key.account, b.key.region, src, false); err != nil {
					return err
				}
			}
			h := s.state.held[p.ID]
			applyPart(rec, id, b.key.table, p)
			if h != nil {
				h.rec.Watermarks = rec.Watermarks
			}
			if h != nil && h.readDone && h.pendingTotal() == 0 && rec.Owner == s.owner && rec.State == stateQueued {
				if err := s.finishTx(tx, h, rec); err != nil {
					return err
				}
				finished = append(finished, h)
				continue
			}
			if err := putJSON(tx, objectsTable, p.ID, rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ingest: ledger: %w", err)
	}
	for _, h := range finished {
		s.finished(h)
	}
	return nil
}

// applyPart advances rec's watermark of tbl over part p of commit id, once.
func applyPart(rec *objectRecord, id, tbl string, p bufPart) {
	if rec.Watermarks == nil {
		rec.Watermarks = map[string]int64{}
	}
	if rec.Watermarks[tbl] == p.From {
		rec.Watermarks[tbl] = p.To
	}
	rec.Commits = slices.DeleteFunc(rec.Commits, func(c string) bool { return c == id })
}

// releaseParts gives up the objects of a buffer, without a failure: they are claimed again once due.
func (s *Service) releaseParts(b *buffer) {
	ids := make([]string, 0, len(b.parts))
	for _, p := range b.parts {
		ids = append(ids, p.ID)
	}
	s.drop(ids...)
	s.release(context.Background(), ids)
}

// failParts releases the objects of a buffer whose commit failed, with the reason.
func (s *Service) failParts(ctx context.Context, b *buffer, cause error) error {
	var ids, sources []string
	for _, p := range b.parts {
		src := ""
		if h := s.state.held[p.ID]; h != nil {
			src = h.rec.Ref.Source
		}
		ids, sources = append(ids, p.ID), append(sources, src)
	}
	s.drop(ids...)
	for i, id := range ids {
		if err := s.fail(ctx, id, cause); err != nil {
			return fmt.Errorf("ingest: record a failure: %w", err)
		}
		s.metrics.object(sources[i], "failed")
	}
	return nil
}

// resolveAll settles write-ahead records left by a worker that died or failed: applied when the table has the
// append, deleted when it has not.
func (s *Service) resolveAll(ctx context.Context, object string, ids []string) error {
	for _, id := range ids {
		if err := s.resolve(ctx, object, id); err != nil {
			return fmt.Errorf("ingest: resolve commit %s: %w", id, err)
		}
	}
	return nil
}

// resolve settles the write-ahead record id, which object points at.
func (s *Service) resolve(ctx context.Context, object, id string) error {
	var w walRecord
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error { return getJSON(tx, commitsTable, id, &w) })
	if isNotFound(err) {
		w = walRecord{}
	} else if err != nil {
		return err
	}
	committed := false
	if w.Table != "" {
		t, err := s.table(ctx, w.Account, w.Region, w.Table)
		if err != nil {
			return err
		}
		if committed, err = t.Committed(ctx, id); err != nil {
			return err
		}
		s.metrics.recoveries.WithLabelValues(fmt.Sprint(committed)).Inc()
	}
	return s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		if err := tx.Delete(commitsTable, id); err != nil && !isNotFound(err) {
			return err
		}
		parts := w.Parts
		if !slices.ContainsFunc(parts, func(p bufPart) bool { return p.ID == object }) {
			parts = append(parts, bufPart{ID: object, From: -1}) // only the pointer to drop
		}
		for _, p := range parts {
			rec, err := loadObject(tx, p.ID)
			if isNotFound(err) {
				continue
			} else if err != nil {
				return err
			}
			if committed && p.From >= 0 {
				applyPart(rec, id, w.Table, p)
			} else {
				rec.Commits = slices.DeleteFunc(rec.Commits, func(c string) bool { return c == id })
			}
			if err := putJSON(tx, objectsTable, p.ID, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// jsonOf encodes v.
func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

// resolveStale settles the write-ahead records older than a lease whose objects no live worker holds (left by a
// worker that died, or by a failed commit whose objects wait for their retry), so that a record is resolved
// within a lease or so of its writing: snapshot expiry may then drop the snapshots older than that.
func (s *Service) resolveStale(ctx context.Context) error {
	now := s.cfg.Clock.Now().UTC()
	stale := map[string]string{} // record → one of its objects
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		clear(stale)
		var records []walRecord
		var ids []string
		var derr error
		err := tx.Scan(commitsTable, meta.Range{}, func(k string, v []byte) bool {
			var w walRecord
			if derr = json.Unmarshal(v, &w); derr != nil {
				return false
			}
			if now.Sub(w.Written) > s.cfg.Lease && len(w.Parts) > 0 {
				records, ids = append(records, w), append(ids, k)
			}
			return true
		})
		if err = errors.Join(err, derr); err != nil {
			return err
		}
		for i, w := range records {
			live := false
			for _, p := range w.Parts {
				rec, err := loadObject(tx, p.ID)
				if err != nil && !isNotFound(err) {
					return err
				}
				live = live || rec != nil && rec.Owner != "" && rec.Until.After(now)
			}
			if !live {
				stale[ids[i]] = w.Parts[0].ID
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ingest: scan the write-ahead records: %w", err)
	}
	for id, object := range stale {
		if err := s.resolve(ctx, object, id); err != nil {
			s.cfg.Logger.Warn("ingest: cannot resolve a write-ahead record yet", "commit", id, "error", err)
		}
	}
	return nil
}
