// Package stacktest (under app, which alone may open the concrete stores) starts the in-process services for a domain package's tests: SQLite and a local blob
// directory in the test's temporary directory, a fresh root key, and the given clock; stopped with the test.
package stacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/postgres"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
)

// Start starts a stack on fresh stores (SQLite) with clk, and stops it when the test ends.
func Start(t testing.TB, clk clock.Clock) *stack.Stack {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return StartOn(t, clk, store)
}

// Postgres opens a store in a fresh schema of the database SECLAKE_TEST_POSTGRES names (a DSN), dropped when the
// test ends; it skips the test when the variable is not set.
func Postgres(t testing.TB) meta.Store {
	t.Helper()
	dsn := os.Getenv("SECLAKE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("SECLAKE_TEST_POSTGRES is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "seclake_stacktest_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer func() { _ = conn.Close(context.Background()) }()
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	s, err := postgres.Open(context.Background(), dsn, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// StartOn starts a stack on store, a fresh blob directory and a fresh root key, with clk.
func StartOn(t testing.TB, clk clock.Clock, store meta.Store) *stack.Stack {
	t.Helper()
	blobs, err := localfs.Open(filepath.Join(t.TempDir(), "blobs"))
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
