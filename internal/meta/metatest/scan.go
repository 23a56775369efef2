package metatest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

var scanTests = []test{
	{"Ranges", testScanRanges},
	{"RandomRanges", testScanRandomRanges},
	{"Stop", testScanStop},
	{"Many", testScanMany},
	{"ReadDuringScan", testScanReadDuringScan},
	{"ValuesBelongToCaller", testScanValuesBelongToCaller},
}

// scanKeys is the key set the range tests scan: neighbours of prefixes, NUL and 0xff bytes, the empty key.
var scanKeys = []string{
	"", "\x00", "a", "a\x00", "a\x00\x00", "a/", "a/b", "a/b/c", "a/b\xff", "a/c", "a0", "ab", "a\xff", "a\xff\xff",
	"b", "b\xff", "b\xff\xff", "c", "c/1", "c/2", "c/3", "\xfe", "\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff",
}

// model computes what a scan of keys must return, straight from the definition in meta.Range.
func model(keys []string, r meta.Range) []string {
	out := []string{}
	for _, k := range sortedKeys(keys) {
		if strings.HasPrefix(k, r.Prefix) && (r.Start == "" || k >= r.Start) && (r.End == "" || k < r.End) {
			out = append(out, k)
		}
	}
	if r.Reverse {
		slices.Reverse(out)
	}
	if r.Limit > 0 && len(out) > r.Limit {
		out = out[:r.Limit]
	}
	return out
}

// fillScanKeys stores each key with its own value ("v" + key) in table t.
func fillScanKeys(t *testing.T, s meta.Store, keys []string) {
	t.Helper()
	var kv []string
	for _, k := range keys {
		kv = append(kv, k, "v"+k)
	}
	put(t, s, "t", kv...)
	put(t, s, "s", "a", "other table", "a/b", "other table") // must never show up
}

func testScanRanges(t *testing.T, h *harness) {
	s := h.open()
	fillScanKeys(t, s, scanKeys)
	ranges := []meta.Range{
		{},
		{Reverse: true},
		{Limit: 1},
		{Limit: 3, Reverse: true},
		{Limit: 1000},
		{Prefix: "a"},
		{Prefix: "a/"},
		{Prefix: "a/", Reverse: true},
		{Prefix: "a/", Limit: 2},
		{Prefix: "a/", Limit: 2, Reverse: true},
		{Prefix: "a\x00"},
		{Prefix: "\x00"},
		{Prefix: "\xff"},
		{Prefix: "\xff\xff"},
		{Prefix: "\xff\xff", Reverse: true, Limit: 1},
		{Prefix: "b\xff"},
		{Prefix: "zzz"},
		{Start: "a/b"},
		{Start: "a/b", Reverse: true},
		{End: "a/b"},
		{End: "a/b", Reverse: true, Limit: 2},
		{Start: "a/", End: "a0"},
		{Start: "a/", End: "a0", Reverse: true},
		{Start: "a/b", End: "a/b"},
		{Start: "c", End: "a"},
		{Start: "\x00", End: "\x00\x00"},
		{Prefix: "a", Start: "a/b"},
		{Prefix: "a", Start: "a/b", End: "a0", Reverse: true},
		{Prefix: "a", Start: "0"},    // Start before the prefix
		{Prefix: "a", Start: "b"},    // Start after the prefix
		{Prefix: "a", End: "b"},      // End after the prefix
		{Prefix: "a", End: "a"},      // End at the prefix itself
		{Prefix: "a/", End: "a/b/c"}, // End inside the prefix
		{Prefix: "c/", Start: "c/2", Limit: 1},
		{Prefix: "c/", End: "c/2", Reverse: true, Limit: 1},
		{Prefix: "\xff", Start: "\xff\x00", End: "\xff\xff\xff", Reverse: true},
		{Start: "\xff\xff\xff\xff"},
	}
	for _, r := range ranges {
		t.Run(rangeName(r), func(t *testing.T) {
			got := scanAll(t, s, "t", r)
			require.Equal(t, model(scanKeys, r), keysOf(got))
			for _, e := range got {
				require.Equal(t, "v"+e.Key, e.Value)
			}
		})
	}
}

