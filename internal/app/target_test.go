package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seclake/seclake/internal/config"
)

// startTarget starts a server of the given target on a new data directory.
func startTarget(t *testing.T, target string) *Server {
	t.Helper()
	cfg := config.Default()
	cfg.Listen, cfg.DataDir, cfg.Target = "127.0.0.1:0", filepath.Join(t.TempDir(), "data"), target
	srv, err := Start(context.Background(), cfg, Options{Stdout: io.Discard, Stderr: io.Discard})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Shutdown(context.Background())) })
	return srv
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// jobRuns returns the runs of each job as /_seclake/jobs reports them.
func jobRuns(t *testing.T, srv *Server) (target string, runs map[string]uint64) {
	t.Helper()
	code, body := get(t, srv.URL()+"/_seclake/jobs")
	require.Equal(t, http.StatusOK, code, body)
	var rep jobsReport
	require.NoError(t, json.Unmarshal([]byte(body), &rep))
	require.Equal(t, srv.Node(), rep.Node)
	runs = map[string]uint64{}
	for _, j := range rep.Jobs {
		runs[j.Name] = j.Runs
	}
	return rep.Target, runs
}

func TestAWorkerRunsTheJobsAndServesOnlyItsOwnEndpoints(t *testing.T) {
	srv := startTarget(t, config.TargetWorker)
	code, body := get(t, srv.URL()+"/")
	require.Equal(t, http.StatusMisdirectedRequest, code)
	require.Contains(t, body, "--target worker")
	code, _ = get(t, srv.URL()+"/_seclake/health")
	require.Equal(t, http.StatusOK, code)
	require.Eventually(t, func() bool { // each job runs its first slot when the worker starts
		target, runs := jobRuns(t, srv)
		require.Equal(t, "worker", target)
		require.Len(t, runs, 15)
		for _, n := range runs {
			if n == 0 {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { // a run is counted in the metrics just after it is recorded
		_, metrics := get(t, srv.URL()+"/_seclake/metrics")
		return strings.Contains(metrics, `seclake_job_runs_total{job="kms.due",outcome="ok"}`)
	}, 10*time.Second, 10*time.Millisecond)
}

func TestAnAPINodeServesAndRunsNoJobs(t *testing.T) {
	srv := startTarget(t, config.TargetAPI)
	code, body := get(t, srv.URL()+"/")
	require.NotEqual(t, http.StatusMisdirectedRequest, code, body)
	require.True(t, strings.Contains(body, "MissingAuthenticationToken") || strings.Contains(body, "AccessDenied"), body)
	target, runs := jobRuns(t, srv)
	require.Equal(t, "api", target)
	require.Equal(t, map[string]uint64{"iam.janitor": 0, "ingest.audit": 0, "ingest.backfill": 0, "ingest.run": 0, "kms.due": 0, "lake.provision": 0, "lake.reencrypt": 0, "logdelivery.deliver": 0, "s3.lifecycle": 0, "s3.notify": 0, "s3.replication": 0, "s3.sweep": 0, "sqs.expire": 0, "table.maintain": 0, "trail.deliver": 0}, runs,
		"the jobs are known, and not run here")
	_, metrics := get(t, srv.URL()+"/_seclake/metrics")
	require.NotContains(t, metrics, "seclake_job_runs_total{")
}

func TestAFailedStartStopsWhatStarted(t *testing.T) {
	busy := startTarget(t, config.TargetAll)
	dir := filepath.Join(t.TempDir(), "data")
	cfg := config.Default()
	cfg.Listen, cfg.DataDir = strings.TrimPrefix(busy.URL(), "http://"), dir
	before := goleak.IgnoreCurrent()
	_, err := Start(context.Background(), cfg, Options{Stdout: io.Discard, Stderr: io.Discard})
	require.ErrorContains(t, err, "start listener: listen on")
	// What it had started was stopped: no goroutine of it is left (the audit writer, the scheduler's jobs,
	// the store's), and the directory starts again.
	goleak.VerifyNone(t, before, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
	srv, _, _, err := start(t, dir, nil)
	require.NoError(t, err)
	require.NoError(t, srv.Shutdown(context.Background()))
}

// TestEventDeliveryRunsOnlyWhereJobsRun: the EventBridge delivery loop (deliveries and scheduled rules) is
// background work, so API nodes leave it to the workers.
func TestEventDeliveryRunsOnlyWhereJobsRun(t *testing.T) {
	for target, runs := range map[string]bool{config.TargetAPI: false, config.TargetWorker: true, config.TargetAll: true} {
		srv := startTarget(t, target)
		require.Equal(t, runs, srv.stack.Events.Delivering(), "target %s", target)
	}
}
