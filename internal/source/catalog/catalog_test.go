package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ocsf/schema"
	"github.com/seclake/seclake/internal/ocsf/shape"
)

// TestRegistry checks every source's description: unique names, a Security Lake source and table that exist,
// OCSF classes that exist.
func TestRegistry(t *testing.T) {
	r := Registry()
	require.NotEmpty(t, r.All())
	for _, s := range r.All() {
		info := s.Info()
		require.NotEmpty(t, info.Name)
		require.NotEmpty(t, info.Summary, info.Name)
		require.NotEmpty(t, info.Product, info.Name)
		require.NotEmpty(t, info.Classes, info.Name)
		for _, uid := range info.Classes {
			_, ok := schema.Default().ClassByUID(int(uid))
			require.True(t, ok, "%s: class %d", info.Name, uid)
		}
		if info.SecurityLake == "" {
			continue
		}
		require.Equal(t, "2.0", info.Version, info.Name)
		for _, table := range info.Tables {
			_, ok := shape.Lookup(table)
			require.True(t, ok, "%s: table %s", info.Name, table)
		}
		found, ok := r.Lookup(info.SecurityLake)
		require.True(t, ok)
		require.Equal(t, info.Name, found.Info().Name)
	}
}
