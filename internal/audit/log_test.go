package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

func TestOpenValidates(t *testing.T) {
	store := newSQLite(t)
	_, err := Open(context.Background(), Config{ChainKey: testChainKey})
	require.ErrorContains(t, err, "no store")
	_, err = Open(context.Background(), Config{Store: store, ChainKey: testChainKey[:31]})
	require.ErrorContains(t, err, "chain key")
}

func TestAppendReturnsOnlyAfterCommit(t *testing.T) {
	base := newSQLite(t)
	store := &hookStore{Store: base}
	l, _ := openTestLog(t, store)

	entered, release := make(chan struct{}), make(chan struct{})
	store.setBefore(func() error {
		close(entered)
		<-release
		return nil
	})
	done := make(chan error, 1)
	r := rec("111122223333", "CreateKey", testTime)
	go func() { done <- l.Append(context.Background(), r) }()
	<-entered
	select {
	case err := <-done:
		t.Fatalf("Append returned (%v) while its commit was blocked", err)
	default:
	}
	require.ErrorIs(t, viewGet(base, batchKey(1)), meta.ErrNotFound, "not committed yet")
	store.setBefore(nil)
	close(release)
	require.NoError(t, <-done)
	require.Contains(t, string(storedEntry(t, base, 1).json), `"eventID":"e1"`)
	require.Equal(t, "e1", r.EventID, "Append fills in the caller's record")
}

func viewGet(s meta.Store, key string) error {
	return s.View(context.Background(), func(tx meta.Tx) error {
		_, err := tx.Get(Table, key)
		return err
	})
}

func TestAppendFailsWhenCommitFails(t *testing.T) {
	store := &hookStore{Store: newSQLite(t)}
	l, _ := openTestLog(t, store)
	boom := errors.New("disk on fire")
	store.setBefore(func() error { return boom })
	err := l.Append(context.Background(), rec("111122223333", "CreateKey", testTime))
	require.ErrorIs(t, err, boom)
	store.setBefore(nil)
	require.NoError(t, l.Append(context.Background(), rec("111122223333", "CreateKey", testTime)))
	rep, err := Verify(context.Background(), store, testChainKey)
	require.NoError(t, err)
	require.True(t, rep.OK(), rep.String())
	require.Equal(t, uint64(1), rep.Records, "the failed record left nothing behind")
}

func TestAppendRetriedAfterConflict(t *testing.T) {
	store := &hookStore{Store: newSQLite(t)}
	l, _ := openTestLog(t, store, func(c *Config) { c.MaxAttempts = 3 })
	var calls int
	store.setBefore(func() error {
		if calls++; calls < 3 {
			return fmt.Errorf("update: %w: gave up after 10 attempts", meta.ErrConflict)
		}
		return nil
	})
	require.NoError(t, l.Append(context.Background(), rec("111122223333", "CreateKey", testTime)), "the third commit succeeds")
	require.Equal(t, 3, calls)

	calls = 0
	store.setBefore(func() error {
		calls++
		return fmt.Errorf("update: %w", meta.ErrConflict)
	})
	require.ErrorIs(t, l.Append(context.Background(), rec("111122223333", "CreateKey", testTime)), meta.ErrConflict)
	require.Equal(t, 3, calls, "MaxAttempts commits, then the caller gets the error")
}

func TestAppendRejectsInvalidRecord(t *testing.T) {
	l, _ := openTestLog(t, newSQLite(t))
	r := rec("111122223333", "CreateKey", testTime)
	r.RecipientAccountID = ""
	require.ErrorIs(t, l.Append(context.Background(), r), ErrInvalidRecord)
	r = rec("111122223333", "CreateKey", testTime)
	r.RequestParameters = []byte(`{not json`)
	require.ErrorIs(t, l.Append(context.Background(), r), ErrInvalidRecord)
}

func TestAppendAsyncRetriedAfterFailure(t *testing.T) {
	store := &hookStore{Store: newSQLite(t)}
	l, _ := openTestLog(t, store)
	failed := make(chan struct{})
	var once sync.Once
	store.setBefore(func() error {
		once.Do(func() { close(failed) })
		return errors.New("transient")
	})
	l.AppendAsync(rec("111122223333", "ListKeys", testTime))
	<-failed
	store.setBefore(nil)
	require.NoError(t, l.Close(), "Close flushes the record that failed once")
	st := l.Stats()
	require.Equal(t, Stats{Appended: 1, Committed: 1, Batches: 1}, st)
	rep, err := Verify(context.Background(), store, testChainKey)
	require.NoError(t, err)
	require.Equal(t, uint64(1), rep.Records)
}

func TestAppendAsyncLostAfterMaxAttempts(t *testing.T) {
	store := &hookStore{Store: newSQLite(t)}
	calls := make(chan struct{}, 10)
	store.setBefore(func() error {
		calls <- struct{}{}
		return errors.New("down")
	})
	l, clk := openTestLog(t, store, func(c *Config) { c.MaxAttempts = 2; c.RetryBackoff = time.Second })
	l.AppendAsync(rec("111122223333", "ListKeys", testTime))
	<-calls
	waitForTimer(t, clk)
	clk.Advance(time.Second)
	<-calls // second and last attempt
	require.NoError(t, l.Close(), "nothing was queued any more at Close")
	require.Equal(t, uint64(1), l.Stats().Dropped)
	require.Empty(t, calls, "no third attempt")
}

