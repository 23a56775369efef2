package eventbus

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are EventBridge's per-rule CloudWatch metrics, as Prometheus counters labelled by rule ARN.
type metrics struct {
	matched, invocations, failed, dlqFailed, sentToDLQ, attemptsFailed *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	vec := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "seclake_events", Name: name, Help: help}, []string{"rule"})
	}
	m := &metrics{
		matched:     vec("matched_events_total", "Events that matched the rule (MatchedEvents)."),
		invocations: vec("invocations_total", "Targets of the rule invoked successfully (Invocations)."),
		failed: vec("failed_invocations_total",
			"Invocations that failed for good: retries exhausted or a non-retryable answer (FailedInvocations)."),
		dlqFailed: vec("invocations_failed_to_be_sent_to_dlq_total",
			"Failed invocations that could not be sent to the target's dead-letter queue, or had none; they are kept (InvocationsFailedToBeSentToDlq)."),
		sentToDLQ: vec("invocations_sent_to_dlq_total", "Failed invocations sent to the target's dead-letter queue (InvocationsSentToDlq)."),
		attemptsFailed: vec("invocation_attempts_failed_total",
			"Invocation attempts that failed and will be retried or given up (seclake's own: AWS shows none)."),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.matched, m.invocations, m.failed, m.dlqFailed, m.sentToDLQ, m.attemptsFailed} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register events metrics: %w", err)
		}
	}
	return m, nil
}
