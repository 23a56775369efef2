package schedule

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/postgres"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}

var ctx = context.Background()

// start is 10:20 on a day, so that hourly slots begin 40 minutes later.
var start = time.Date(2026, 3, 1, 10, 20, 0, 0, time.UTC)

func sqliteStore(t *testing.T) meta.Store {
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	return st
}

// postgresStores opens n stores, as n nodes would, over one fresh schema of SECLAKE_TEST_POSTGRES; it skips
// the test when that is not set.
func postgresStores(t *testing.T, n int) []meta.Store {
	dsn := os.Getenv("SECLAKE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("SECLAKE_TEST_POSTGRES is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "seclake_schedule_test_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer func() { _ = conn.Close(ctx) }()
		_, err = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		require.NoError(t, err)
	})
	var out []meta.Store
	for range n {
		st, err := postgres.Open(ctx, dsn, postgres.Options{Schema: schema})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, st.Close()) })
		out = append(out, st)
	}
	return out
}

// counter is a job body that counts its runs per node and the slots it saw run.
type counter struct {
	mu    sync.Mutex
	runs  map[string]int
	block chan struct{} // when set, each run waits for it (or for its context)
	fail  error
}

func (c *counter) job(node string) func(context.Context) error {
	return func(ctx context.Context) error {
		c.mu.Lock()
		c.runs[node]++
		block := c.block
		c.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return c.fail
	}
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.runs {
		out[k] = v
	}
	return out
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.runs {
		n += v
	}
	return n
}

// node is one scheduler of a test cluster.
type node struct {
	s   *Scheduler
	reg *prometheus.Registry
}

func newNode(t *testing.T, st meta.Store, clk clock.Clock, name string, jobs ...Job) *node {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := New(Config{Store: st, Clock: clk, Node: name, Jobs: jobs, Registry: reg})
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return &node{s: s, reg: reg}
}

// status returns the status of the named job.
func (n *node) status(t *testing.T, job string) Status {
	t.Helper()
	all, err := n.s.Status(ctx)
	require.NoError(t, err)
	for _, s := range all {
		if s.Name == job {
			return s
		}
	}
	t.Fatalf("no job %s", job)
	return Status{}
}

// settle waits until the job has had runs runs and none is in progress.
func (n *node) settle(t *testing.T, job string, runs uint64) Status {
	t.Helper()
	var st Status
	require.Eventually(t, func() bool {
		st = n.status(t, job)
		return st.Runs == runs && st.Running == nil
	}, 10*time.Second, time.Millisecond, "job %s: want %d runs, have %+v", job, runs, &st)
	return st
}

func TestRunsOncePerSlotAndOnceForMissedSlots(t *testing.T) {
	clk := clock.NewFake(start)
	c := &counter{runs: map[string]int{}}
	n := newNode(t, sqliteStore(t), clk, "w1", Job{Name: "test.hourly", Every: time.Hour, Run: c.job("w1")})
	st := n.status(t, "test.hourly")
	require.Equal(t, uint64(0), st.Runs)
	require.Equal(t, start.Truncate(time.Hour), st.NextDue, "never run: due now")
	require.NoError(t, n.s.Start("test.hourly"))

	st = n.settle(t, "test.hourly", 1) // the first look runs the current slot
	require.Equal(t, start.Truncate(time.Hour), st.LastRun.Slot)
	require.Equal(t, "w1", st.LastRun.Node)
	require.Equal(t, OutcomeOK, st.LastRun.Outcome)
	require.Equal(t, start.Truncate(time.Hour).Add(time.Hour), st.NextDue)

	clk.Advance(39 * time.Minute) // still the same slot
	clk.Advance(2 * time.Minute)  // 11:01: the next
	st = n.settle(t, "test.hourly", 2)
	require.Equal(t, time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), st.LastRun.Slot)

	clk.Advance(5 * time.Hour) // four slots missed: one run, for the current slot
	st = n.settle(t, "test.hourly", 3)
	require.Equal(t, time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC), st.LastRun.Slot)
	require.Equal(t, 3, c.total())
	require.Len(t, st.Recent, 3)
	require.Equal(t, []uint64{3, 2, 1}, []uint64{st.Recent[0].Seq, st.Recent[1].Seq, st.Recent[2].Seq})
	require.Eventually(t, func() bool { return metric(t, n.reg, "seclake_job_runs_total", "test.hourly", OutcomeOK) == 3 },
		10*time.Second, time.Millisecond)
}

