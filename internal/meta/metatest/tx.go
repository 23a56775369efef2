package metatest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

var txTests = []test{
	{"ReadYourWrites", testReadYourWrites},
	{"RollbackOnError", testRollbackOnError},
	{"RollbackOnPanic", testRollbackOnPanic},
	{"ViewIsReadOnly", testViewIsReadOnly},
	{"ViewReturnsError", testViewReturnsError},
	{"ViewSnapshot", testViewSnapshot},
	{"CancelledBeforeUpdate", testCancelledBeforeUpdate},
	{"CancelledDuringUpdate", testCancelledDuringUpdate},
	{"CancelledView", testCancelledView},
}

func testReadYourWrites(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "p/1", "old1", "p/2", "old2", "p/3", "old3")
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		require.NoError(t, tx.Put("t", "p/0", []byte("new0")))
		require.NoError(t, tx.Put("t", "p/2", []byte("new2")))
		require.NoError(t, tx.Delete("t", "p/3"))
		require.NoError(t, tx.Insert("t", "p/4", []byte("new4")))
		v, err := tx.Get("t", "p/2")
		require.NoError(t, err)
		require.Equal(t, "new2", string(v))
		_, err = tx.Get("t", "p/3")
		require.ErrorIs(t, err, meta.ErrNotFound)
		want := []entry{{"p/0", "new0"}, {"p/1", "old1"}, {"p/2", "new2"}, {"p/4", "new4"}}
		require.Equal(t, want, scanTx(t, tx, "t", meta.Range{Prefix: "p/"}))
		require.Equal(t, []entry{{"p/4", "new4"}, {"p/2", "new2"}},
			scanTx(t, tx, "t", meta.Range{Prefix: "p/", Reverse: true, Limit: 2}))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []entry{{"p/0", "new0"}, {"p/1", "old1"}, {"p/2", "new2"}, {"p/4", "new4"}},
		scanAll(t, s, "t", meta.Range{}))
}

// writeAndFail changes every kind of state and then gives up in the way fail chooses.
func writeAndFail(t *testing.T, tx meta.Tx, fail func() error) error {
	require.NoError(t, tx.Put("t", "new", []byte("x")))
	require.NoError(t, tx.Put("t", "a", []byte("changed")))
	require.NoError(t, tx.Delete("t", "b"))
	require.NoError(t, tx.Put("u", "other table", []byte("x")))
	return fail()
}

// requireUntouched checks the state that writeAndFail must not have changed.
func requireUntouched(t *testing.T, s meta.Store) {
	t.Helper()
	require.Equal(t, []entry{{"a", "1"}, {"b", "2"}}, scanAll(t, s, "t", meta.Range{}))
	require.Empty(t, scanAll(t, s, "u", meta.Range{}))
}

func testRollbackOnError(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "1", "b", "2")
	sentinel := errors.New("fn failed")
	wrapped := fmt.Errorf("wrapped: %w", meta.ErrNotFound)
	for _, want := range []error{sentinel, wrapped} {
		err := s.Update(context.Background(), func(tx meta.Tx) error {
			return writeAndFail(t, tx, func() error { return want })
		})
		require.True(t, err == want, "Update must return fn's error unchanged, got %v", err) //nolint:errorlint
		requireUntouched(t, s)
	}
	// The store still works.
	put(t, s, "t", "c", "3")
	requireValue(t, s, "t", "c", "3")
}

func testRollbackOnPanic(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "1", "b", "2")
	require.PanicsWithValue(t, "boom", func() {
		_ = s.Update(context.Background(), func(tx meta.Tx) error {
			return writeAndFail(t, tx, func() error { panic("boom") })
		})
	})
	requireUntouched(t, s)
	put(t, s, "t", "c", "3")
	requireValue(t, s, "t", "c", "3")
}

func testViewIsReadOnly(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "1")
	err := s.View(context.Background(), func(tx meta.Tx) error {
		require.ErrorIs(t, tx.Put("t", "b", []byte("x")), meta.ErrReadOnly)
		require.ErrorIs(t, tx.Insert("t", "b", []byte("x")), meta.ErrReadOnly)
		require.ErrorIs(t, tx.Delete("t", "a"), meta.ErrReadOnly)
		v, err := tx.Get("t", "a")
		require.NoError(t, err, "reads still work after a refused write")
		require.Equal(t, "1", string(v))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []entry{{"a", "1"}}, scanAll(t, s, "t", meta.Range{}))
}

func testViewReturnsError(t *testing.T, h *harness) {
	s := h.open()
	sentinel := errors.New("view failed")
	err := s.View(context.Background(), func(meta.Tx) error { return sentinel })
	require.True(t, err == sentinel, "View must return fn's error unchanged, got %v", err) //nolint:errorlint
}

// testViewSnapshot commits a change in the middle of a View, which must not see it.
func testViewSnapshot(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "old", "b", "old")
	err := s.View(context.Background(), func(tx meta.Tx) error {
		v, err := tx.Get("t", "a")
		require.NoError(t, err)
		require.Equal(t, "old", string(v))
		put(t, s, "t", "a", "new", "b", "new", "c", "new")
		v, err = tx.Get("t", "b")
		require.NoError(t, err)
		require.Equal(t, "old", string(v), "a View sees one snapshot")
		require.Equal(t, []entry{{"a", "old"}, {"b", "old"}}, scanTx(t, tx, "t", meta.Range{}))
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, []entry{{"a", "new"}, {"b", "new"}, {"c", "new"}}, scanAll(t, s, "t", meta.Range{}))
}

func testCancelledBeforeUpdate(t *testing.T, h *harness) {
	s := h.open()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Update(ctx, func(tx meta.Tx) error { return tx.Put("t", "a", []byte("x")) })
	require.ErrorIs(t, err, context.Canceled)
	requireMissing(t, s, "t", "a")
}

// testCancelledDuringUpdate ends the context inside fn, which then ignores the failure: nothing may be
// committed.
func testCancelledDuringUpdate(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "1", "b", "2")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	err := s.Update(ctx, func(tx meta.Tx) error {
		require.NoError(t, tx.Put("t", "a", []byte("changed")))
		cancel()
		err := tx.Put("t", "new", []byte("x"))
		require.ErrorIs(t, err, context.Canceled, "writes fail once the context has ended")
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, []entry{{"a", "1"}, {"b", "2"}}, scanAll(t, s, "t", meta.Range{}))
}

func testCancelledView(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "1")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.View(ctx, func(tx meta.Tx) error {
		_, err := tx.Get("t", "a")
		return err
	})
	require.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	err = s.View(ctx, func(tx meta.Tx) error {
		cancel()
		_, err := tx.Get("t", "a")
		return err
	})
	require.ErrorIs(t, err, context.Canceled)
}
