package queue_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/queue"
)

// BenchmarkSendReceiveDeleteKMS sends, receives and deletes batches of 10 on an SSE-KMS queue through the
// domain service (the real stack on SQLite, audit included for the KMS calls): per op, 10 messages.
func BenchmarkSendReceiveDeleteKMS(b *testing.B) {
	e := newEnv(b)
	ref := e.queue(b, "bench", map[string]string{"KmsMasterKeyId": e.kmsKey(b)})
	entries := make([]queue.SendEntry, 10)
	for i := range entries {
		entries[i] = queue.SendEntry{ID: strconv.Itoa(i), Body: `{"finding":"object created under a prefix","n":` + strconv.Itoa(i) + `}`}
	}
	zero := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.q.Send(ctx, root, ref, entries, false); err != nil {
			b.Fatal(err)
		}
		msgs, err := e.q.Receive(ctx, root, ref, queue.ReceiveRequest{Max: 10, Wait: &zero})
		require.NoError(b, err)
		del := make([]queue.HandleEntry, len(msgs))
		for i, m := range msgs {
			del[i] = queue.HandleEntry{ID: strconv.Itoa(i), Handle: m.ReceiptHandle}
		}
		if _, err := e.q.Delete(ctx, root, ref, del, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*10)/b.Elapsed().Seconds(), "msgs/s")
}
