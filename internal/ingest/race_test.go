package ingest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/meta"
)

// TestTwoNodesRace: two services ("nodes") on one metadata store race over the same queue, committing many times
// each; every event lands once. On PostgreSQL when SECLAKE_TEST_POSTGRES is set, on SQLite always.
func TestTwoNodesRace(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { twoNodes(t, nil) })
	t.Run("postgres", func(t *testing.T) { twoNodes(t, stacktest.Postgres(t)) })
}

func twoNodes(t *testing.T, store meta.Store) {
	e := newEnv(t, store)
	const objects, n = 8, 1500
	var refs []ingest.ObjectRef
	dataEvents := 0
	for i := range objects {
		body, d := cloudTrail(t, "race", i*n, n)
		dataEvents += d
		refs = append(refs, e.put(ctKey(fmt.Sprint("race", i)), body))
	}
	regs := []*prometheus.Registry{prometheus.NewRegistry(), prometheus.NewRegistry()}
	var nodes []*ingest.Service
	for i, name := range []string{"a", "b"} {
		nodes = append(nodes, e.service(func(c *ingest.Config) {
			c.Node, c.Claims, c.Flush.MaxBufferBytes, c.Metrics = name, 1, 128<<10, regs[i]
		}))
	}
	// Both enqueue every object, as two notifications of each would.
	for _, s := range nodes {
		_, err := s.Enqueue(ctx, refs...)
		require.NoError(t, err)
	}
	var g errgroup.Group
	for _, s := range nodes {
		g.Go(func() error {
			for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
				if err := s.Run(ctx); err != nil {
					return err
				}
				if err := s.Flush(ctx); err != nil {
					return err
				}
				// Time passes: failed attempts (the catalog's database busy) come due again, and now and then a
				// lease runs out while its worker still holds events, which the other node then takes over.
				e.clk.Advance(500 * time.Millisecond)
				st, err := s.Status(ctx)
				if err != nil {
					return err
				}
				if st.Done == objects {
					return nil
				}
			}
			return fmt.Errorf("node %s: not done", s.Node())
		})
	}
	err := g.Wait()
	fails, ferr := nodes[0].Failures(ctx, 3)
	require.NoError(t, ferr)
	for _, f := range fails {
		t.Errorf("%s: %.400s", f.Ref.Key, f.Reason)
	}
	require.NoError(t, err)
	for i, reg := range regs {
		require.Positive(t, counter(t, reg, "seclake_ingest_commits_total"), "node %d committed", i)
	}
	m, d := e.uids("cloud_trail_mgmt"), e.uids("s3_data")
	require.Equal(t, objects*n-dataEvents, len(m))
	require.Equal(t, len(m), distinct(m))
	require.Equal(t, dataEvents, len(d))
	require.Equal(t, len(d), distinct(d))
}

// TestALateWorkerDoesNotCommit: a worker whose lease ran out while its events waited in the buffer commits
// nothing once another worker took the object over.
func TestALateWorkerDoesNotCommit(t *testing.T) {
	e := newEnv(t, nil)
	slow := e.service(func(c *ingest.Config) { c.Node = "slow" })
	fast := e.service(func(c *ingest.Config) { c.Node = "fast" })
	body, dataEvents := cloudTrail(t, "late", 0, 500)
	_, err := slow.Enqueue(ctx, e.put(ctKey("late"), body))
	require.NoError(t, err)
	require.NoError(t, slow.Run(ctx)) // read and buffered
	require.Zero(t, e.rows("cloud_trail_mgmt"))
	e.clk.Advance(3 * time.Minute) // the slow worker's lease runs out
	drain(t, fast)
	require.Equal(t, 500-dataEvents, e.rows("cloud_trail_mgmt"))
	require.NoError(t, slow.Flush(ctx))
	require.NoError(t, slow.Run(ctx))
	m := e.uids("cloud_trail_mgmt")
	require.Equal(t, 500-dataEvents, len(m), "the late worker dropped what it held")
	require.Equal(t, len(m), distinct(m))
}

// counter sums a counter of a registry over its labels.
func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
