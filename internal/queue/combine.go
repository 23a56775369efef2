package queue

import (
	"context"
	"sync"

	"github.com/seclake/seclake/internal/meta"
)

// maxCombined bounds the writes one transaction combines.
const maxCombined = 64

// combiner runs the message writes of concurrent requests (sends, receives, deletes, visibility changes) in
// one transaction, so that they share one commit (one fsync on SQLite) instead of queueing for one each. A
// request that finds no transaction running runs its own at once: combining adds no wait. The functions it
// runs return only store errors (SQS's per-entry errors are results); when a combined transaction fails, each
// of its writes is tried again alone, so one write's failure is never another's.
type combiner struct {
	mu      sync.Mutex
	running bool
	pending []*write
}

type write struct {
	fn   func(meta.Tx) error
	err  error
	done chan struct{}
}

// write runs fn in a transaction, combined with the writes of other requests running at the same time.
func (s *Service) write(ctx context.Context, fn func(meta.Tx) error) error {
	w := &write{fn: fn, done: make(chan struct{})}
	c := &s.combine
	c.mu.Lock()
	c.pending = append(c.pending, w)
	if c.running {
		c.mu.Unlock()
		<-w.done // the running leader picks it up
		return w.err
	}
	c.running = true
	c.mu.Unlock()
	s.lead(context.WithoutCancel(ctx))
	<-w.done
	return w.err
}

// lead runs the pending writes (up to maxCombined) in one transaction; writes that arrived meanwhile are led
// by a new goroutine, so that no request's own answer waits for others'.
func (s *Service) lead(ctx context.Context) {
	c := &s.combine
	c.mu.Lock()
	n := min(len(c.pending), maxCombined)
	batch := c.pending[:n:n]
	c.pending = c.pending[n:]
	c.mu.Unlock()
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		for _, w := range batch {
			if err := w.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(batch) > 1 {
		for _, w := range batch {
			w.err = s.store.Update(ctx, w.fn)
		}
	} else {
		for _, w := range batch {
			w.err = err
		}
	}
	for _, w := range batch {
		close(w.done)
	}
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.running = false
	} else {
		go s.lead(ctx)
	}
	c.mu.Unlock()
}
