package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Failure states.
const (
	FailureRetrying  = "RETRYING"    // the delivery failed and will be tried again
	FailureSentToDLQ = "SENT_TO_DLQ" // given up and sent to the target's dead-letter queue
	FailureKept      = "KEPT"        // given up with no dead-letter queue that took it: the event is kept here
)

// Failure is a delivery that failed: what was refused, by whom, and what became of the event.
type Failure struct {
	ID, EventID                 string
	Account, Region             string
	Rule, RuleARN               string
	TargetID, TargetARN         string
	Principal, Action, Resource string `json:",omitempty"`
	// Statement is the policy statement that would have allowed the delivery, when a policy refused it.
	Statement string `json:",omitempty"`
	Reason    string
	State     string
	Attempts  int
	First     time.Time
	Last      time.Time
	// Sealed is the event of a delivery given up without a dead-letter queue, sealed with the root key, and
	// Target the target it was for, so that Redrive can send it again.
	Sealed []byte  `json:",omitempty"`
	Target *Target `json:",omitempty"`
}

// outcome is the result of one attempt.
type outcome struct {
	err       error
	retryable bool
	// wait, when set, delays the delivery without counting an attempt (a rate limit).
	wait time.Duration
}

// Start runs the delivery loop until Stop: it delivers due events when woken and every interval, and fires
// scheduled rules.
func (s *Service) Start(interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	stop, done := make(chan struct{}), make(chan struct{})
	s.stop, s.done = stop, done
	go func() {
		defer close(done)
		t := s.cfg.Clock.NewTicker(interval)
		defer t.Stop()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { <-stop; cancel() }() // the loop's own channel: Stop clears s.stop
		for {
			if err := s.FireSchedules(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("events: scheduled rules", "err", err)
			}
			for {
				n, err := s.DeliverDue(ctx)
				if err != nil && ctx.Err() == nil {
					s.cfg.Logger.Error("events: delivery", "err", err)
				}
				if n == 0 || err != nil {
					break
				}
			}
			select {
			case <-stop:
				return
			case <-s.kick:
			case <-t.C():
			}
		}
	}()
}

// Delivering reports whether the delivery loop runs (between Start and Stop).
func (s *Service) Delivering() bool { return s.stop != nil }

// Stop ends the delivery loop; deliveries in flight finish or come due again after their lease.
func (s *Service) Stop() {
	if s.stop == nil {
		return
	}
	close(s.stop)
	<-s.done
	s.stop = nil
}

// parallel is how many deliveries one node attempts at once, so that a slow endpoint holds up no other.
const parallel = 8