func TestEachSlotRunsOnceAcrossNodes(t *testing.T) {
	for kind, stores := range map[string]func(t *testing.T, n int) []meta.Store{
		"sqlite": func(t *testing.T, n int) []meta.Store {
			st := sqliteStore(t)
			out := make([]meta.Store, n)
			for i := range out {
				out[i] = st
			}
			return out
		},
		"postgres": postgresStores,
	} {
		t.Run(kind, func(t *testing.T) {
			clk := clock.NewFake(start)
			c := &counter{runs: map[string]int{}}
			var nodes []*node
			for i, st := range stores(t, 3) {
				name := []string{"w1", "w2", "w3"}[i]
				nodes = append(nodes, newNode(t, st, clk, name,
					Job{Name: "test.fast", Every: time.Minute, Run: c.job(name)}))
			}
			for _, n := range nodes {
				require.NoError(t, n.s.Start("test.fast"))
			}
			nodes[0].settle(t, "test.fast", 1)
			for i := 2; i <= 8; i++ {
				clk.Advance(time.Minute)
				nodes[0].settle(t, "test.fast", uint64(i))
			}
			st := nodes[0].status(t, "test.fast")
			require.Equal(t, 8, c.total(), "runs per node: %v", c.snapshot())
			slots := map[time.Time]string{}
			for _, r := range st.Recent {
				require.Equal(t, OutcomeOK, r.Outcome)
				require.NotContains(t, slots, r.Slot, "slot %v ran twice", r.Slot)
				slots[r.Slot] = r.Node
			}
			require.Len(t, slots, 8)
			require.Eventually(t, func() bool { // each node counts its runs just after recording them
				sum := 0.0
				for _, n := range nodes {
					sum += metric(t, n.reg, "seclake_job_runs_total", "test.fast", OutcomeOK)
				}
				return sum == 8
			}, 10*time.Second, time.Millisecond, "the nodes' metrics count each run once")
		})
	}
}

func TestADeadNodesSlotIsTakenOverWhenItsLeaseEnds(t *testing.T) {
	clk := clock.NewFake(start)
	st := sqliteStore(t)
	c := &counter{runs: map[string]int{}}
	job := Job{Name: "test.hourly", Every: time.Hour, Lease: 3 * time.Minute}
	dead := newNode(t, st, clk, "dead", withRun(job, c.job("dead")))
	claimed, _, err := dead.s.claim(ctx, dead.s.jobs["test.hourly"], false) // it claims the slot, then dies
	require.NoError(t, err)
	require.NotNil(t, claimed)

	live := newNode(t, st, clk, "live", withRun(job, c.job("live")))
	require.NoError(t, live.s.Start("test.hourly"))
	run := live.status(t, "test.hourly").Running
	require.NotNil(t, run)
	require.Equal(t, "dead", run.Node)
	clk.Advance(2 * time.Minute)
	require.Equal(t, 0, c.total(), "the lease holds")
	clk.Advance(time.Minute)
	s := live.settle(t, "test.hourly", 2)
	require.Equal(t, map[string]int{"live": 1}, c.snapshot())
	require.Len(t, s.Recent, 2)
	require.Equal(t, OutcomeOK, s.Recent[0].Outcome)
	require.Equal(t, "live", s.Recent[0].Node)
	require.Equal(t, OutcomeAbandoned, s.Recent[1].Outcome)
	require.Equal(t, "dead", s.Recent[1].Node)
	require.Contains(t, s.Recent[1].Error, "node dead stopped renewing its lease; node live took the job over")
	require.Equal(t, s.Recent[0].Slot, s.Recent[1].Slot, "the same slot, taken over")
	require.Equal(t, uint64(1), s.Failures)
	require.Equal(t, 1.0, metric(t, live.reg, "seclake_job_takeovers_total", "test.hourly", ""))
}

