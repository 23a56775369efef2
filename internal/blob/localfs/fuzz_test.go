package localfs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/blob/localfs"
)

// FuzzKeys stores blobs under arbitrary keys and lists arbitrary prefixes: invalid keys are refused, nothing
// lands outside the store's directory, and List agrees with a model.
func FuzzKeys(f *testing.F) {
	for _, seed := range [][2]string{
		{"a/b", "a"}, {"a-b", "a/"}, {"a.b/c", "a."}, {"../x", "../"}, {"a/../b", "a/.."}, {"/abs", "/"},
		{"a//b", "a//"}, {"x~", "x"}, {"k=v/p_0.parquet", "k=v/"}, {"a", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	root := f.TempDir()
	dir := filepath.Join(root, "store")
	s, err := localfs.Open(dir)
	require.NoError(f, err)
	stored := map[string]bool{}
	f.Fuzz(func(t *testing.T, key, prefix string) {
		ctx := context.Background()
		_, err := s.Put(ctx, key, strings.NewReader(key))
		if blob.ValidKey(key) != nil {
			require.ErrorIs(t, err, blob.ErrInvalidKey)
		} else if err != nil {
			require.ErrorIs(t, err, blob.ErrInvalidKey, "only over-long segments may be refused")
		} else {
			stored[key] = true
		}
		var want, got []string
		for k := range stored {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		sort.Strings(want)
		require.NoError(t, s.List(ctx, prefix, func(i blob.Info) bool {
			got = append(got, i.Key)
			return true
		}))
		require.Equal(t, want, got, "prefix %q", prefix)
		_, err = s.Stat(ctx, key)
		if !stored[key] {
			require.True(t, errors.Is(err, blob.ErrInvalidKey) || errors.Is(err, blob.ErrNotFound), "stat %q: %v", key, err)
		}
		entries, err := os.ReadDir(root)
		require.NoError(t, err)
		require.Len(t, entries, 1, "nothing is written beside the store's directory")
	})
}
