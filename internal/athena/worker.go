package athena

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Start runs the worker loop until Stop: it claims queued executions this node has room for — when woken by a
// StartQueryExecution on this node, when one of its queries ends, and every interval — and runs them.
func (s *Service) Start(interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	stop, done := make(chan struct{}), make(chan struct{})
	s.stop, s.done = stop, done
	base, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(done)
		defer cancel()
		t := s.cfg.Clock.NewTicker(interval)
		defer t.Stop()
		for {
			if _, err := s.RunDue(base); err != nil && base.Err() == nil {
				s.cfg.Logger.Error("athena: claim queries", "err", err)
			}
			if err := s.expireDue(base); err != nil && base.Err() == nil {
				s.cfg.Logger.Error("athena: drop expired executions", "err", err)
			}
			select {
			case <-stop:
				cancel() // the queries in flight give their claims back (see execute)
				s.wg.Wait()
				return
			case <-s.kick:
			case <-t.C():
			}
		}
	}()
}

// Stop ends the worker loop; the queries this node runs are interrupted and queued again for another worker.
func (s *Service) Stop() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.done
	s.stop = nil
}

// Wait waits until the queries this node runs have ended.
func (s *Service) Wait() { s.wg.Wait() }

// Kick wakes the worker loop.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// RunDue settles the claims of workers that stopped renewing them, then claims the queued executions this node
// has room for and starts running them (they run on after it returns). It returns how many it started.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	if err := s.reap(ctx); err != nil {
		return 0, err
	}
	s.mu.Lock()
	room := s.cfg.Workers - len(s.running)
	s.mu.Unlock()
	if room <= 0 {
		return 0, nil
	}
	claimed, err := s.claim(ctx, room)
	if err != nil {
		return 0, err
	}
	for _, e := range claimed {
		s.launch(ctx, e)
	}
	return len(claimed), nil
}

