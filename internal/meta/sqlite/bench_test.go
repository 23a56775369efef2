package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

func BenchmarkStore(b *testing.B) {
	for _, tc := range []struct {
		name  string
		batch int
	}{{"groupcommit", 0}, {"nobatch", 1}} {
		b.Run(tc.name, func(b *testing.B) {
			metatest.Bench(b, func(t testing.TB) metatest.Opener {
				path := filepath.Join(t.TempDir(), "meta.db")
				return func() meta.Store {
					s, err := sqlite.Open(path, sqlite.Options{MaxBatch: tc.batch})
					require.NoError(t, err)
					return s
				}
			})
		})
	}
}
