package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

// setup returns a metatest.Setup that gives each test its own database file.
func setup(opts sqlite.Options) metatest.Setup {
	return func(t testing.TB) metatest.Opener {
		path := filepath.Join(t.TempDir(), "meta.db")
		return func() meta.Store {
			s, err := sqlite.Open(path, opts)
			require.NoError(t, err)
			return s
		}
	}
}

// modes are the write paths worth testing: group commit (the default) and one transaction per Update.
var modes = []struct {
	name string
	opts sqlite.Options
}{{"groupcommit", sqlite.Options{}}, {"nobatch", sqlite.Options{MaxBatch: 1}}}

func TestConformance(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { metatest.Run(t, setup(m.opts)) })
	}
}

// A View whose statement is not prepared yet must not wait for a second read connection while it holds one:
// with every read connection held by such Views (here the only one), that wait never ended.
func TestViewPreparesOnItsOwnConnection(t *testing.T) {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{ReadConns: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	require.NoError(t, s.Update(context.Background(), func(tx meta.Tx) error { return tx.Put("t", "k", []byte("v")) }))
	for range 2 { // cold, then with the statement cached
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.View(ctx, func(tx meta.Tx) error {
			v, err := tx.Get("t", "k")
			require.Equal(t, "v", string(v))
			return err
		})
		cancel()
		require.NoError(t, err)
	}
}
