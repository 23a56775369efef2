package athena_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/objstore"
)

// BenchmarkStartToSucceeded is the latency of a small query (SELECT 1 on the real engine) from
// StartQueryExecution to SUCCEEDED, as a client polling GetQueryExecution every millisecond sees it: queueing
// in meta, the worker loop's claim, the engine, the result files written through S3, the record updated.
func BenchmarkStartToSucceeded(b *testing.B) {
	st := stacktest.Start(b, clock.System)
	_, err := st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "results"})
	require.NoError(b, err)
	in := athena.StartInput{Query: "SELECT 1 AS one", Result: athena.ResultConfig{OutputLocation: "s3://results/bench/"}}
	for b.Loop() {
		id, err := st.Athena.StartQueryExecution(ctx, root, in)
		require.NoError(b, err)
		for {
			x, err := st.Athena.GetQueryExecution(ctx, root, id)
			require.NoError(b, err)
			if x.State == athena.StateSucceeded {
				break
			}
			require.Contains(b, []string{athena.StateQueued, athena.StateRunning}, x.State, x.Reason)
			time.Sleep(time.Millisecond)
		}
	}
}

// BenchmarkGetQueryResults pages through 100 000 result rows (3 columns) 1000 at a time, each page read from
// the CSV in S3 (decrypted) from the byte offset its token holds.
func BenchmarkGetQueryResults(b *testing.B) {
	e := startB(b)
	id, err := e.svc.StartQueryExecution(ctx, root, athena.StartInput{Query: "SELECT rows=100000", Result: athena.ResultConfig{OutputLocation: "s3://results/bench/"}})
	require.NoError(b, err)
	_, err = e.svc.RunDue(ctx)
	require.NoError(b, err)
	e.svc.Wait()
	rows := 0
	token := ""
	for b.Loop() {
		page, err := e.svc.GetQueryResults(ctx, root, id, token, 1000)
		require.NoError(b, err)
		rows += len(page.Rows)
		token = page.NextToken
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func startB(b *testing.B) *env {
	b.Helper()
	clk := clock.NewFake(t0)
	st := stacktest.Start(b, clk)
	st.Athena.Stop()
	_, err := st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "results"})
	require.NoError(b, err)
	e := &env{st: st, clk: clk, eng: &cannedEngine{}}
	svc, err := athena.New(athena.Config{Store: st.Meta, Seal: st.Seal, Authz: st.IAM, Objects: st.Objects, Engine: e.eng, Clock: clk})
	require.NoError(b, err)
	e.svc = svc
	return e
}
