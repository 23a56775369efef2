package blobtest

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
)

// listKeysSet holds keys whose bytewise order differs from the order of their path components: '-', '.'
// and '=' sort before '/', digits, '_' and letters after it.
var listKeysSet = []string{
	"a", "a-b", "a.b", "a/b", "a/b-c", "a/b/c", "a/b.c", "a/b/c/d", "a/b=", "a0", "a=", "a_", "aa", "A", "Z/z",
	"b/x", "b-/y", "b.c/z", "ab/c", "ab-c", "ab.c/d", "lake/region=us-east-1/part_0.parquet",
	"lake/region=us-east-1/part_1.parquet", "lake/region=us-east-10/part_0.parquet", "lake/region=us-east-1-x/p",
}

func testListOrder(t *testing.T, s blob.Store) {
	for _, k := range listKeysSet {
		put(t, s, k, []byte(k))
	}
	for _, prefix := range []string{"", "a", "a/", "a/b", "a/b/", "a/b/c", "a/b/c/d", "a/b/c/d/", "ab", "b",
		"b-", "lake/region=us-east-1", "lake/region=us-east-1/", "zz", "Z", "A", "a/x", "q/r/s"} {
		want := []string{}
		for _, k := range listKeysSet {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		sort.Strings(want)
		require.Equal(t, want, listKeys(t, s, prefix), "prefix %q", prefix)
	}
	err := s.List(context.Background(), "a/b/", func(i blob.Info) bool {
		require.Equal(t, int64(len(i.Key)), i.Size, "%s", i.Key)
		require.False(t, i.ModTime.IsZero())
		return true
	})
	require.NoError(t, err)
}

func testListStop(t *testing.T, s blob.Store) {
	for _, k := range listKeysSet {
		put(t, s, k, nil)
	}
	var got []string
	err := s.List(context.Background(), "", func(i blob.Info) bool {
		got = append(got, i.Key)
		return len(got) < 4
	})
	require.NoError(t, err)
	want := append([]string(nil), listKeysSet...)
	sort.Strings(want)
	require.Equal(t, want[:4], got)
}

func testDelete(t *testing.T, s blob.Store) {
	ctx := context.Background()
	for _, k := range []string{"a/b/c", "a/b/d", "a/e", "f"} {
		put(t, s, k, []byte(k))
	}
	require.NoError(t, s.Delete(ctx, "a/b/c"))
	_, err := s.Stat(ctx, "a/b/c")
	require.ErrorIs(t, err, blob.ErrNotFound)
	require.Equal(t, []string{"a/b/d", "a/e", "f"}, listKeys(t, s, ""))
	require.NoError(t, s.Delete(ctx, "a/b/d"))
	require.NoError(t, s.Delete(ctx, "a/e"))
	require.Equal(t, []string{"f"}, listKeys(t, s, ""))
	put(t, s, "a/b/c", []byte("again")) // the pruned directories come back
	require.Equal(t, "again", string(get(t, s, "a/b/c")))
	require.NoError(t, s.Delete(ctx, "a/b/c"))
	require.NoError(t, s.Delete(ctx, "f"))
	require.Empty(t, listKeys(t, s, ""))
	put(t, s, "f", []byte("the store still works once empty"))
}
