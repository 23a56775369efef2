package sqlite_test

import (
	"path/filepath"
	"testing"

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
