package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// finish marks a held object done: read to its end, every event committed.
func (s *Service) finish(ctx context.Context, h *heldObject) error {
	done := false
	err := s.cfg.Meta.Update(ctx, func(tx meta.Tx) error {
		done = false
		rec, err := loadObject(tx, h.id)
		if err != nil {
			return err
		}
		if rec.Owner != s.owner || rec.State != stateQueued {
			return nil
		}
		done = true
		return s.finishTx(tx, h, rec)
	})
	if err != nil {
		return fmt.Errorf("ingest: finish %s: %w", objName(h.rec.Ref), err)
	}
	if done {
		s.finished(h)
	} else {
		s.drop(h.id)
	}
	return nil
}

// finishTx marks rec, the record of the held object h, done in tx, and counts it.
func (s *Service) finishTx(tx meta.Tx, h *heldObject, rec *objectRecord) error {
	now := s.cfg.Clock.Now().UTC()
	old := *rec
	wasFailing := rec.Failing
	rec.State, rec.Owner, rec.Until, rec.Failing = stateDone, "", time.Time{}, false
	rec.Counts, rec.NoTable, rec.NoTableReason, rec.Finished = h.counts, h.noTable, h.noTableReason, now
	if err := saveObject(tx, h.id, &old, rec); err != nil {
		return err
	}
	c := h.counts
	if err := s.clearSucceeded(tx, rec, c.SetAside); err != nil {
		return err
	}
	return editCounts(tx, rec.Ref.Source, rec.Ref.Location, func(st *counts) {
		st.Queued--
		st.Done++
		if wasFailing {
			st.Failed--
		}
		st.Records += c.Read
		st.Events += c.Events
		st.SetAside += c.SetAside
		st.Skipped += c.Skipped + h.noTable
		st.Bytes += c.Bytes
		if h.noTableReason != "" {
			st.NoTable = h.noTableReason
		}
	})
}

// finished forgets a done object and counts it in the metrics.
func (s *Service) finished(h *heldObject) {
	delete(s.state.held, h.id)
	src := h.rec.Ref.Source
	s.metrics.object(src, "done")
	s.metrics.records.WithLabelValues(src).Add(float64(h.counts.Read))
	s.metrics.events.WithLabelValues(src).Add(float64(h.counts.Events))
	s.metrics.bytes.WithLabelValues(src).Add(float64(h.counts.Bytes))
	s.metrics.setAside.WithLabelValues(src).Add(float64(h.counts.SetAside))
}
