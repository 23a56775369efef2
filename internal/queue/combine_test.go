package queue_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/queue"
)

// Concurrent sends, receives and deletes share transactions; each message is still received exactly once,
// and a batch entry's failure stays its own.
func TestConcurrentWritesCombined(t *testing.T) {
	e := newEnv(t)
	ref := e.queue(t, "busy", nil)
	const senders, per = 8, 20
	var wg sync.WaitGroup
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				entries := []queue.SendEntry{{ID: "ok", Body: fmt.Sprintf("m-%d-%d", w, i)}, {ID: "bad", Body: "\x00"}}
				res, err := e.q.Send(ctx, root, ref, entries, false)
				if err != nil || res[0].Err != nil || res[1].Err == nil {
					t.Errorf("send: %v %+v", err, res)
				}
			}
		}()
	}
	var mu sync.Mutex
	seen := map[string]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			zero := 0
			for empty := 0; empty < 50; {
				msgs, err := e.q.Receive(ctx, root, ref, queue.ReceiveRequest{Max: 10, Wait: &zero})
				if err != nil {
					t.Error(err)
					return
				}
				if len(msgs) == 0 {
					empty++
					continue
				}
				var del []queue.HandleEntry
				mu.Lock()
				for i, m := range msgs {
					seen[m.Body]++
					del = append(del, queue.HandleEntry{ID: fmt.Sprint(i), Handle: m.ReceiptHandle})
				}
				mu.Unlock()
				if _, err := e.q.Delete(ctx, root, ref, del, false); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	// Receivers may give up before the last sends: drain what is left.
	zero := 0
	for {
		msgs, err := e.q.Receive(ctx, root, ref, queue.ReceiveRequest{Max: 10, Wait: &zero})
		require.NoError(t, err)
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			seen[m.Body]++
		}
	}
	require.Len(t, seen, senders*per)
	for body, n := range seen {
		require.Equal(t, 1, n, body)
	}
}
