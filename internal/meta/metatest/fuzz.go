package metatest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// FuzzScan is the body of a fuzz target: each input stores one key (any bytes) and checks that a Scan of
// an arbitrary range yields exactly the stored keys that the range selects, in order. Call it from a
// FuzzXxx function of the implementation's tests.
func FuzzScan(f *testing.F, setup Setup) {
	for _, k := range scanKeys {
		f.Add(k, "a", "", "", false, 0)
	}
	f.Add("a/b", "a/", "a/a", "a/c", true, 2)
	f.Add("\xff\xff", "\xff", "", "", true, 1)
	f.Add("k\x00", "", "k", "k\x00\x01", false, 0)
	s := setup(f)()
	f.Cleanup(func() { _ = s.Close() })
	stored := map[string]bool{}
	f.Fuzz(func(t *testing.T, key, prefix, start, end string, reverse bool, limit int) {
		if limit < 0 || limit > 1000 {
			limit = 0
		}
		err := s.Update(context.Background(), func(tx meta.Tx) error { return tx.Put("fuzz", key, []byte(key)) })
		require.NoError(t, err)
		stored[key] = true
		keys := make([]string, 0, len(stored))
		for k := range stored {
			keys = append(keys, k)
		}
		r := meta.Range{Prefix: prefix, Start: start, End: end, Reverse: reverse, Limit: limit}
		got := scanAll(t, s, "fuzz", r)
		require.Equal(t, model(keys, r), keysOf(got), "range %s", rangeName(r))
		for _, e := range got {
			require.Equal(t, e.Key, e.Value)
		}
	})
}
