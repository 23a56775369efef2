// Package stacktest (under app, which alone may open the concrete stores) starts the in-process services for a domain package's tests: SQLite and a local blob
// directory in the test's temporary directory, a fresh root key, and the given clock; stopped with the test.
package stacktest

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
)

// Start starts a stack on fresh stores with clk, and stops it when the test ends.
func Start(t testing.TB, clk clock.Clock) *stack.Stack {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	sk, err := seal.Generate(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	st, err := stack.Start(context.Background(), stack.Config{Stores: stack.Stores{Meta: store, Blobs: blobs, Seal: sk}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return st
}