// metric returns the value of a job counter of a node's registry (0 when it has not counted yet).
func metric(t *testing.T, reg *prometheus.Registry, name, job, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["job"] == job && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func withRun(j Job, run func(context.Context) error) Job {
	j.Run = run
	return j
}

func TestARunningJobKeepsItsClaimAndStopReleasesIt(t *testing.T) {
	clk := clock.NewFake(start)
	st := sqliteStore(t)
	c := &counter{runs: map[string]int{}, block: make(chan struct{})}
	job := Job{Name: "test.hourly", Every: time.Hour, Lease: 3 * time.Minute}
	a := newNode(t, st, clk, "a", withRun(job, c.job("a")))
	b := newNode(t, st, clk, "b", withRun(job, c.job("b")))
	require.NoError(t, a.s.Start("test.hourly"))
	require.Eventually(t, func() bool { return a.status(t, "test.hourly").Running != nil }, 10*time.Second, time.Millisecond)
	require.NoError(t, b.s.Start("test.hourly"))
	for range 5 { // a renews its lease as the clock moves; b never takes over
		clk.Advance(time.Minute)
		require.Eventually(t, func() bool {
			r := a.status(t, "test.hourly").Running
			return r != nil && r.LeaseUntil.Equal(clk.Now().Add(3*time.Minute))
		}, 10*time.Second, time.Millisecond)
	}
	require.Equal(t, map[string]int{"a": 1}, c.snapshot())

	a.s.Stop() // the run is interrupted and its slot released
	s := a.settle(t, "test.hourly", 1)
	require.Equal(t, OutcomeInterrupted, s.LastRun.Outcome)
	require.Equal(t, start.Truncate(time.Hour), s.NextDue, "the slot is due again")
	clk.Advance(3 * time.Minute) // b looks again when a's lease would have ended, and runs the slot
	require.Eventually(t, func() bool {
		r := b.status(t, "test.hourly").Running
		return r != nil && r.Node == "b"
	}, 10*time.Second, time.Millisecond)
	close(c.block)
	s = b.settle(t, "test.hourly", 2)
	require.Equal(t, OutcomeOK, s.LastRun.Outcome)
	require.Equal(t, s.Recent[0].Slot, s.Recent[1].Slot)
	require.Equal(t, map[string]int{"a": 1, "b": 1}, c.snapshot())
}

func TestAFailedRunIsRecordedAndTheJobRunsAgainNextSlot(t *testing.T) {
	clk := clock.NewFake(start)
	c := &counter{runs: map[string]int{}, fail: errors.New("the bucket is gone")}
	n := newNode(t, sqliteStore(t), clk, "w1", Job{Name: "test.hourly", Every: time.Hour, Run: c.job("w1")})
	require.NoError(t, n.s.Start("test.hourly"))
	s := n.settle(t, "test.hourly", 1)
	require.Equal(t, OutcomeFailed, s.LastRun.Outcome)
	require.Equal(t, "the bucket is gone", s.LastRun.Error)
	require.Equal(t, uint64(1), s.Failures)
	require.Equal(t, start.Truncate(time.Hour).Add(time.Hour), s.NextDue, "no retry within the slot")
	clk.Advance(time.Hour)
	n.settle(t, "test.hourly", 2)
	require.Eventually(t, func() bool { return metric(t, n.reg, "seclake_job_failures_total", "test.hourly", "") == 2 },
		10*time.Second, time.Millisecond)
}

func TestALostClaimCancelsTheRun(t *testing.T) {
	clk := clock.NewFake(start)
	st := sqliteStore(t)
	c := &counter{runs: map[string]int{}, block: make(chan struct{})}
	n := newNode(t, st, clk, "w1", Job{Name: "test.hourly", Every: time.Hour, Lease: 3 * time.Minute, Run: c.job("w1")})
	require.NoError(t, n.s.Start("test.hourly"))
	require.Eventually(t, func() bool { return n.status(t, "test.hourly").Running != nil }, 10*time.Second, time.Millisecond)
	require.NoError(t, st.Update(ctx, func(tx meta.Tx) error { // another node's claim replaces it
		s, err := loadState(tx, "test.hourly")
		require.NoError(t, err)
		s.Claim.Token, s.Claim.Node = "other", "w2"
		return saveState(tx, "test.hourly", s)
	}))
	clk.Advance(time.Minute) // the renewal finds the claim gone
	require.Eventually(t, func() bool {
		return metric(t, n.reg, "seclake_job_runs_total", "test.hourly", outcomeLost) == 1
	}, 10*time.Second, time.Millisecond)
	require.Equal(t, "w2", n.status(t, "test.hourly").Running.Node, "the loser records nothing")
}

func TestNewRejectsBadJobs(t *testing.T) {
	st := sqliteStore(t)
	run := func(context.Context) error { return nil }
	for _, jobs := range [][]Job{
		{{Name: "", Every: time.Hour, Run: run}},
		{{Name: "a/b", Every: time.Hour, Run: run}},
		{{Name: "a", Run: run}},
		{{Name: "a", Every: time.Hour}},
		{{Name: "a", Every: time.Hour, Run: run}, {Name: "a", Every: time.Minute, Run: run}},
	} {
		_, err := New(Config{Store: st, Node: "n", Jobs: jobs})
		require.Error(t, err, "%+v", jobs)
	}
	s, err := New(Config{Store: st, Node: "n", Jobs: []Job{{Name: "a", Every: time.Hour, Run: run}}})
	require.NoError(t, err)
	require.ErrorContains(t, s.Start("b"), `no job "b"`)
	require.NoError(t, s.Start("a"))
	require.ErrorContains(t, s.Start("a"), "already started")
	s.Stop()
	s.Stop()
}

// TestWakeRunsNowOnceAcrossNodes: a job woken on a node runs at once, though its slot already ran, once however
// many wakes came meanwhile; the other node of the cluster does not run it again, and the next slot runs as
// scheduled.
func TestWakeRunsNowOnceAcrossNodes(t *testing.T) {
	clk := clock.NewFake(start)
	st := sqliteStore(t)
	c := &counter{runs: map[string]int{}}
	job := func(node string) Job { return Job{Name: "test.hourly", Every: time.Hour, Run: c.job(node)} }
	w1, w2 := newNode(t, st, clk, "w1", job("w1")), newNode(t, st, clk, "w2", job("w2"))
	require.NoError(t, w1.s.Start("test.hourly"))
	require.NoError(t, w2.s.Start("test.hourly"))
	w1.settle(t, "test.hourly", 1)

	clk.Advance(time.Minute)
	w1.s.Wake("test.hourly")
	w1.s.Wake("test.hourly")
	s := w1.settle(t, "test.hourly", 2)
	require.Equal(t, start.Add(time.Minute), s.LastRun.Slot, "a woken run, in a grain of the current slot")
	require.Equal(t, start.Truncate(time.Hour).Add(time.Hour), s.NextDue)
	require.Never(t, func() bool { return c.total() > 2 }, 100*time.Millisecond, 10*time.Millisecond)

	clk.Advance(41 * time.Minute) // 11:02: the next slot (as the 11:00 slot, or as a wake that came during the run)
	s = w1.settle(t, "test.hourly", 3)
	require.False(t, s.LastRun.Slot.Before(time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)), "%v", s.LastRun.Slot)
	require.Never(t, func() bool { return c.total() > 3 }, 100*time.Millisecond, 10*time.Millisecond, "one run in the slot")
	w2.s.Wake("no.such.job") // ignored
}