func TestCloseReportsLostRecords(t *testing.T) {
	store := &hookStore{Store: newSQLite(t)}
	l, _ := openTestLog(t, store)
	store.setBefore(func() error { return errors.New("down") })
	l.mu.Lock() // hold the writer off so the record is still queued when Close starts
	l.queue = append(l.queue, &item{json: []byte(`{}`), eventID: "x"})
	l.slots <- struct{}{}
	l.mu.Unlock()
	err := l.Close()
	require.ErrorContains(t, err, "1 queued records lost")
}

// waitForTimer waits until a goroutine has armed a timer on clk.
func waitForTimer(t *testing.T, clk interface{ Waiters() int }) {
	t.Helper()
	for clk.Waiters() == 0 {
		runtime.Gosched()
	}
}

func TestCloseFlushesAndRefuses(t *testing.T) {
	store := newSQLite(t)
	l, _ := openTestLog(t, store)
	for i := range 100 {
		l.AppendAsync(rec("111122223333", fmt.Sprintf("Op%d", i), testTime))
	}
	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "Close is idempotent")
	require.Equal(t, uint64(100), l.Stats().Committed)
	require.ErrorIs(t, l.Append(context.Background(), rec("111122223333", "Late", testTime)), ErrClosed)
	l.AppendAsync(rec("111122223333", "Late", testTime))
	require.Equal(t, uint64(1), l.Stats().Dropped)
	rep, err := Verify(context.Background(), store, testChainKey)
	require.NoError(t, err)
	require.True(t, rep.OK(), rep.String())
	require.Equal(t, uint64(100), rep.Records)
}

func TestMaxDelayHoldsAsyncUntilAnAppendArrives(t *testing.T) {
	l, clk := openTestLog(t, newSQLite(t), func(c *Config) { c.MaxDelay = time.Hour })
	for range 3 {
		l.AppendAsync(rec("111122223333", "ListKeys", testTime))
	}
	waitForTimer(t, clk) // the writer holds the async batch open
	require.Zero(t, l.Stats().Committed)
	require.NoError(t, l.Append(context.Background(), rec("111122223333", "CreateKey", testTime)))
	st := l.Stats()
	require.Equal(t, uint64(4), st.Committed)
	require.Equal(t, uint64(1), st.Batches)

	l.AppendAsync(rec("111122223333", "ListKeys", testTime))
	for clk.Waiters() < 2 { // the first timer is still armed; the writer arms a second one
		runtime.Gosched()
	}
	require.Equal(t, uint64(4), l.Stats().Committed)
	clk.Advance(time.Hour)
	for l.Stats().Committed < 5 {
		runtime.Gosched()
	}
	require.Equal(t, uint64(2), l.Stats().Batches)
}

func TestHeadTamperStopsAppends(t *testing.T) {
	store := newSQLite(t)
	l, _ := openTestLog(t, store)
	require.NoError(t, l.Append(context.Background(), rec("111122223333", "CreateKey", testTime)))
	h, err := decodeHead(rawGet(t, store, keyHead))
	require.NoError(t, err)
	h.seq = 5
	rawPut(t, store, keyHead, encodeHead(h))
	require.ErrorIs(t, l.Append(context.Background(), rec("111122223333", "CreateKey", testTime)), ErrHeadInvalid)
	_, err = Open(context.Background(), Config{Store: store, ChainKey: testChainKey})
	require.ErrorIs(t, err, ErrHeadInvalid)
}

func TestOpenWithAnotherKeyFails(t *testing.T) {
	store := newSQLite(t)
	l, _ := openTestLog(t, store)
	require.NoError(t, l.Append(context.Background(), rec("111122223333", "CreateKey", testTime)))
	other := make([]byte, 32)
	_, err := Open(context.Background(), Config{Store: store, ChainKey: other})
	require.ErrorIs(t, err, ErrHeadInvalid)
}

func TestConcurrentAppendersKeepOneLinearChain(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		store := newStore(t)
		// Two Logs on one store stand for two nodes; each has 32 concurrent callers.
		logs := make([]*Log, 2)
		for i := range logs {
			logs[i], _ = openTestLog(t, store, func(c *Config) { c.Clock, c.NewID, c.MaxBatch = clock.System, nil, 16 })
		}
		const callers, each = 32, 20
		var wg sync.WaitGroup
		errs := make(chan error, len(logs)*callers*each)
		for _, l := range logs {
			for c := range callers {
				wg.Go(func() {
					for i := range each {
						r := rec(fmt.Sprintf("%012d", c%3), "Op", testTime.Add(time.Duration(i)*time.Second))
						if i%2 == 0 {
							l.AppendAsync(r)
						} else {
							errs <- l.Append(context.Background(), r)
						}
					}
				})
			}
		}
		wg.Wait()
		for _, l := range logs {
			require.NoError(t, l.Close())
		}
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		rep, err := Verify(context.Background(), store, testChainKey)
		require.NoError(t, err)
		require.True(t, rep.OK(), rep.String())
		total := uint64(len(logs) * callers * each)
		require.Equal(t, total, rep.Records)
		require.Equal(t, total, rep.HeadSeq)
	})
}