// claim takes up to n queued executions, oldest first, of work groups below their concurrency limit.
func (s *Service) claim(ctx context.Context, n int) ([]*execution, error) {
	now := s.cfg.Clock.Now()
	var out []*execution
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var keys []string
		if err := tx.Scan(tableQueue, meta.Range{Limit: 1000}, func(k string, _ []byte) bool {
			keys = append(keys, k)
			return true
		}); err != nil {
			return err
		}
		busy := map[string]int{}
		for _, k := range keys {
			if len(out) == n {
				break
			}
			e := &execution{}
			ok, err := getJSON(tx, tableExecs, lastPart(k), e)
			if err != nil {
				return err
			}
			if !ok || e.State != StateQueued {
				if err := tx.Delete(tableQueue, k); err != nil {
					return err
				}
				continue
			}
			wg := key(e.Account, e.Region, e.WorkGroup, "")
			if _, seen := busy[wg]; !seen {
				c, err := count(tx, tableRunning, wg)
				if err != nil {
					return err
				}
				busy[wg] = c
			}
			if busy[wg] >= s.cfg.Concurrency {
				continue
			}
			busy[wg]++
			e.State, e.Node = StateRunning, s.cfg.Node
			e.Attempts++
			if e.Started.IsZero() {
				e.Started = now
			}
			if err := tx.Delete(tableQueue, k); err != nil {
				return err
			}
			if err := putJSON(tx, tableRunning, e.runKey(), claim{Node: s.cfg.Node, Attempt: e.Attempts, Until: now.Add(s.cfg.Lease)}); err != nil {
				return err
			}
			if err := putJSON(tx, tableExecs, e.ID, e); err != nil {
				return err
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range out {
		if e.Query, err = s.openSQL("execution", e.ID, e.Sealed); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func count(tx meta.Tx, table, prefix string) (int, error) {
	n := 0
	err := tx.Scan(table, meta.Range{Prefix: prefix}, func(string, []byte) bool { n++; return true })
	return n, err
}

// reap settles the claims whose lease ran out (their worker died or lost the store): the execution is queued
// again once, and FAILED the second time.
func (s *Service) reap(ctx context.Context) error {
	now := s.cfg.Clock.Now()
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var dead []string
		var derr error
		if err := tx.Scan(tableRunning, meta.Range{}, func(k string, v []byte) bool {
			var cl claim
			if derr = json.Unmarshal(v, &cl); derr != nil {
				return false
			}
			if cl.Until.Before(now) {
				dead = append(dead, k)
			}
			return true
		}); err != nil || derr != nil {
			return errors.Join(err, derr)
		}
		for _, k := range dead {
			if err := tx.Delete(tableRunning, k); err != nil {
				return err
			}
			e := &execution{}
			ok, err := getJSON(tx, tableExecs, lastPart(k), e)
			if err != nil {
				return err
			}
			if !ok || e.State != StateRunning {
				continue
			}
			e.Node = ""
			if e.Attempts < 2 {
				e.State = StateQueued
				if err := tx.Put(tableQueue, e.queueKey(), nil); err != nil {
					return err
				}
			} else {
				e.State, e.Completed = StateFailed, now
				e.Reason = "The worker running this query stopped responding, twice; the query was not run again. Run it again, and look at the workers' logs if it keeps failing."
				e.Error = &QueryError{Category: 1, Type: errTypeSystem, Retryable: true, Message: e.Reason}
				e.Stats.TotalMillis = now.Sub(e.Submitted).Milliseconds()
			}
			if err := putJSON(tx, tableExecs, e.ID, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// errShutdown interrupts the queries of a node that stops.
var errShutdown = errors.New("the worker is stopping")

// launch runs e in the background under a claim it renews.
func (s *Service) launch(base context.Context, e *execution) {
	ctx, cancel := context.WithCancelCause(base)
	s.mu.Lock()
	s.running[e.ID] = func() { cancel(context.Canceled) }
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		renewed := make(chan struct{})
		go func() { defer close(renewed); s.keepClaim(ctx, cancel, e) }()
		out := s.run(ctx, e)
		cause := context.Cause(ctx)
		if base.Err() != nil && out.err != nil { // interrupted by the node stopping (a query that ended stands)
			cause = errShutdown
		}
		cancel(nil)
		<-renewed
		if err := s.finish(e, out, cause); err != nil {
			s.cfg.Logger.Error("athena: record the end of a query", "id", e.ID, "err", err)
		}
		s.mu.Lock()
		delete(s.running, e.ID)
		s.mu.Unlock()
		s.Kick()
	}()
}

// errLost interrupts a query whose claim is gone: it was cancelled (maybe on another node) or reaped.
var errLost = errors.New("the query's claim is gone")

// timeoutError interrupts a query that ran longer than the query timeout.
type timeoutError struct{ limit time.Duration }

func (e *timeoutError) Error() string {
	return fmt.Sprintf("Query timeout: the query ran longer than the limit of %s. Narrow it (a tighter WHERE on "+
		"eventday, region or accountid, fewer rows) and run it again", e.limit)
}

// keepClaim renews e's claim every third of the lease (at least every 2 s, so that a StopQueryExecution
// answered by another node interrupts the query soon) until ctx ends, and interrupts the query when the claim
// is gone or it has run longer than the query timeout.
func (s *Service) keepClaim(ctx context.Context, cancel context.CancelCauseFunc, e *execution) {
	t := s.cfg.Clock.NewTicker(min(s.cfg.Lease/3, 2*time.Second))
	defer t.Stop()
	begun := s.cfg.Clock.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		if s.cfg.Clock.Now().Sub(begun) >= s.cfg.QueryTimeout {
			cancel(&timeoutError{limit: s.cfg.QueryTimeout})
			return
		}
		held := false
		err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
			var cl claim
			ok, err := getJSON(tx, tableRunning, e.runKey(), &cl)
			if err != nil || !ok || cl.Node != s.cfg.Node || cl.Attempt != e.Attempts {
				held = false
				return err
			}
			held = true
			cl.Until = s.cfg.Clock.Now().Add(s.cfg.Lease)
			return putJSON(tx, tableRunning, e.runKey(), cl)
		})
		if err == nil && !held {
			cancel(errLost)
			return
		}
	}
}

// finish records how e ended, if its claim is still this node's: SUCCEEDED, FAILED, or (the node stopping)
// QUEUED again for another worker. A cancelled or reaped execution is left as it is.
func (s *Service) finish(e *execution, out *outcome, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	now := s.cfg.Clock.Now()
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		cur := &execution{}
		ok, err := getJSON(tx, tableExecs, e.ID, cur)
		if err != nil || !ok || cur.State != StateRunning || cur.Attempts != e.Attempts || cur.Node != s.cfg.Node {
			return err
		}
		if err := deleteIfThere(tx, tableRunning, cur.runKey()); err != nil {
			return err
		}
		cur.Node = ""
		if errors.Is(cause, errShutdown) {
			cur.State, cur.Attempts = StateQueued, cur.Attempts-1
			if err := tx.Put(tableQueue, cur.queueKey(), nil); err != nil {
				return err
			}
			return putJSON(tx, tableExecs, cur.ID, cur)
		}
		cur.Completed = now
		cur.Stats = out.stats
		cur.Stats.QueueMillis = cur.Started.Sub(cur.Submitted).Milliseconds()
		cur.Stats.TotalMillis = now.Sub(cur.Submitted).Milliseconds()
		cur.Columns = out.columns
		if out.err != nil {
			cur.State, cur.Reason, cur.Error = StateFailed, out.err.Message, out.err
		} else {
			cur.State = StateSucceeded
		}
		return putJSON(tx, tableExecs, cur.ID, cur)
	})
}