// DeliverDue attempts the deliveries that are due and returns how many it attempted.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	items, err := s.claim(ctx, 4*parallel)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	// Deliveries to one FIFO queue's message group stay in order: one lane each; the others run side by side.
	var lanes [][]*delivery
	laneOf := map[string]int{}
	for _, d := range items {
		k := d.ID
		if strings.HasSuffix(d.Target.ARN, ".fifo") {
			k = d.Target.ARN + "\x00" + d.Target.MessageGroupID
		}
		i, ok := laneOf[k]
		if !ok {
			i = len(lanes)
			laneOf[k] = i
			lanes = append(lanes, nil)
		}
		lanes[i] = append(lanes[i], d)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(lanes))
	sem := make(chan struct{}, parallel)
	for i, lane := range lanes {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, d := range lane {
				if err := s.settle(ctx, d, s.attempt(ctx, d)); err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return len(items), errors.Join(errs...)
}

// attempt delivers d once, as events.amazonaws.com for the rule.
func (s *Service) attempt(ctx context.Context, d *delivery) outcome {
	rule := &Rule{Name: d.RuleName, ARN: d.RuleARN}
	body, err := input(&d.Target, rule, d.event, d.Created.Format(time.RFC3339))
	if err != nil {
		return outcome{err: fmt.Errorf("build the target's input: %w", err)}
	}
	c := actor.ServicePrincipal(Principal, d.Region, s.cfg.Clock.Now(), actor.Source{ARN: d.RuleARN, Account: d.Account})
	switch targetKind(d.Target.ARN) {
	case "sqs":
		return s.sendQueue(ctx, c, d.Target.ARN, string(body), d.Target.MessageGroupID)
	case "api-destination":
		return s.callDestination(ctx, d, body)
	}
	return outcome{err: fmt.Errorf("target %s is not a kind seclake delivers to", d.Target.ARN)}
}

func (s *Service) sendQueue(ctx context.Context, c *actor.Caller, arn, body, group string) outcome {
	if s.cfg.Queues == nil {
		return outcome{err: errors.New("this server has no SQS service to deliver to " + arn), retryable: true}
	}
	if err := s.cfg.Queues.SendAs(ctx, c, arn, body, group); err != nil {
		return outcome{err: err, retryable: true}
	}
	return outcome{}
}

// settle records an attempt's outcome: done, retried later, or given up (to the DLQ, or kept).
func (s *Service) settle(ctx context.Context, d *delivery, out outcome) error {
	now := s.cfg.Clock.Now()
	claimed := queueKey(d.Due, d.ID)
	if out.err == nil && out.wait == 0 {
		s.metrics.invocations.WithLabelValues(d.RuleARN).Inc()
		err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
			if err := deleteIfThere(tx, tableQueue, claimed); err != nil {
				return err
			}
			return deleteIfThere(tx, tableFailures, key(d.Account, d.Region, d.ID))
		})
		if o := s.observe(); o != nil && err == nil {
			o.Delivered(ctx, d.Account, d.Region, d.RuleName)
		}
		return err
	}
	if out.wait > 0 {
		return s.requeue(ctx, d, claimed, now.Add(out.wait), nil)
	}
	d.Attempts++
	s.metrics.attemptsFailed.WithLabelValues(d.RuleARN).Inc()
	f := s.failure(d, out.err, now)
	maxAttempts, maxAge := 185, 24*time.Hour
	if p := d.Target.RetryPolicy; p != nil {
		if p.MaximumRetryAttempts != nil {
			maxAttempts = *p.MaximumRetryAttempts
		}
		if p.MaximumEventAgeInSeconds != nil {
			maxAge = time.Duration(*p.MaximumEventAgeInSeconds) * time.Second
		}
	}
	if out.retryable && d.Attempts <= maxAttempts && now.Sub(d.Created) < maxAge {
		f.State = FailureRetrying
		s.logFailure(f, true)
		s.tell(ctx, f)
		return s.requeue(ctx, d, claimed, now.Add(s.backoff(d.Attempts)), f)
	}
	s.metrics.failed.WithLabelValues(d.RuleARN).Inc()
	f.State = FailureKept
	if dlq := d.Target.DeadLetterARN; dlq != "" {
		c := actor.ServicePrincipal(Principal, d.Region, now, actor.Source{ARN: d.RuleARN, Account: d.Account})
		if res := s.sendQueue(ctx, c, dlq, string(d.event), ""); res.err == nil {
			f.State = FailureSentToDLQ
			s.metrics.sentToDLQ.WithLabelValues(d.RuleARN).Inc()
		} else {
			f.Reason += "; the dead-letter queue " + dlq + " refused it too: " + res.err.Error()
		}
	}
	if f.State == FailureKept {
		s.metrics.dlqFailed.WithLabelValues(d.RuleARN).Inc()
		f.Sealed, f.Target = d.Sealed, &d.Target
	}
	s.logFailure(f, false)
	s.tell(ctx, f)
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := deleteIfThere(tx, tableQueue, claimed); err != nil {
			return err
		}
		return putJSON(tx, tableFailures, key(d.Account, d.Region, d.ID), f)
	})
}

func (s *Service) requeue(ctx context.Context, d *delivery, claimed string, due time.Time, f *Failure) error {
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		if err := deleteIfThere(tx, tableQueue, claimed); err != nil {
			return err
		}
		d.Due = due
		if err := putJSON(tx, tableQueue, queueKey(due, d.ID), d); err != nil {
			return err
		}
		if f == nil {
			return nil
		}
		return putJSON(tx, tableFailures, key(d.Account, d.Region, d.ID), f)
	})
}

