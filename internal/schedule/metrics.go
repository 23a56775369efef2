package schedule

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics count the runs of this node.
type metrics struct {
	runs      *prometheus.CounterVec
	failures  *prometheus.CounterVec
	takeovers *prometheus.CounterVec
	duration  *prometheus.HistogramVec
}

// outcomeLost labels a run whose claim was taken over before it ended.
const outcomeLost = "lost"

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seclake_job_runs_total", Help: "Runs of background jobs on this node, by job and outcome (ok, failed, interrupted, lost).",
		}, []string{"job", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seclake_job_failures_total", Help: "Runs of background jobs on this node that failed or lost their claim, by job.",
		}, []string{"job"}),
		takeovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seclake_job_takeovers_total", Help: "Jobs this node took over from a node whose lease ran out, by job.",
		}, []string{"job"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "seclake_job_duration_seconds", Help: "How long runs of background jobs took on this node, by job.",
			Buckets: []float64{.001, .01, .1, .5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"job"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.runs, m.failures, m.takeovers, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register job metrics: %w", err)
		}
	}
	return m, nil
}

// observe counts a run that ended with outcome ("" when its claim was lost).
func (m *metrics) observe(job, outcome string, d time.Duration) {
	if outcome == "" {
		outcome = outcomeLost
	}
	m.runs.WithLabelValues(job, outcome).Inc()
	if outcome == OutcomeFailed || outcome == outcomeLost {
		m.failures.WithLabelValues(job).Inc()
	}
	m.duration.WithLabelValues(job).Observe(d.Seconds())
}
