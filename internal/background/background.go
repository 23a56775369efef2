// Package background runs a service's own background loop (KMS's scheduler, when it runs in one process without
// the cluster's job scheduler, internal/schedule) in one goroutine that Start begins and Stop cancels and
// waits for.
package background

import (
	"context"
	"sync"
)

// Runner runs one background function at a time. The zero Runner is ready to use.
type Runner struct {
	mu     sync.Mutex
	cancel context.CancelFunc // cancels the running function's context; nil while nothing runs
	done   chan struct{}      // closed when the running function has returned
}

// Start runs fn in a new goroutine unless one is already running. fn's context is cancelled by Stop; fn
// should return soon after.
func (r *Runner) Start(fn func(ctx context.Context)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	go func() {
		defer close(done)
		fn(ctx)
	}()
}

// Stop cancels the running function and waits for it to return. It does nothing when nothing runs.
func (r *Runner) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel == nil {
		return
	}
	r.cancel()
	<-r.done
	r.cancel, r.done = nil, nil
}
