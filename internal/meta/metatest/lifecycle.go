package metatest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

var lifecycleTests = []test{
	{"Reopen", testReopen},
	{"Closed", testClosed},
	{"CloseWaitsForUpdate", testCloseWaitsForUpdate},
}

func testReopen(t *testing.T, h *harness) {
	s := h.open()
	var kv []string
	for i := range 50 {
		kv = append(kv, fmt.Sprintf("k%02d", i), fmt.Sprintf("v%d", i))
	}
	put(t, s, "t", kv...)
	put(t, s, "u", "\x00\xff", "odd")
	err := s.Update(context.Background(), func(tx meta.Tx) error { return tx.Delete("t", "k07") })
	require.NoError(t, err)
	require.NoError(t, s.Close())

	s = h.open()
	got := scanAll(t, s, "t", meta.Range{})
	require.Len(t, got, 49)
	requireMissing(t, s, "t", "k07")
	requireValue(t, s, "t", "k08", "v8")
	requireValue(t, s, "u", "\x00\xff", "odd")
	put(t, s, "t", "after", "reopen")
	require.NoError(t, s.Close())

	s = h.open()
	requireValue(t, s, "t", "after", "reopen")
}

func testClosed(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "1")
	require.NoError(t, s.Close())
	called := false
	err := s.View(context.Background(), func(meta.Tx) error { called = true; return nil })
	require.ErrorIs(t, err, meta.ErrClosed)
	err = s.Update(context.Background(), func(meta.Tx) error { called = true; return nil })
	require.ErrorIs(t, err, meta.ErrClosed)
	require.False(t, called, "fn must not run on a closed store")
	require.NoError(t, s.Close(), "closing twice is harmless")
}

// testCloseWaitsForUpdate closes the store while an Update is inside fn: the Update must still commit.
func testCloseWaitsForUpdate(t *testing.T, h *harness) {
	s := h.open()
	inside, release := make(chan struct{}), make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		updated <- s.Update(context.Background(), func(tx meta.Tx) error {
			close(inside)
			<-release
			return tx.Put("t", "a", []byte("committed"))
		})
	}()
	<-inside
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	close(release)
	require.NoError(t, <-updated)
	require.NoError(t, <-closed)

	s = h.open()
	requireValue(t, s, "t", "a", "committed")
}
