package eventbus_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/eventbus"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/stack"
)

const (
	acct    = "111122223333"
	partner = "444455556666"
)

var ctx = context.Background()

func rootOf(account string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account},
		Region: "us-east-1"}
}

// queues stands in for the SQS service that will plug in: each queue has a resource policy that the real IAM
// engine evaluates for the sender (events.amazonaws.com with aws:SourceArn), and keeps what it accepts.
type queues struct {
	authz    actor.Authorizer
	mu       sync.Mutex
	policies map[string]string
	got      map[string][]string
}

func (q *queues) SendAs(ctx context.Context, c *actor.Caller, arn, body, group string) error {
	q.mu.Lock()
	doc := q.policies[arn]
	q.mu.Unlock()
	var pol *policy.Policy
	if doc != "" {
		p, err := policy.Parse([]byte(doc), policy.Resource)
		if err != nil {
			return err
		}
		pol = p
	}
	owner := strings.Split(arn, ":")[4]
	if err := actor.Check(ctx, q.authz, c, actor.Request{Action: "sqs:SendMessage", Resource: arn, ResourceAccount: owner,
		ResourcePolicy: pol}, actor.AccessDenied); err != nil {
		return err
	}
	q.mu.Lock()
	q.got[arn] = append(q.got[arn], body)
	q.mu.Unlock()
	return nil
}

func (q *queues) messages(arn string) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.got[arn]...)
}

func (q *queues) allow(arn, ruleARN string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.policies[arn] = `{"Version":"2012-10-17","Statement":[{"Sid":"events","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},` +
		`"Action":"sqs:SendMessage","Resource":"` + arn + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + ruleARN + `"}}}]}`
}

type env struct {
	st  *stack.Stack
	svc *eventbus.Service
	q   *queues
	clk *clock.Fake
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	return newEnvOn(t, clk, stacktest.Start(t, clk))
}

func newEnvOn(t *testing.T, clk *clock.Fake, st *stack.Stack) *env {
	t.Helper()
	st.Events.Stop() // the tests drive delivery themselves, with their own queues
	q := &queues{authz: st.IAM, policies: map[string]string{}, got: map[string][]string{}}
	svc, err := eventbus.New(eventbus.Config{Store: st.Meta, Seal: st.Seal, Authz: st.IAM, Queues: q, Clock: clk, Backoff: time.Second,
		MaxBackoff: time.Minute})
	require.NoError(t, err)
	return &env{st: st, svc: svc, q: q, clk: clk}
}

func (e *env) deliver(t *testing.T) int {
	t.Helper()
	n, err := e.svc.DeliverDue(ctx)
	require.NoError(t, err)
	return n
}

func queueARN(name string) string { return "arn:aws:sqs:us-east-1:" + acct + ":" + name }

func (e *env) rule(t *testing.T, name, pattern string, targets ...eventbus.Target) string {
	t.Helper()
	arn, err := e.svc.PutRule(ctx, rootOf(acct), eventbus.RuleInput{Name: name, EventPattern: pattern})
	require.NoError(t, err)
	failed, err := e.svc.PutTargets(ctx, rootOf(acct), name, "", targets)
	require.NoError(t, err)
	require.Empty(t, failed)
	return arn
}

func (e *env) put(t *testing.T, c *actor.Caller, bus, source, detail string) string {
	t.Helper()
	res, failed, err := e.svc.PutEvents(ctx, c, []eventbus.Entry{{Source: source, DetailType: "Object Created", Detail: detail, EventBusName: bus}})
	require.NoError(t, err)
	require.Zero(t, failed, "%+v", res)
	return res[0].EventID
}

