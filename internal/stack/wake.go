package stack

import (
	"context"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/s3notify"
)

// waker wakes the jobs of the path from a raw object to a subscriber's message when work for them is recorded, so
// that it does not wait for their next one-second slot at each step: an object write that recorded an event wakes
// s3.notify, an object queued for ingestion wakes ingest.run, and ingest.run wakes itself when its buffered
// events come due. The work is in the metadata store: nodes that are not woken find it at their next slot.
type waker struct {
	mu      sync.Mutex
	fn      func(job string)
	flushAt time.Time // when the armed flush wake fires (zero: none armed)
}

// SetWake sets how the stack's components wake a job of this node (the scheduler's Wake); nil: they do not.
func (s *Stack) SetWake(fn func(job string)) {
	s.wake.mu.Lock()
	defer s.wake.mu.Unlock()
	s.wake.fn = fn
}

// wakeJob wakes a job of this node, if the scheduler is there.
func (s *Stack) wakeJob(job string) {
	s.wake.mu.Lock()
	fn := s.wake.fn
	s.wake.mu.Unlock()
	if fn != nil {
		fn(job)
	}
}

// armFlush wakes ingest.run when its oldest buffered events come due (on the system clock only: tests that move
// a fake clock run the jobs themselves).
func (s *Stack) armFlush() {
	if s.Ingest == nil || s.cfg.Clock != clock.System {
		return
	}
	next := s.Ingest.NextFlush()
	if next.IsZero() {
		return
	}
	s.wake.mu.Lock()
	defer s.wake.mu.Unlock()
	if !s.wake.flushAt.IsZero() && !s.wake.flushAt.After(next) {
		return // one that fires sooner is armed
	}
	s.wake.flushAt = next
	time.AfterFunc(time.Until(next)+time.Millisecond, func() {
		s.wake.mu.Lock()
		s.wake.flushAt = time.Time{}
		s.wake.mu.Unlock()
		s.wakeJob(JobIngestRun)
	})
}

// wakeIngest is the ingest locations as s3notify delivers to them (s3notify.Ingest), waking ingest.run once an
// object is queued.
type wakeIngest struct {
	s3notify.Ingest
	s *Stack
}

func (w wakeIngest) IngestEvent(ctx context.Context, e *objstore.Event, id string) error {
	err := w.Ingest.IngestEvent(ctx, e, id)
	if err == nil {
		w.s.wakeJob(JobIngestRun)
	}
	return err
}
