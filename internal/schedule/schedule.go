// Package schedule runs the cluster's periodic jobs — KMS's scheduled rotations and deletions, S3 lifecycle
// and the blob sweeper, trail delivery, IAM's credential janitor — exactly once per slot of their schedule,
// across every node that runs a Scheduler over the same metadata store.
//
// # Slots
//
// A job's schedule divides time into slots of Every, aligned to the Unix epoch: with Every = 1h, slot 14:00
// is [14:00, 15:00). A job is due when the newest slot that has begun has not run yet. Slots missed while no
// node ran the job (every worker down) are not made up one by one: the first node back runs the current slot
// once.
//
// # Claims
//
// A node runs a due slot only after claiming it in a transaction of the metadata store (table schedule.jobs,
// one row per job): the transaction sees that the slot has neither run nor been claimed by a live lease, and
// writes the claim — the slot, the node, a random token, and a lease that ends Lease after now. The store's
// transactions are serializable (PostgreSQL retries the loser of a conflict), so of several nodes that try at
// once exactly one commits its claim and the others see it. While the job runs, its node renews the lease
// every Lease/3. When the run ends, a second transaction — only if the claim is still this node's token —
// records the run (node, start, end, error) in schedule.runs, marks the slot done and clears the claim.
//
// If the node dies mid-run its lease runs out, and the next node to look takes the job over: it records the
// abandoned run and claims the current slot (the same slot, if it has not ended). A node that cannot renew
// its lease before it ends, or finds it taken over, cancels its run, and its end is not recorded as the
// slot's. A node that stops (shutdown) cancels its runs and releases their slots without marking them done,
// so the slot runs again on the next worker that looks (at the latest when the lease would have ended).
//
// Exactly once holds for claims: two nodes never hold one slot at the same time. A run cut short by a crash
// is run again by whoever takes it over, so the work of a job must be safe to redo — the jobs here re-check
// each item in the transaction that acts on it.
package schedule

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

// DefaultLease is how long a claim lasts without renewal unless a job sets its own Lease.
const DefaultLease = time.Minute

// Job is a periodic job of the cluster.
type Job struct {
	// Name identifies the job in the metadata store, the metrics and /_seclake/jobs: "<service>.<job>".
	Name string
	// Every is the length of the job's slots: it runs once in each.
	Every time.Duration
	// Lease is how long a claim holds without renewal (default DefaultLease): a worker that dies mid-run
	// delays the job by at most this much.
	Lease time.Duration
	// Run does the work of one slot. Its context is cancelled when the node stops or loses the claim.
	Run func(ctx context.Context) error

	// wake, when signalled (Wake), makes this node's loop look for a run at once (a woken run).
	wake chan struct{}
}

// Config holds what a Scheduler needs.
type Config struct {
	Store meta.Store
	Clock clock.Clock
	// Rand makes claim tokens; default crypto/rand.
	Rand io.Reader
	// Node names this node in claims and run records.
	Node string
	// Jobs are the cluster's jobs: every one is reported by Status; Start says which this node runs.
	Jobs   []Job
	Logger *slog.Logger
	// Registry receives the metrics of the runs on this node; nil leaves them unregistered.
	Registry prometheus.Registerer
	// RetryAfter is how long a job waits after the store failed it (default 30s).
	RetryAfter time.Duration
}

// Scheduler runs jobs once per slot across the cluster. It is safe for concurrent use.
type Scheduler struct {
	cfg     Config
	jobs    map[string]*Job
	order   []string
	metrics *metrics

	mu      sync.Mutex
	cancel  context.CancelFunc // stops the running loops; nil when none run
	running sync.WaitGroup
}

// New returns a scheduler of the given jobs. It runs nothing until Start.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil || cfg.Node == "" {
		return nil, errors.New("schedule: a store and a node name are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 30 * time.Second
	}
	s := &Scheduler{cfg: cfg, jobs: map[string]*Job{}}
	for i := range cfg.Jobs {
		j := cfg.Jobs[i]
		switch {
		case j.Name == "" || strings.Contains(j.Name, "/") || j.Run == nil || j.Every <= 0:
			return nil, fmt.Errorf("schedule: job %q needs a name without \"/\", a positive Every and a Run function", j.Name)
		case s.jobs[j.Name] != nil:
			return nil, fmt.Errorf("schedule: job %q declared twice", j.Name)
		}
		if j.Lease <= 0 {
			j.Lease = DefaultLease
		}
		j.wake = make(chan struct{}, 1)
		s.jobs[j.Name] = &j
		s.order = append(s.order, j.Name)
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	return s, nil
}

// Wake asks for a run of the named job now, rather than at its next slot, when this node runs it: work for it was
// recorded (in the metadata store, so that other nodes find it at their next slot). A woken run is claimed like
// a slot's run, in a slot of WakeGrain, so that it runs once across the cluster and the job's slot in which it
// ran is done; a run in progress is not interrupted, and wakes meanwhile make one run after it. Unknown names
// and nodes that do not run the job ignore it.
func (s *Scheduler) Wake(name string) {
	if j := s.jobs[name]; j != nil {
		select {
		case j.wake <- struct{}{}:
		default:
		}
	}
}

// WakeGrain is the slot length of woken runs: at most one per WakeGrain.
const WakeGrain = 50 * time.Millisecond

// Jobs returns the names of the scheduler's jobs, in the order they were given.
func (s *Scheduler) Jobs() []string { return append([]string(nil), s.order...) }

// Start runs the named jobs on this node, each in its own goroutine, until Stop. Starting a running
// scheduler is an error.
func (s *Scheduler) Start(names ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return errors.New("schedule: already started")
	}
	var run []*Job
	for _, n := range names {
		j := s.jobs[n]
		if j == nil {
			return fmt.Errorf("schedule: no job %q", n)
		}
		run = append(run, j)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	for _, j := range run {
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			s.loop(ctx, j)
		}()
	}
	return nil
}

// Stop stops the jobs and waits for them. A run in progress is cancelled and its slot released, so that it
// runs again.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.running.Wait()
	s.cancel = nil
}