func TestARefusedEventIsKeptAndArrivesOnceThePolicyAllows(t *testing.T) {
	e := newEnv(t)
	q := queueARN("subscriber")
	ruleARN := e.rule(t, "created", `{"source":["aws.s3"]}`, eventbus.Target{ID: "q", ARN: q})
	id := e.put(t, rootOf(acct), "", "aws.s3", `{"n":1}`)

	require.Equal(t, 1, e.deliver(t))
	require.Empty(t, e.q.messages(q))
	fs, err := e.svc.Failures(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.Len(t, fs, 1)
	f := fs[0]
	require.Equal(t, eventbus.FailureRetrying, f.State)
	require.Equal(t, id, f.EventID)
	require.Equal(t, "events.amazonaws.com", f.Principal)
	require.Equal(t, "sqs:SendMessage", f.Action)
	require.Equal(t, q, f.Resource)
	require.Contains(t, f.Statement, `"aws:SourceArn":"`+ruleARN+`"`, "the failure names the statement that would allow it")

	require.Zero(t, e.deliver(t), "not due before its backoff")
	e.q.allow(q, ruleARN)
	e.clk.Advance(time.Second)
	require.Equal(t, 1, e.deliver(t))
	msgs := e.q.messages(q)
	require.Len(t, msgs, 1)
	require.Contains(t, msgs[0], `"id":"`+id+`"`)
	fs, err = e.svc.Failures(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.Empty(t, fs, "a delivered event is no longer a failure")
	n, err := e.svc.Pending(ctx)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestRetriesExhaustedGoToTheDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	q, dlq := queueARN("refusing"), queueARN("dlq")
	two := 2
	ruleARN := e.rule(t, "r", `{"source":["app"]}`, eventbus.Target{ID: "q", ARN: q, DeadLetterARN: dlq,
		RetryPolicy: &eventbus.RetryPolicy{MaximumRetryAttempts: &two}})
	e.q.allow(dlq, ruleARN)
	e.put(t, rootOf(acct), "", "app", `{}`)
	for i, wait := range []time.Duration{0, time.Second, 2 * time.Second} {
		e.clk.Advance(wait)
		require.Equal(t, 1, e.deliver(t), "attempt %d", i+1)
	}
	require.Len(t, e.q.messages(dlq), 1, "the event is in the dead-letter queue after 1 + 2 attempts")
	fs, err := e.svc.Failures(ctx, acct, "us-east-1")
	require.NoError(t, err)
	require.Len(t, fs, 1)
	require.Equal(t, eventbus.FailureSentToDLQ, fs[0].State)
	require.Equal(t, 3, fs[0].Attempts)
	e.clk.Advance(time.Hour)
	require.Zero(t, e.deliver(t), "nothing left to retry")
}

func TestCrossAccountPutEventsNeedsTheBusPolicy(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.CreateEventBus(ctx, rootOf(acct), "lake", "", nil)
	require.NoError(t, err)
	q := queueARN("central")
	arn, err := e.svc.PutRule(ctx, rootOf(acct), eventbus.RuleInput{Name: "from-partner", EventBusName: "lake",
		EventPattern: `{"account":["` + partner + `"]}`})
	require.NoError(t, err)
	_, err = e.svc.PutTargets(ctx, rootOf(acct), "from-partner", "lake", []eventbus.Target{{ID: "q", ARN: q}})
	require.NoError(t, err)
	e.q.allow(q, arn)
	bus := "arn:aws:events:us-east-1:" + acct + ":event-bus/lake"

	_, _, err = e.svc.PutEvents(ctx, rootOf(partner), []eventbus.Entry{{Source: "p", DetailType: "d", Detail: "{}", EventBusName: bus}})
	ae, ok := awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "AccessDeniedException", ae.Code)
	require.Contains(t, ae.Message, "events:PutEvents")

	require.NoError(t, e.svc.PutPermission(ctx, rootOf(acct), eventbus.Permission{EventBusName: "lake", Action: "events:PutEvents",
		Principal: partner, StatementID: "partner"}))
	e.put(t, rootOf(partner), bus, "p", `{}`)
	require.Equal(t, 1, e.deliver(t))
	msgs := e.q.messages(q)
	require.Len(t, msgs, 1)
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(msgs[0]), &ev))
	require.Equal(t, partner, ev["account"], "the event carries the sender's account")

	require.NoError(t, e.svc.RemovePermission(ctx, rootOf(acct), "lake", "partner", false))
	_, _, err = e.svc.PutEvents(ctx, rootOf(partner), []eventbus.Entry{{Source: "p", DetailType: "d", Detail: "{}", EventBusName: bus}})
	require.Error(t, err)
}

func TestScheduledRuleFiresOnTheClock(t *testing.T) {
	e := newEnv(t)
	q := queueARN("ticks")
	arn, err := e.svc.PutRule(ctx, rootOf(acct), eventbus.RuleInput{Name: "tick", ScheduleExpression: "rate(5 minutes)"})
	require.NoError(t, err)
	_, err = e.svc.PutTargets(ctx, rootOf(acct), "tick", "", []eventbus.Target{{ID: "q", ARN: q, InputTransformer: &eventbus.InputTransformer{
		InputPathsMap: map[string]string{"t": "$.time"}, InputTemplate: `{"at": <t>, "rule": "<aws.events.rule-arn>"}`}}})
	require.NoError(t, err)
	e.q.allow(q, arn)
	require.NoError(t, e.svc.FireSchedules(ctx))
	require.Zero(t, e.deliver(t), "not due before five minutes")
	e.clk.Advance(5 * time.Minute)
	require.NoError(t, e.svc.FireSchedules(ctx))
	require.NoError(t, e.svc.FireSchedules(ctx), "a second look fires nothing more")
	require.Equal(t, 1, e.deliver(t))
	require.Equal(t, []string{`{"at": "2026-12-01T10:05:00Z", "rule": "` + arn + `"}`}, e.q.messages(q))

	_, err = e.svc.PutRule(ctx, rootOf(acct), eventbus.RuleInput{Name: "bad", ScheduleExpression: "rate(1 minutes)"})
	require.ErrorContains(t, err, "singular for 1")

	// A rule that loses its schedule stops firing.
	_, err = e.svc.PutRule(ctx, rootOf(acct), eventbus.RuleInput{Name: "tick", EventPattern: `{"source":["none"]}`})
	require.NoError(t, err)
	e.clk.Advance(time.Hour)
	require.NoError(t, e.svc.FireSchedules(ctx))
	require.Zero(t, e.deliver(t))
}

