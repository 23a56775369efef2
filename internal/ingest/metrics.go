package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus metrics of ingestion (on this node).
type metrics struct {
	enqueued   prometheus.Counter
	objects    *prometheus.CounterVec
	records    *prometheus.CounterVec
	events     *prometheus.CounterVec
	bytes      *prometheus.CounterVec
	setAside   *prometheus.CounterVec
	commits    *prometheus.CounterVec
	committed  *prometheus.CounterVec
	commitTime prometheus.Histogram
	recoveries *prometheus.CounterVec
	lag        prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	bySource := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_ingest_" + name, Help: help},
			[]string{"source"})
	}
	m := &metrics{
		enqueued: prometheus.NewCounter(prometheus.CounterOpts{Name: "seclake_ingest_enqueued_total",
			Help: "Objects enqueued for ingestion (identities already known are not counted)."}),
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_ingest_objects_total",
			Help: "Objects ingested (outcome done) or whose attempt failed (outcome failed), by source."},
			[]string{"source", "outcome"}),
		records:  bySource("records_total", "Records read from the objects ingested, by source."),
		events:   bySource("events_total", "Events made from the objects ingested, by source."),
		bytes:    bySource("bytes_total", "Bytes read (decompressed) from the objects ingested, by source."),
		setAside: bySource("setaside_total", "Records set aside (not normalized), by source."),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_ingest_commits_total",
			Help: "Appends committed to the lake's tables, by table."}, []string{"table"}),
		committed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_ingest_committed_events_total",
			Help: "Events committed to the lake's tables, by table."}, []string{"table"}),
		commitTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "seclake_ingest_commit_seconds",
			Help: "Time an append to a table takes.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 12)}),
		recoveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_ingest_recoveries_total",
			Help: "Write-ahead records of commits left by a worker that died or failed, by whether the commit " +
				"had gone through."}, []string{"committed"}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "seclake_ingest_lag_seconds",
			Help: "Age of the oldest object waiting to be ingested."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.enqueued, m.objects, m.records, m.events, m.bytes, m.setAside,
		m.commits, m.committed, m.commitTime, m.recoveries, m.lag} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) object(src, outcome string) { m.objects.WithLabelValues(src, outcome).Inc() }

func (m *metrics) commit(tbl string, events int, took time.Duration) {
	m.commits.WithLabelValues(tbl).Inc()
	m.committed.WithLabelValues(tbl).Add(float64(events))
	m.commitTime.Observe(took.Seconds())
}
