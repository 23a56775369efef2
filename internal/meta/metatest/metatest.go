// Package metatest is the conformance suite for meta.Store implementations: every implementation runs Run
// from its own tests, so that they all behave the same way.
package metatest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// Opener opens a store on one backing storage (a database file, a PostgreSQL schema). Calling it again after
// the previous store was closed must open the same data: the suite uses that to check durability.
type Opener func() meta.Store

// Setup creates new, empty backing storage for one test and returns the Opener for it. It releases the
// storage with t.Cleanup.
type Setup func(t testing.TB) Opener

// Run runs the conformance suite against the implementation that setup opens. Every subtest gets its own
// storage, and the suite closes every store it opens.
func Run(t *testing.T, setup Setup) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"crud", crudTests},
		{"scan", scanTests},
		{"tx", txTests},
		{"concurrency", concurrencyTests},
		{"lifecycle", lifecycleTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					h := &harness{t: t, opener: setup(t)}
					tc.run(t, h)
				})
			}
		})
	}
}

type test struct {
	name string
	run  func(t *testing.T, h *harness)
}

// harness opens stores for one test and closes them when it ends.
type harness struct {
	t      *testing.T
	opener Opener
}

// open opens a store on the test's storage and closes it at the end of the test.
func (h *harness) open() meta.Store {
	s := h.opener()
	require.NotNil(h.t, s)
	h.t.Cleanup(func() {
		if err := s.Close(); err != nil && !errors.Is(err, meta.ErrClosed) {
			h.t.Errorf("close store: %v", err)
		}
	})
	return s
}

// put commits key=value pairs (alternating in kv) into table in one transaction.
func put(t *testing.T, s meta.Store, table string, kv ...string) {
	t.Helper()
	require.Zero(t, len(kv)%2, "put needs key/value pairs")
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		for i := 0; i < len(kv); i += 2 {
			if err := tx.Put(table, kv[i], []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
}

// get reads one key in its own View; it returns the value and the error of Get.
func get(t *testing.T, s meta.Store, table, key string) ([]byte, error) {
	t.Helper()
	var v []byte
	var getErr error
	err := s.View(context.Background(), func(tx meta.Tx) error {
		v, getErr = tx.Get(table, key)
		return nil
	})
	require.NoError(t, err)
	return v, getErr
}

// requireValue checks that key holds want.
func requireValue(t *testing.T, s meta.Store, table, key, want string) {
	t.Helper()
	v, err := get(t, s, table, key)
	require.NoError(t, err, "get %s/%q", table, key)
	require.Equal(t, want, string(v), "value of %s/%q", table, key)
}

// requireMissing checks that key is absent.
func requireMissing(t *testing.T, s meta.Store, table, key string) {
	t.Helper()
	_, err := get(t, s, table, key)
	require.ErrorIs(t, err, meta.ErrNotFound, "get %s/%q", table, key)
}

// entry is one key and value seen by a scan.
type entry struct {
	Key   string
	Value string
}

// scanAll collects what Scan yields inside a View.
func scanAll(t *testing.T, s meta.Store, table string, r meta.Range) []entry {
	t.Helper()
	var got []entry
	err := s.View(context.Background(), func(tx meta.Tx) error {
		got = scanTx(t, tx, table, r)
		return nil
	})
	require.NoError(t, err)
	return got
}

// scanTx collects what Scan yields inside tx.
func scanTx(t *testing.T, tx meta.Tx, table string, r meta.Range) []entry {
	t.Helper()
	got := []entry{}
	err := tx.Scan(table, r, func(k string, v []byte) bool {
		got = append(got, entry{k, string(v)})
		return true
	})
	require.NoError(t, err)
	return got
}
