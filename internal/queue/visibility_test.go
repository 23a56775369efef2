package queue_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/queue"
)

func send(t *testing.T, e *env, ref queue.Ref, body string) {
	t.Helper()
	res, err := e.q.Send(ctx, root, ref, []queue.SendEntry{{Body: body}}, true)
	require.NoError(t, err)
	require.Nil(t, res[0].Err)
}

func receive(t *testing.T, e *env, ref queue.Ref, max int) []queue.Received {
	t.Helper()
	zero := 0
	msgs, err := e.q.Receive(ctx, root, ref, queue.ReceiveRequest{Max: max, Wait: &zero, SystemNames: []string{"All"}})
	require.NoError(t, err)
	return msgs
}

// A received message comes back after its visibility timeout, with its receive count; a delayed one only
// after its delay; an expired one never.
func TestVisibilityDelayRetention(t *testing.T) {
	e := newEnv(t)
	ref := e.queue(t, "clocked", map[string]string{"VisibilityTimeout": "30", "MessageRetentionPeriod": "120"})
	send(t, e, ref, "one")
	got := receive(t, e, ref, 1)
	require.Len(t, got, 1)
	require.Empty(t, receive(t, e, ref, 1), "in flight")
	e.clock.Advance(29 * time.Second)
	require.Empty(t, receive(t, e, ref, 1), "still in flight")
	e.clock.Advance(time.Second)
	again := receive(t, e, ref, 1)
	require.Len(t, again, 1)
	require.Equal(t, "2", again[0].System["ApproximateReceiveCount"])
	// The first receipt handle no longer deletes it; the current one does.
	errs, err := e.q.Delete(ctx, root, ref, []queue.HandleEntry{{Handle: got[0].ReceiptHandle}}, true)
	require.NoError(t, err)
	require.Nil(t, errs[0])
	e.clock.Advance(30 * time.Second)
	third := receive(t, e, ref, 1)
	require.Len(t, third, 1, "a stale handle deleted nothing")
	errs, err = e.q.Delete(ctx, root, ref, []queue.HandleEntry{{Handle: third[0].ReceiptHandle}}, true)
	require.NoError(t, err)
	require.Nil(t, errs[0])

	delay := 60
	res, err := e.q.Send(ctx, root, ref, []queue.SendEntry{{Body: "later", Delay: &delay}}, true)
	require.NoError(t, err)
	require.Nil(t, res[0].Err)
	attrs, err := e.q.GetAttributes(ctx, root, ref, []string{"All"})
	require.NoError(t, err)
	require.Equal(t, "1", attrs["ApproximateNumberOfMessagesDelayed"])
	e.clock.Advance(59 * time.Second)
	require.Empty(t, receive(t, e, ref, 10), "delayed")
	e.clock.Advance(time.Second)
	later := receive(t, e, ref, 10)
	require.Len(t, later, 1)
	require.Equal(t, "later", later[0].Body)

	// Retention: a message older than the retention period is gone, and its count with it.
	send(t, e, ref, "expiring")
	e.clock.Advance(121 * time.Second)
	require.Empty(t, receive(t, e, ref, 10))
	attrs, err = e.q.GetAttributes(ctx, root, ref, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}, attrs)
}

// Message bodies and attributes never reach the store in plaintext.
func TestNoPlaintextAtRest(t *testing.T) {
	e := newEnv(t)
	for _, attrs := range []map[string]string{nil, {"KmsMasterKeyId": e.kmsKey(t)}} {
		name := "plain"
		if attrs != nil {
			name = "kms"
		}
		ref := e.queue(t, name, attrs)
		res, err := e.q.Send(ctx, root, ref, []queue.SendEntry{{Body: "top-secret-body-" + name,
			Attrs: map[string]queue.Attribute{"a": {DataType: "String", StringValue: "top-secret-attr-" + name}}}}, true)
		require.NoError(t, err)
		require.Nil(t, res[0].Err)
	}
	found := false
	require.NoError(t, e.st.Meta.View(ctx, func(tx metaTx) error {
		for _, table := range []string{"queue.msgs", "queue.queues", "queue.dedup"} {
			if err := tx.Scan(table, metaRange{}, func(k string, v []byte) bool {
				found = found || containsSecret(k) || containsSecret(string(v))
				return true
			}); err != nil {
				return err
			}
		}
		return nil
	}))
	require.False(t, found, "a body or attribute value is stored in plaintext")
}

// The janitor job deletes expired messages nobody receives, so the counters drop them, and old FIFO
// deduplication entries, so the same ID is accepted again after five minutes.
func TestExpireJob(t *testing.T) {
	e := newEnv(t)
	ref := e.queue(t, "janitor", map[string]string{"MessageRetentionPeriod": "60"})
	for range 3 {
		send(t, e, ref, "old")
	}
	fifo := e.queue(t, "janitor.fifo", map[string]string{"FifoQueue": "true"})
	sendFIFO := func() string {
		res, err := e.q.Send(ctx, root, fifo, []queue.SendEntry{{Body: "x", GroupID: "g", DedupID: "same"}}, true)
		require.NoError(t, err)
		require.Nil(t, res[0].Err)
		return res[0].SequenceNumber
	}
	first := sendFIFO()
	require.Equal(t, first, sendFIFO(), "a duplicate within five minutes")
	e.clock.Advance(6 * time.Minute)
	n, err := e.q.Expire(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, n, "three messages and one deduplication entry")
	require.NoError(t, e.st.Jobs()["sqs.expire"].Job.Run(ctx), "the stack runs it as a job")
	attrs, err := e.q.GetAttributes(ctx, root, ref, []string{"ApproximateNumberOfMessages"})
	require.NoError(t, err)
	require.Equal(t, "0", attrs["ApproximateNumberOfMessages"])
	require.NotEqual(t, first, sendFIFO(), "accepted again once the entry expired")
}
