package objstore

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// replMetrics are replication's Prometheus metrics.
type replMetrics struct {
	ops     *prometheus.CounterVec
	bytes   prometheus.Counter
	pending prometheus.Gauge
	lag     prometheus.Histogram
}

func newReplMetrics(reg prometheus.Registerer) (*replMetrics, error) {
	m := &replMetrics{
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seclake_s3_replication_operations_total", Help: "Replication attempts of object versions, by result (completed, failed, dropped).",
		}, []string{"result"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "seclake_s3_replication_bytes_total", Help: "Bytes of object bodies replicated.",
		}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seclake_s3_replication_pending", Help: "Versions waiting in the replication queue at the last run, failed ones included.",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "seclake_s3_replication_lag_seconds", Help: "Time from a version's write to its replica's.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600},
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.ops, m.bytes, m.pending, m.lag} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register replication metrics: %w", err)
		}
	}
	return m, nil
}

func (m *replMetrics) setPending(n int) { m.pending.Set(float64(n)) }

func (m *replMetrics) done(outcome string, bytes int64, lag time.Duration) {
	switch outcome {
	case ReplicationCompleted:
		m.ops.WithLabelValues("completed").Inc()
		m.bytes.Add(float64(bytes))
		m.lag.Observe(lag.Seconds())
	case ReplicationFailed:
		m.ops.WithLabelValues("failed").Inc()
	default:
		m.ops.WithLabelValues("dropped").Inc()
	}
}