func TestPatternErrorsAndDisabledRules(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.PutRule(ctx, rootOf(acct), eventbus.RuleInput{Name: "x", EventPattern: `{"source": "aws.s3"}`})
	ae, ok := awserr.As(err)
	require.True(t, ok)
	require.Equal(t, "InvalidEventPatternException", ae.Code)
	q := queueARN("q")
	arn := e.rule(t, "r", `{"source":["a"]}`, eventbus.Target{ID: "q", ARN: q, InputPath: "$.detail"})
	e.q.allow(q, arn)
	require.NoError(t, e.svc.DisableRule(ctx, rootOf(acct), "r", ""))
	e.put(t, rootOf(acct), "", "a", `{"x":1}`)
	require.Zero(t, e.deliver(t), "a disabled rule matches nothing")
	require.NoError(t, e.svc.EnableRule(ctx, rootOf(acct), "r", ""))
	e.put(t, rootOf(acct), "", "a", `{"x":2}`)
	require.Equal(t, 1, e.deliver(t))
	require.Equal(t, []string{`{"x":2}`}, e.q.messages(q), "InputPath sends the detail only")
}

func TestFIFOTargetKeepsTheOrderOfAMessageGroup(t *testing.T) {
	e := newEnv(t)
	q := queueARN("orders.fifo")
	arn := e.rule(t, "fifo", `{"source":["shop"]}`, eventbus.Target{ID: "q", ARN: q, MessageGroupID: "g1", InputPath: "$.detail.n"})
	e.q.allow(q, arn)
	for i := range 12 {
		e.put(t, rootOf(acct), "", "shop", `{"n":`+strconv.Itoa(i)+`}`)
	}
	for e.deliver(t) > 0 {
	}
	want := make([]string, 12)
	for i := range want {
		want[i] = strconv.Itoa(i)
	}
	require.Equal(t, want, e.q.messages(q))
}

// TestNodesShareTheDeliveryQueue runs two nodes' services over one store: each event is delivered once, whichever
// node claims it. On PostgreSQL (SECLAKE_TEST_POSTGRES) as well as SQLite.
func TestNodesShareTheDeliveryQueue(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) meta.Store{
		"sqlite":   func(t *testing.T) meta.Store { return nil },
		"postgres": func(t *testing.T) meta.Store { return stacktest.Postgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
			var st *stack.Stack
			if store := open(t); store != nil {
				st = stacktest.StartOn(t, clk, store)
			} else {
				st = stacktest.Start(t, clk)
			}
			a := newEnvOn(t, clk, st)
			b, err := eventbus.New(eventbus.Config{Store: st.Meta, Seal: st.Seal, Authz: st.IAM, Queues: a.q, Clock: clk})
			require.NoError(t, err)
			q := queueARN("shared")
			arn := a.rule(t, "r", `{"source":["s"]}`, eventbus.Target{ID: "q", ARN: q})
			a.q.allow(q, arn)
			const n = 60
			for i := range n / 10 {
				entries := make([]eventbus.Entry, 10)
				for j := range entries {
					entries[j] = eventbus.Entry{Source: "s", DetailType: "d", Detail: `{"n":` + strconv.Itoa(i*10+j) + `}`}
				}
				_, failed, err := a.svc.PutEvents(ctx, rootOf(acct), entries)
				require.NoError(t, err)
				require.Zero(t, failed)
			}
			var wg sync.WaitGroup
			for _, node := range []*eventbus.Service{a.svc, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						k, err := node.DeliverDue(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						if k == 0 {
							return
						}
					}
				}()
			}
			wg.Wait()
			for a.deliver(t) > 0 {
			}
			msgs := a.q.messages(q)
			seen := map[string]bool{}
			for _, m := range msgs {
				require.False(t, seen[m], "delivered twice: %.80s", m)
				seen[m] = true
			}
			require.Len(t, msgs, n)
		})
	}
}

func TestAnotherAccountsRulesCannotBeListed(t *testing.T) {
	e := newEnv(t)
	e.rule(t, "secret-rule", `{"source":["x"]}`, eventbus.Target{ID: "q", ARN: queueARN("q")})
	bus := "arn:aws:events:us-east-1:" + acct + ":event-bus/default"
	_, _, err := e.svc.ListRules(ctx, rootOf(partner), bus, "", "", 0)
	ae, ok := awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "AccessDeniedException", ae.Code)
	_, _, err = e.svc.ListRuleNamesByTarget(ctx, rootOf(partner), bus, queueARN("q"), "", 0)
	require.Error(t, err)
	rules, _, err := e.svc.ListRules(ctx, rootOf(acct), bus, "", "", 0)
	require.NoError(t, err)
	require.Len(t, rules, 1)
}