func deleteIfThere(tx meta.Tx, table, k string) error {
	if err := tx.Delete(table, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return err
	}
	return nil
}

// backoff is the delay before attempt n+1: Backoff doubled per attempt, at most MaxBackoff.
func (s *Service) backoff(n int) time.Duration {
	d := s.cfg.Backoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

// failure describes a failed attempt; a policy's refusal names the principal, action and resource, and the
// statement that would allow it.
func (s *Service) failure(d *delivery, err error, now time.Time) *Failure {
	f := &Failure{ID: d.ID, EventID: d.EventID, Account: d.Account, Region: d.Region, Rule: d.RuleName, RuleARN: d.RuleARN,
		TargetID: d.Target.ID, TargetARN: d.Target.ARN, Reason: err.Error(), Attempts: d.Attempts, First: d.Created, Last: now,
		Principal: Principal}
	var den *actor.Denial
	if errors.As(err, &den) {
		f.Principal, f.Action, f.Resource = den.Principal, den.Action, den.Resource
		st, _ := json.Marshal(map[string]any{"Sid": "Allow EventBridge rule " + d.RuleName, "Effect": "Allow",
			"Principal": map[string]string{"Service": Principal}, "Action": den.Action, "Resource": "*",
			"Condition": map[string]any{"ArnEquals": map[string]string{"aws:SourceArn": d.RuleARN}}})
		f.Statement = string(st)
	}
	return f
}

func (s *Service) logFailure(f *Failure, retry bool) {
	attrs := []any{"rule", f.RuleARN, "target", f.TargetID, "target_arn", f.TargetARN, "principal", f.Principal,
		"attempts", f.Attempts, "state", f.State, "event_id", f.EventID, "reason", f.Reason}
	if f.Action != "" {
		attrs = append(attrs, "action", f.Action, "resource", f.Resource, "missing_statement", f.Statement)
	}
	msg := "events: delivery failed; kept and retried"
	if !retry {
		msg = "events: delivery given up: " + strings.ToLower(f.State)
	}
	s.cfg.Logger.Warn(msg, attrs...)
}

// Failures lists the failed deliveries of an account in a region (all accounts when account is empty).
func (s *Service) Failures(ctx context.Context, account, region string) ([]Failure, error) {
	return Failures(ctx, s.cfg.Store, account, region)
}

// Failures lists the failed deliveries kept in store, of an account in a region (all when account is empty),
// without their sealed events: what `seclake events failures` prints.
func Failures(ctx context.Context, store meta.Store, account, region string) ([]Failure, error) {
	var out []Failure
	prefix := ""
	if account != "" {
		prefix = key(account, region, "")
	}
	err := store.View(ctx, func(tx meta.Tx) error {
		fs, err := scanAllTx[Failure](tx, tableFailures, prefix)
		for _, f := range fs {
			f.Sealed, f.Target = nil, nil
			out = append(out, *f)
		}
		return err
	})
	return out, err
}

// Redrive queues the kept failures (state KEPT) of an account in a region (all accounts when account is empty)
// for delivery again, with their retry budget renewed, and returns how many. A running server's delivery loop
// sends them: the queue lives in the metadata store.
func Redrive(ctx context.Context, store meta.Store, now time.Time, account, region string) (int, error) {
	prefix := ""
	if account != "" {
		prefix = key(account, region, "")
	}
	n := 0
	err := store.Update(ctx, func(tx meta.Tx) error {
		n = 0
		fs, err := scanAllTx[Failure](tx, tableFailures, prefix)
		if err != nil {
			return err
		}
		for _, f := range fs {
			if f.State != FailureKept || f.Sealed == nil || f.Target == nil {
				continue
			}
			d := &delivery{ID: f.ID, Account: f.Account, Region: f.Region, RuleARN: f.RuleARN, RuleName: f.Rule, Target: *f.Target,
				EventID: f.EventID, Sealed: f.Sealed, Created: now, Due: now}
			if err := putJSON(tx, tableQueue, queueKey(d.Due, d.ID), d); err != nil {
				return err
			}
			if err := tx.Delete(tableFailures, key(f.Account, f.Region, f.ID)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
