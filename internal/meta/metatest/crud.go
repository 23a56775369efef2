package metatest

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

var crudTests = []test{
	{"GetMissing", testGetMissing},
	{"PutGet", testPutGet},
	{"PutReplaces", testPutReplaces},
	{"Insert", testInsert},
	{"Delete", testDelete},
	{"OddKeys", testOddKeys},
	{"EmptyValue", testEmptyValue},
	{"LargeValue", testLargeValue},
	{"TablesAreSeparate", testTablesAreSeparate},
	{"GetReturnsCopy", testGetReturnsCopy},
}

func testGetMissing(t *testing.T, h *harness) {
	s := h.open()
	requireMissing(t, s, "t", "nope")
	put(t, s, "t", "a", "1")
	requireMissing(t, s, "t", "nope")
	requireMissing(t, s, "t", "a\x00")
	requireMissing(t, s, "t", "")
}

func testPutGet(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "1", "b", "2")
	requireValue(t, s, "t", "a", "1")
	requireValue(t, s, "t", "b", "2")
}

func testPutReplaces(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "first value, longer")
	put(t, s, "t", "a", "2nd")
	requireValue(t, s, "t", "a", "2nd")
	require.Len(t, scanAll(t, s, "t", meta.Range{}), 1)
}

func testInsert(t *testing.T, h *harness) {
	s := h.open()
	ctx := context.Background()
	put(t, s, "t", "a", "old")
	err := s.Update(ctx, func(tx meta.Tx) error {
		err := tx.Insert("t", "a", []byte("new"))
		require.ErrorIs(t, err, meta.ErrExists)
		// A failed Insert does not spoil the transaction.
		require.NoError(t, tx.Insert("t", "b", []byte("fresh")))
		err = tx.Insert("t", "b", []byte("again"))
		require.ErrorIs(t, err, meta.ErrExists, "insert of a key written in the same tx")
		return nil
	})
	require.NoError(t, err)
	requireValue(t, s, "t", "a", "old")
	requireValue(t, s, "t", "b", "fresh")

	// A key deleted in the transaction can be inserted again.
	err = s.Update(ctx, func(tx meta.Tx) error {
		require.NoError(t, tx.Delete("t", "a"))
		return tx.Insert("t", "a", []byte("reborn"))
	})
	require.NoError(t, err)
	requireValue(t, s, "t", "a", "reborn")
}

func testDelete(t *testing.T, h *harness) {
	s := h.open()
	ctx := context.Background()
	put(t, s, "t", "a", "1", "b", "2")
	err := s.Update(ctx, func(tx meta.Tx) error {
		require.NoError(t, tx.Delete("t", "a"))
		require.ErrorIs(t, tx.Delete("t", "a"), meta.ErrNotFound, "second delete")
		require.ErrorIs(t, tx.Delete("t", "zz"), meta.ErrNotFound, "never existed")
		require.ErrorIs(t, tx.Delete("other", "b"), meta.ErrNotFound, "other table")
		_, err := tx.Get("t", "a")
		require.ErrorIs(t, err, meta.ErrNotFound, "get after delete in the same tx")
		return nil
	})
	require.NoError(t, err)
	requireMissing(t, s, "t", "a")
	requireValue(t, s, "t", "b", "2")
}

// oddKeys are keys whose bytes trip up text-based storage: NUL, 0xff, invalid UTF-8, the empty key.
var oddKeys = []string{"", "\x00", "\x00\x00", "a\x00b", "a", "a\xff", "\xff", "\xff\xff", "\xfe\xff\x00", "é", "\x80", "A", "a b"}

func testOddKeys(t *testing.T, h *harness) {
	s := h.open()
	var kv []string
	for i, k := range oddKeys {
		kv = append(kv, k, string(rune('A'+i)))
	}
	put(t, s, "t", kv...)
	for i, k := range oddKeys {
		requireValue(t, s, "t", k, string(rune('A'+i)))
	}
	got := scanAll(t, s, "t", meta.Range{})
	require.Equal(t, sortedKeys(oddKeys), keysOf(got), "keys sort bytewise")
	// A prefix of NULs must not match longer keys that merely compare equal as C strings.
	got = scanAll(t, s, "t", meta.Range{Prefix: "\x00"})
	require.Equal(t, []string{"\x00", "\x00\x00"}, keysOf(got))
	got = scanAll(t, s, "t", meta.Range{Prefix: "\xff"})
	require.Equal(t, []string{"\xff", "\xff\xff"}, keysOf(got))
}

func testEmptyValue(t *testing.T, h *harness) {
	s := h.open()
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		require.NoError(t, tx.Put("t", "nil", nil))
		require.NoError(t, tx.Insert("t", "empty", []byte{}))
		return nil
	})
	require.NoError(t, err)
	for _, k := range []string{"nil", "empty"} {
		v, err := get(t, s, "t", k)
		require.NoError(t, err, "an empty value is a value, not a missing key")
		require.Empty(t, v)
	}
	require.Equal(t, []entry{{"empty", ""}, {"nil", ""}}, scanAll(t, s, "t", meta.Range{}))
}

func testLargeValue(t *testing.T, h *harness) {
	s := h.open()
	big := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	err := s.Update(context.Background(), func(tx meta.Tx) error { return tx.Put("t", "big", big) })
	require.NoError(t, err)
	v, err := get(t, s, "t", "big")
	require.NoError(t, err)
	require.True(t, bytes.Equal(big, v), "1 MiB value round-trips")
	got := scanAll(t, s, "t", meta.Range{})
	require.Len(t, got, 1)
	require.True(t, bytes.Equal(big, []byte(got[0].Value)))
}

func testTablesAreSeparate(t *testing.T, h *harness) {
	s := h.open()
	tables := []string{"a", "b", "ab", "a/b", "kms.keys", "iam.users"}
	for _, tbl := range tables {
		put(t, s, tbl, "k", "in "+tbl, "~"+tbl, "x")
	}
	for _, tbl := range tables {
		requireValue(t, s, tbl, "k", "in "+tbl)
		got := scanAll(t, s, tbl, meta.Range{})
		require.Equal(t, []entry{{"k", "in " + tbl}, {"~" + tbl, "x"}}, got, "table %q sees only its keys", tbl)
	}
	err := s.Update(context.Background(), func(tx meta.Tx) error { return tx.Delete("a", "k") })
	require.NoError(t, err)
	requireMissing(t, s, "a", "k")
	requireValue(t, s, "b", "k", "in b")
	require.Empty(t, scanAll(t, s, "nonexistent", meta.Range{}))
}

func testGetReturnsCopy(t *testing.T, h *harness) {
	s := h.open()
	put(t, s, "t", "a", "abc")
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		v, err := tx.Get("t", "a")
		require.NoError(t, err)
		v[0] = 'X'
		w, err := tx.Get("t", "a")
		require.NoError(t, err)
		require.Equal(t, "abc", string(w))
		in := []byte("def")
		require.NoError(t, tx.Put("t", "b", in))
		in[0] = 'X' // the store must not keep the caller's slice
		return nil
	})
	require.NoError(t, err)
	requireValue(t, s, "t", "a", "abc")
	requireValue(t, s, "t", "b", "def")
}
