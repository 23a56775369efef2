package edge

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests *prometheus.CounterVec
	errors   *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inflight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seclake_requests_total", Help: "Requests served, by service, operation and HTTP status.",
		}, []string{"service", "operation", "status"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "seclake_request_errors_total", Help: "Requests that ended in an AWS error, by service, operation and error code.",
		}, []string{"service", "operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "seclake_request_duration_seconds", Help: "Time from request arrival to response, by service and operation.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"service", "operation"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "seclake_requests_in_flight", Help: "Requests being served now.",
		}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.errors, m.latency, m.inflight} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register edge metrics: %w", err)
		}
	}
	return m, nil
}
