package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

func TestConformance(t *testing.T) {
	for _, batch := range []int{0, 1} {
		name := "groupcommit"
		if batch == 1 {
			name = "nobatch"
		}
		t.Run(name, func(t *testing.T) {
			metatest.Run(t, func(t testing.TB) metatest.Opener {
				path := filepath.Join(t.TempDir(), "meta.db")
				return func() meta.Store {
					s, err := sqlite.Open(path, sqlite.Options{MaxBatch: batch})
					require.NoError(t, err)
					return s
				}
			})
		})
	}
}
