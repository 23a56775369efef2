package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "meta.db"), Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// holdWriter starts an Update that waits inside fn until the returned release is called, so that the
// Updates started meanwhile queue up and share the next commit.
func holdWriter(t *testing.T, s *Store) (release func() error) {
	inside, unblock := make(chan struct{}), make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx meta.Tx) error {
			once.Do(func() { close(inside) }) // fn runs again if its batch is rolled back
			<-unblock
			return tx.Put("t", "holder", []byte("x"))
		})
	}()
	<-inside
	return func() error {
		close(unblock)
		return <-done
	}
}

// waitPending waits until n Updates are queued for the write connection.
func waitPending(s *Store, n int64) {
	for s.pending.Load() < n {
		runtime.Gosched()
	}
}

// TestBatchMembersAreIsolated queues Updates that succeed, fail, panic and break the transaction behind one
// that holds the writer, so that they run in one batch: each gets its own outcome.
func TestBatchMembersAreIsolated(t *testing.T) {
	s := openTest(t)
	failed := errors.New("fn failed")
	broken := errors.New("simulated database failure")
	fns := map[string]func(tx meta.Tx) error{
		"ok1":  func(tx meta.Tx) error { return tx.Put("t", "ok1", []byte("x")) },
		"fail": func(tx meta.Tx) error { _ = tx.Put("t", "fail", []byte("x")); return failed },
		"panic": func(tx meta.Tx) error {
			_ = tx.Put("t", "panic", []byte("x"))
			panic("boom")
		},
		"ok2": func(tx meta.Tx) error { return tx.Put("t", "ok2", []byte("x")) },
		"broken": func(mtx meta.Tx) error {
			_ = mtx.Put("t", "broken", []byte("x"))
			mtx.(*tx).failed = broken // as if SQLite had failed under fn, which swallowed the error
			return nil
		},
		"ok3": func(tx meta.Tx) error { return tx.Put("t", "ok3", []byte("x")) },
	}
	release := holdWriter(t, s)
	results := make(chan string, len(fns))
	for name, fn := range fns {
		go func() {
			defer func() {
				if p := recover(); p != nil {
					results <- fmt.Sprintf("%s: panic %v", name, p)
				}
			}()
			results <- fmt.Sprintf("%s: %v", name, s.Update(context.Background(), fn))
		}()
	}
	waitPending(s, int64(len(fns)))
	require.NoError(t, release())
	var got []string
	for range fns {
		got = append(got, <-results)
	}
	require.ElementsMatch(t, []string{"ok1: <nil>", "ok2: <nil>", "ok3: <nil>", "fail: fn failed",
		"panic: panic boom", "broken: " + broken.Error()}, got)
	var keys []string
	require.NoError(t, s.View(context.Background(), func(tx meta.Tx) error {
		return tx.Scan("t", meta.Range{}, func(k string, _ []byte) bool { keys = append(keys, k); return true })
	}))
	require.Equal(t, []string{"holder", "ok1", "ok2", "ok3"}, keys)
}

// TestBatchCommitsAfterWaiterGivesUp cancels the only Update queued behind the holder: the holder had left
// the batch open for it, so someone else must commit.
func TestBatchCommitsAfterWaiterGivesUp(t *testing.T) {
	s := openTest(t)
	release := holdWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	waiter := make(chan error, 1)
	go func() {
		waiter <- s.Update(ctx, func(tx meta.Tx) error { return tx.Put("t", "waiter", []byte("x")) })
	}()
	waitPending(s, 1)
	cancel()
	require.ErrorIs(t, <-waiter, context.Canceled)
	require.NoError(t, release())
	var v []byte
	require.NoError(t, s.View(context.Background(), func(tx meta.Tx) (err error) {
		v, err = tx.Get("t", "holder")
		return err
	}))
	require.Equal(t, "x", string(v))
}

// TestBatchLimit fills batches of two: every Update still commits.
func TestBatchLimit(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "meta.db"), Options{MaxBatch: 2})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	release := holdWriter(t, s)
	const n = 9
	errs := make(chan error, n)
	for i := range n {
		go func() {
			errs <- s.Update(context.Background(), func(tx meta.Tx) error {
				return tx.Put("t", fmt.Sprint(i), nil)
			})
		}()
	}
	waitPending(s, n)
	require.NoError(t, release())
	for range n {
		require.NoError(t, <-errs)
	}
	count := 0
	require.NoError(t, s.View(context.Background(), func(tx meta.Tx) error {
		return tx.Scan("t", meta.Range{}, func(string, []byte) bool { count++; return true })
	}))
	require.Equal(t, n+1, count)
}
