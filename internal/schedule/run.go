package schedule

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// finishTimeout bounds the transaction that records a run after its node began to stop.
const finishTimeout = 10 * time.Second

// armSlack is how far the clock may move while a timer is armed before the timer is armed again: a fake
// clock moved by a test in that moment would otherwise leave the timer armed late.
const armSlack = 10 * time.Millisecond

// loop runs job j whenever a slot of it is due and this node claims it, until ctx ends.
func (s *Scheduler) loop(ctx context.Context, j *Job) {
	woken, again := false, false
	for ctx.Err() == nil {
		c, wait, err := s.claim(ctx, j, woken)
		if woken && c == nil && err == nil && !again {
			// a run ended in this very grain: look once more in the next one rather than at the next slot
			again = true
			s.sleepUntil(ctx, s.cfg.Clock.Now().Add(WakeGrain), nil)
			continue
		}
		woken, again = false, false
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("job: claim failed; retrying", "job", j.Name, "err", err, "retry_in", s.cfg.RetryAfter)
			}
			s.sleepUntil(ctx, s.cfg.Clock.Now().Add(s.cfg.RetryAfter), nil)
		case c != nil:
			s.execute(ctx, j, c) // then look again at once: the clock may have moved past another slot
		default:
			woken = s.sleepUntil(ctx, wait, j.wake)
		}
	}
}

// claim claims the current slot of j if it is due and nobody holds it (woken: the current slot of WakeGrain, so
// that a woken run happens even when the job's slot already ran). Otherwise it returns when to look again: the
// next slot's start, or when another node's lease ends.
func (s *Scheduler) claim(ctx context.Context, j *Job, woken bool) (c *claim, wait time.Time, err error) {
	token, err := newToken(s.cfg.Rand)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := s.cfg.Clock.Now()
	cur := slotOf(now, j.Every)
	if woken {
		cur = slotOf(now, min(WakeGrain, j.Every))
	}
	var abandoned *Run
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		c, wait, abandoned = nil, time.Time{}, nil
		st, err := loadState(tx, j.Name)
		if err != nil {
			return err
		}
		if !st.Done.Before(cur) {
			wait = slotOf(st.Done, j.Every).Add(j.Every)
			return nil
		}
		if h := st.Claim; h != nil {
			if now.Before(h.Until) {
				wait = h.Until // it may finish before: then the next slot's start is found on that look
				return nil
			}
			abandoned = &Run{Seq: h.Seq, Slot: h.Slot, Node: h.Node, Start: h.Start, End: h.Until, Outcome: OutcomeAbandoned,
				Error: fmt.Sprintf("node %s stopped renewing its lease; node %s took the job over", h.Node, s.cfg.Node)}
			if err := putRun(tx, j.Name, abandoned); err != nil {
				return err
			}
			st.Failures++
			st.Last = abandoned
		}
		st.Runs++
		c = &claim{Seq: st.Runs, Slot: cur, Node: s.cfg.Node, Token: token, Start: now, Until: now.Add(j.Lease)}
		st.Claim = c
		return saveState(tx, j.Name, st)
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	if abandoned != nil {
		s.metrics.takeovers.WithLabelValues(j.Name).Inc()
		s.cfg.Logger.Warn("job taken over from a node whose lease ran out", "job", j.Name, "from", abandoned.Node, "run", abandoned.Seq)
	}
	return c, wait, nil
}

// execute runs one claimed slot of j, renewing the claim while it runs, and records the run.
func (s *Scheduler) execute(ctx context.Context, j *Job, c *claim) {
	runCtx, cancel := context.WithCancel(ctx)
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		s.heartbeat(runCtx, cancel, j, c)
	}()
	err := safeRun(runCtx, j.Run)
	cancel()
	<-beat
	end := s.cfg.Clock.Now()
	stopping := ctx.Err() != nil && err != nil // a run that finished its work counts even when the node stops
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer fcancel()
	outcome, ferr := s.finish(fctx, j, c, end, err, stopping)
	s.metrics.observe(j.Name, outcome, end.Sub(c.Start))
	log := s.cfg.Logger.With("job", j.Name, "run", c.Seq, "slot", c.Slot, "duration", end.Sub(c.Start))
	switch {
	case ferr != nil:
		log.Error("job: could not record the run; another node may run the slot again", "err", ferr, "run_err", err)
	case outcome == "":
		log.Warn("job: the claim was lost during the run (its lease ran out); the run is not recorded as the slot's", "run_err", err)
	case outcome == OutcomeFailed:
		log.Error("job failed; it runs again in its next slot", "err", err)
	case outcome == OutcomeInterrupted:
		log.Info("job interrupted by shutdown; its slot was released", "err", err)
	default:
		log.Debug("job ran")
	}
}