// testScanRandomRanges compares many seeded random ranges with the model.
func testScanRandomRanges(t *testing.T, h *harness) {
	s := h.open()
	fillScanKeys(t, s, scanKeys)
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func() string {
		if rng.IntN(4) == 0 {
			return ""
		}
		k := scanKeys[rng.IntN(len(scanKeys))]
		if len(k) > 0 && rng.IntN(3) == 0 {
			k = k[:rng.IntN(len(k))]
		}
		return k
	}
	err := s.View(context.Background(), func(tx meta.Tx) error {
		for range 300 {
			r := meta.Range{Prefix: pick(), Start: pick(), End: pick(), Reverse: rng.IntN(2) == 0, Limit: rng.IntN(5)}
			require.Equal(t, model(scanKeys, r), keysOf(scanTx(t, tx, "t", r)), "range %s", rangeName(r))
		}
		return nil
	})
	require.NoError(t, err)
}

func testScanStop(t *testing.T, h *harness) {
	s := h.open()
	fillScanKeys(t, s, scanKeys)
	for _, reverse := range []bool{false, true} {
		var got []string
		err := s.View(context.Background(), func(tx meta.Tx) error {
			return tx.Scan("t", meta.Range{Prefix: "a", Reverse: reverse}, func(k string, _ []byte) bool {
				got = append(got, k)
				return len(got) < 3
			})
		})
		require.NoError(t, err)
		require.Equal(t, model(scanKeys, meta.Range{Prefix: "a", Reverse: reverse, Limit: 3}), got)
	}
}

// testScanMany scans more keys than an implementation is likely to fetch in one round trip.
func testScanMany(t *testing.T, h *harness) {
	s := h.open()
	var keys []string
	for i := range 1500 {
		keys = append(keys, fmt.Sprintf("n/%05d", i))
	}
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		for _, k := range keys {
			if err := tx.Put("t", k, []byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	for _, r := range []meta.Range{
		{Prefix: "n/"},
		{Prefix: "n/", Reverse: true},
		{Prefix: "n/", Limit: 1001},
		{Prefix: "n/", Start: "n/00700", Reverse: true, Limit: 600},
		{Start: "n/00100", End: "n/01400"},
	} {
		got := scanAll(t, s, "t", r)
		require.Equal(t, model(keys, r), keysOf(got), "range %s", rangeName(r))
	}
}

// testScanReadDuringScan reads and writes other tables from inside a scan's callback.
func testScanReadDuringScan(t *testing.T, h *harness) {
	s := h.open()
	fillScanKeys(t, s, scanKeys)
	put(t, s, "lookup", "a/b", "found")
	var found []string
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		return tx.Scan("t", meta.Range{Prefix: "a/"}, func(k string, _ []byte) bool {
			v, err := tx.Get("lookup", k)
			if err == nil {
				found = append(found, string(v))
			} else {
				require.ErrorIs(t, err, meta.ErrNotFound)
			}
			require.NoError(t, tx.Put("copy", k, []byte("c")))
			return true
		})
	})
	require.NoError(t, err)
	require.Equal(t, []string{"found"}, found)
	require.Equal(t, model(scanKeys, meta.Range{Prefix: "a/"}), keysOf(scanAll(t, s, "copy", meta.Range{})))
}

func testScanValuesBelongToCaller(t *testing.T, h *harness) {
	s := h.open()
	fillScanKeys(t, s, scanKeys)
	var vals [][]byte
	err := s.View(context.Background(), func(tx meta.Tx) error {
		return tx.Scan("t", meta.Range{}, func(_ string, v []byte) bool {
			vals = append(vals, v)
			return true
		})
	})
	require.NoError(t, err)
	want := sortedKeys(scanKeys)
	require.Len(t, vals, len(want))
	for i, v := range vals {
		require.Equal(t, "v"+want[i], string(v), "value kept after the scan moved on")
	}
}

func sortedKeys(keys []string) []string {
	out := append([]string(nil), keys...)
	sort.Strings(out)
	return out
}

func keysOf(es []entry) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Key)
	}
	return out
}

// rangeName describes r for test names and messages.
func rangeName(r meta.Range) string {
	return fmt.Sprintf("prefix=%+q,start=%+q,end=%+q,reverse=%v,limit=%d", r.Prefix, r.Start, r.End, r.Reverse, r.Limit)
}
