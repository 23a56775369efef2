package eventbus_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/eventbus"
)

// BenchmarkPutEvents puts batches of 10 events on a bus with 100 rules, one of which matches each event and
// queues a delivery (sealed, durable in SQLite): the cost of accepting events, without delivering them.
func BenchmarkPutEvents(b *testing.B) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := stacktest.Start(b, clk)
	st.Events.Stop()
	svc, err := eventbus.New(eventbus.Config{Store: st.Meta, Seal: st.Seal, Authz: st.IAM, Clock: clk})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		name := "r" + strconv.Itoa(i)
		if _, err := svc.PutRule(ctx, rootOf(acct), eventbus.RuleInput{Name: name,
			EventPattern: `{"source":["aws.s3"],"detail":{"bucket":{"name":["bucket-` + strconv.Itoa(i) + `"]}}}`}); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.PutTargets(ctx, rootOf(acct), name, "", []eventbus.Target{{ID: "q", ARN: queueARN("q" + strconv.Itoa(i))}}); err != nil {
			b.Fatal(err)
		}
	}
	entries := make([]eventbus.Entry, 10)
	for i := range entries {
		entries[i] = eventbus.Entry{Source: "aws.s3", DetailType: "Object Created",
			Detail: `{"bucket":{"name":"bucket-` + strconv.Itoa(i*7) + `"},"object":{"key":"logs/a.gz","size":100}}`}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, failed, err := svc.PutEvents(ctx, rootOf(acct), entries); err != nil || failed != 0 {
			b.Fatal(err, failed)
		}
	}
	b.ReportMetric(float64(b.N*len(entries))/b.Elapsed().Seconds(), "events/s")
}