// heartbeat renews c when a third of its lease has passed since it was taken or last renewed, until ctx
// ends. When the claim is found taken over, or cannot be renewed before it runs out, it cancels the run.
// (Renewals are due at absolute times, so a clock that jumps while nothing waits cannot skip one.)
func (s *Scheduler) heartbeat(ctx context.Context, cancel context.CancelFunc, j *Job, c *claim) {
	until := c.Until
	for {
		s.sleepUntil(ctx, until.Add(-2*j.Lease/3), nil)
		if ctx.Err() != nil {
			return
		}
		next, lost, err := s.renew(ctx, j, c)
		switch {
		case lost:
			s.cfg.Logger.Warn("job: another node took the claim over; cancelling the run", "job", j.Name, "run", c.Seq)
			cancel()
			return
		case err != nil && !s.cfg.Clock.Now().Before(until):
			s.cfg.Logger.Warn("job: could not renew the claim before it ran out; cancelling the run", "job", j.Name, "run", c.Seq, "err", err)
			cancel()
			return
		case err != nil:
			s.sleepUntil(ctx, s.cfg.Clock.Now().Add(min(s.cfg.RetryAfter, j.Lease/10)), nil)
		default:
			until = next
		}
	}
}

// renew extends c's lease from now. lost reports that c is no longer the job's claim.
func (s *Scheduler) renew(ctx context.Context, j *Job, c *claim) (until time.Time, lost bool, err error) {
	now := s.cfg.Clock.Now()
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		lost = false
		st, err := loadState(tx, j.Name)
		if err != nil {
			return err
		}
		if st.Claim == nil || st.Claim.Token != c.Token {
			lost = true
			return nil
		}
		st.Claim.Until = now.Add(j.Lease)
		return saveState(tx, j.Name, st)
	})
	return now.Add(j.Lease), lost, err
}

// finish records the run of claim c and clears the claim: the slot is done, or, when the node is stopping,
// released to run again. It returns the run's outcome, or "" when c was no longer the job's claim.
func (s *Scheduler) finish(ctx context.Context, j *Job, c *claim, end time.Time, runErr error, stopping bool) (string, error) {
	r := Run{Seq: c.Seq, Slot: c.Slot, Node: c.Node, Start: c.Start, End: end, Outcome: OutcomeOK}
	switch {
	case stopping:
		r.Outcome = OutcomeInterrupted
	case runErr != nil:
		r.Outcome = OutcomeFailed
	}
	if runErr != nil {
		r.Error = runErr.Error()
	}
	var outcome string
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		outcome = ""
		st, err := loadState(tx, j.Name)
		if err != nil {
			return err
		}
		if st.Claim == nil || st.Claim.Token != c.Token {
			return nil
		}
		st.Claim = nil
		if r.Outcome != OutcomeInterrupted && st.Done.Before(c.Slot) {
			st.Done = c.Slot
		}
		if r.Outcome == OutcomeFailed {
			st.Failures++
		}
		st.Last = &r
		outcome = r.Outcome
		if err := putRun(tx, j.Name, &r); err != nil {
			return err
		}
		return saveState(tx, j.Name, st)
	})
	return outcome, err
}

// safeRun runs fn, turning a panic into an error so that one job cannot take the node down.
func safeRun(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("job panicked: %v", p)
		}
	}()
	return fn(ctx)
}

// sleepUntil waits until the clock reaches t or ctx ends, or until woken through wake (then it reports true).
func (s *Scheduler) sleepUntil(ctx context.Context, t time.Time, wake <-chan struct{}) bool {
	clk := s.cfg.Clock
	for ctx.Err() == nil {
		now := clk.Now()
		if !now.Before(t) {
			return false
		}
		timer := clk.After(t.Sub(now))
		if clk.Now().Sub(now) > armSlack {
			continue // the clock moved while the timer was armed, which may have armed it late
		}
		select {
		case <-timer:
		case <-wake:
			return true
		case <-ctx.Done():
		}
	}
	return false
}

func newToken(r io.Reader) (string, error) {
	b := make([]byte, 12)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("schedule: claim token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
