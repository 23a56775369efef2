package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

func FuzzScan(f *testing.F) {
	metatest.FuzzScan(f, func(t testing.TB) metatest.Opener {
		path := filepath.Join(t.TempDir(), "meta.db")
		return func() meta.Store {
			s, err := sqlite.Open(path, sqlite.Options{})
			require.NoError(t, err)
			return s
		}
	})
}
