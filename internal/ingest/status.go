package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Status is the progress of ingestion.
type Status struct {
	// Sources are the counts per source and location, ordered by source then location.
	Sources []SourceStatus
	// Queued, Done and Failed count the objects in each state, all sources together.
	Queued, Done, Failed int64
	// Lag is the age of the oldest object waiting to be ingested (0 when none waits).
	Lag time.Duration
	// Audit is the audit-trail feed's progress.
	Audit AuditStatus
}

// SourceStatus is the progress of one source in one location.
type SourceStatus struct {
	// Source is the source's name; "" for objects whose source is not known yet (not read yet, or
	// undetectable: those fail with the reason).
	Source string
	// Location is the registered location's ID ("" for objects enqueued otherwise).
	Location string
	// Queued, Done and Failed count the objects: waiting (failed ones included, they are retried), ingested,
	// and of those waiting, the ones whose last attempt failed.
	Queued, Done, Failed int64
	// Records, Events, SetAside and Skipped count what the objects ingested held (source.Counts); Bytes the
	// bytes read (decompressed). Skipped also counts the events bound for tables the lake does not have yet
	// (custom-source tables): SkippedReason says why.
	Records, Events, SetAside, Skipped, Bytes int64
	SkippedReason                             string
	// Lag is the age of the source's oldest waiting object.
	Lag time.Duration
	// LastError is the error of the most recent failed attempt, and LastErrorTime when it happened.
	LastError     string
	LastErrorTime time.Time
}

// AuditStatus is the progress of the audit-trail feed.
type AuditStatus struct {
	// Cursor is the sequence number of the last audit record ingested (or passed over: records of accounts
	// without a lake in the record's region).
	Cursor uint64
	// Events is the number of events committed from the trail.
	Events int64
}

// Failure is an object whose last attempt failed; it is retried with backoff and never dropped.
type Failure struct {
	Ref ObjectRef
	// Reason is the error: for a refusal, it names the principal, the action and the policy statement missing.
	Reason string
	// Attempts is how many times the object was tried; Last when it last failed, Next when it is tried again.
	Attempts   int
	Last, Next time.Time
}

// SetAsideRecord is a raw record that could not be normalized.
type SetAsideRecord struct {
	Source string
	// Object names the object (s3://bucket/key) the record came from, Record its number in the object.
	Object string
	Record int64
	Reason string
	// Raw is the record as read (at most source.MaxRecord bytes; Truncated when there was more).
	Raw       []byte
	Truncated bool
	Time      time.Time
}

// Status returns the progress of ingestion per source and location.
func (s *Service) Status(ctx context.Context) (Status, error) {
	var st Status
	now := s.cfg.Clock.Now()
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		st = Status{}
		var rows []counts
		var derr error
		err := tx.Scan(statsTable, meta.Range{Prefix: "s/"}, func(_ string, v []byte) bool {
			var c counts
			if derr = json.Unmarshal(v, &c); derr != nil {
				return false
			}
			rows = append(rows, c)
			return true
		})
		if err = errors.Join(err, derr); err != nil {
			return err
		}
		for _, c := range rows {
			ss := SourceStatus{Source: c.Source, Location: c.Location, Queued: c.Queued, Done: c.Done,
				Failed: c.Failed, Records: c.Records, Events: c.Events, SetAside: c.SetAside, Skipped: c.Skipped,
				Bytes: c.Bytes, SkippedReason: c.NoTable, LastError: c.LastErr, LastErrorTime: c.LastTime}
			oldest, err := oldestWaiting(tx, c.Source, c.Location)
			if err != nil {
				return err
			}
			if !oldest.IsZero() {
				ss.Lag = max(now.Sub(oldest), 0)
			}
			st.Queued, st.Done, st.Failed = st.Queued+c.Queued, st.Done+c.Done, st.Failed+c.Failed
			st.Lag = max(st.Lag, ss.Lag)
			st.Sources = append(st.Sources, ss)
		}
		var cur auditCursor
		if err := getJSON(tx, statsTable, auditKey, &cur); err != nil && !isNotFound(err) {
			return err
		}
		st.Audit = AuditStatus{Cursor: cur.Seq, Events: cur.Events}
		return nil
	})
	return st, err
}

// oldestWaiting returns when the oldest waiting object of a source and location was enqueued.
func oldestWaiting(tx meta.Tx, src, location string) (time.Time, error) {
	var oldest time.Time
	err := tx.Scan(waitTable, meta.Range{Prefix: waitPrefix(src, location), Limit: 1}, func(k string, _ []byte) bool {
		rest := k[len(waitPrefix(src, location)):]
		if ms, err := strconv.ParseUint(rest[:min(16, len(rest))], 16, 64); err == nil {
			oldest = time.UnixMilli(int64(ms))
		}
		return false
	})
	return oldest, err
}

// Failures returns up to limit objects whose last attempt failed (all when limit ≤ 0), soonest retried first.
func (s *Service) Failures(ctx context.Context, limit int) ([]Failure, error) {
	var out []Failure
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var ids []string
		if err := tx.Scan(dueTable, meta.Range{}, func(k string, _ []byte) bool {
			ids = append(ids, k[len(k)-32:])
			return true
		}); err != nil {
			return err
		}
		for _, id := range ids {
			rec, err := loadObject(tx, id)
			if err != nil {
				return err
			}
			if !rec.Failing {
				continue
			}
			out = append(out, Failure{Ref: rec.Ref, Reason: rec.LastError, Attempts: rec.Attempts,
				Last: rec.LastErrorTime, Next: rec.Due})
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// lagEvery is how often Run updates the lag gauge.
const lagEvery = 10 * time.Second

// updateLag sets the lag gauge from the oldest waiting object, every lagEvery at most.
func (s *Service) updateLag(ctx context.Context) {
	now := s.cfg.Clock.Now()
	if now.Sub(s.lagAt) < lagEvery {
		return
	}
	s.lagAt = now
	st, err := s.Status(ctx)
	if err == nil {
		s.metrics.lag.Set(st.Lag.Seconds())
	}
}
