package ingest

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/table"
)

// objectSink receives the events and set-aside records of one object's read.
type objectSink struct {
	s                   *Service
	ctx                 context.Context
	h                   *heldObject
	cr                  *countingReader
	seen                int64 // bytes of input already attributed to events
	evAccount, evRegion string
}

// noTableReason says why events of custom-source tables are not committed yet.
const noTableReason = "the lake has no table %s yet (a custom-source table: created by the Security Lake " +
	"control plane, to come)"

// Events buffers the events of a batch that are not committed yet (those past the object's watermark for the
// table), and commits buffers when they are due by size.
func (k *objectSink) Events(b source.Batch) error {
	s, h := k.s, k.h
	if _, held := s.state.held[h.id]; !held {
		return errLost
	}
	size := k.cr.n - k.seen
	k.seen = k.cr.n
	if _, err := table.AWS(b.Table); err != nil {
		h.noTable += int64(len(b.Events))
		h.noTableReason = fmt.Sprintf(noTableReason, b.Table)
		return nil
	}
	n := int64(len(b.Events))
	first := h.produced[b.Table]
	h.produced[b.Table] += n
	skip := h.rec.Watermarks[b.Table] - first // committed before: passed over
	if skip >= n {
		return nil
	}
	evs := b.Events
	if skip > 0 {
		size = size * (n - skip) / n
		evs, first = evs[skip:], first+skip
	}
	key := bufKey{account: h.rec.Ref.Account, region: h.rec.Ref.Region, table: b.Table, evAccount: k.evAccount,
		evRegion: k.evRegion}
	if h.rec.Attempts > 0 {
		key.solo = h.id
	}
	buf := s.state.buffers[key]
	if buf == nil {
		buf = &buffer{key: key}
		s.state.buffers[key] = buf
	}
	buf.add(h.id, first, evs, size, s.cfg.Clock.Now())
	h.pending[b.Table] += int64(len(evs))
	s.state.total += size
	if err := s.renewHeld(k.ctx, true); err != nil {
		return &abort{err}
	}
	if _, held := s.state.held[h.id]; !held {
		return errLost
	}
	switch {
	case s.state.total >= s.cfg.Flush.MaxBufferBytes:
		if err := s.flushDue(k.ctx, true); err != nil {
			return &abort{err}
		}
	case buf.bytes >= s.cfg.Flush.MaxBytes:
		if err := s.flushOne(k.ctx, buf); err != nil {
			return &abort{err}
		}
	}
	if _, held := s.state.held[h.id]; !held {
		return errLost
	}
	return nil
}

// SetAside keeps a record set aside, unless an earlier read of the object stored it already.
func (k *objectSink) SetAside(sa source.SetAside) error {
	h := k.h
	if sa.Record <= h.rec.SetAsideMark {
		return nil
	}
	h.setAsides = append(h.setAsides, sa)
	if len(h.setAsides) >= setAsideChunk {
		if err := k.s.storeSetAsides(k.ctx, h); err != nil {
			return &abort{err}
		}
	}
	return nil
}

// abort carries an error of the worker itself (the metadata store failed) out of a source's Normalize: it ends
// the Run instead of failing the object being read.
type abort struct{ err error }

func (a *abort) Error() string { return a.err.Error() }
func (a *abort) Unwrap() error { return a.err }
