package blobtest

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
)

func testPutGet(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := pattern(100_000)
	info := put(t, s, "objects/ab/cd-ef.bin", data)
	require.False(t, info.ModTime.IsZero())
	require.Equal(t, data, get(t, s, "objects/ab/cd-ef.bin"))
	st, err := s.Stat(ctx, "objects/ab/cd-ef.bin")
	require.NoError(t, err)
	require.Equal(t, info.Size, st.Size)
	require.Equal(t, "objects/ab/cd-ef.bin", st.Key)
	require.False(t, st.ModTime.IsZero())

	// A key and a longer key below it are different blobs, as in S3.
	put(t, s, "objects/ab", []byte("short"))
	put(t, s, "objects/ab/cd-ef.bin/x", []byte("long"))
	require.Equal(t, "short", string(get(t, s, "objects/ab")))
	require.Equal(t, "long", string(get(t, s, "objects/ab/cd-ef.bin/x")))
	require.Equal(t, data, get(t, s, "objects/ab/cd-ef.bin"))
	long := strings.Repeat("k/", 300) + "end" // 603 bytes, 301 segments
	put(t, s, long, []byte("deep"))
	require.Equal(t, "deep", string(get(t, s, long)))
}

func testEmptyBlob(t *testing.T, s blob.Store) {
	put(t, s, "empty", nil)
	require.Empty(t, get(t, s, "empty"))
	st, err := s.Stat(context.Background(), "empty")
	require.NoError(t, err)
	require.Zero(t, st.Size)
	require.Equal(t, []string{"empty"}, listKeys(t, s, ""))
}

func testOverwrite(t *testing.T, s blob.Store) {
	put(t, s, "k", pattern(5000))
	put(t, s, "k", []byte("shorter"))
	require.Equal(t, "shorter", string(get(t, s, "k")))
	st, err := s.Stat(context.Background(), "k")
	require.NoError(t, err)
	require.Equal(t, int64(7), st.Size)
	require.Equal(t, []string{"k"}, listKeys(t, s, ""))
}

func testMissing(t *testing.T, s blob.Store) {
	ctx := context.Background()
	put(t, s, "dir/present", []byte("x"))
	for _, key := range []string{"absent", "dir/absent", "dir", "dir/present/below", "nodir/x"} {
		_, _, err := s.Get(ctx, key)
		require.ErrorIs(t, err, blob.ErrNotFound, "get %s", key)
		_, err = s.GetRange(ctx, key, 0, 1)
		require.ErrorIs(t, err, blob.ErrNotFound, "get range %s", key)
		_, err = s.Stat(ctx, key)
		require.ErrorIs(t, err, blob.ErrNotFound, "stat %s", key)
		require.NoError(t, s.Delete(ctx, key), "deleting a missing key %s", key)
	}
	require.Equal(t, []string{"dir/present"}, listKeys(t, s, ""))
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	ctx := context.Background()
	for _, key := range []string{"", "/a", "a/", "a//b", "../x", "a/../../x", "a/./b", "a b", `a\b`, "é", strings.Repeat("x", 1025)} {
		_, err := s.Put(ctx, key, strings.NewReader("x"))
		require.ErrorIs(t, err, blob.ErrInvalidKey, "put %q", key)
		_, _, err = s.Get(ctx, key)
		require.ErrorIs(t, err, blob.ErrInvalidKey, "get %q", key)
		_, err = s.GetRange(ctx, key, 0, 1)
		require.ErrorIs(t, err, blob.ErrInvalidKey, "get range %q", key)
		_, err = s.Stat(ctx, key)
		require.ErrorIs(t, err, blob.ErrInvalidKey, "stat %q", key)
		require.ErrorIs(t, s.Delete(ctx, key), blob.ErrInvalidKey, "delete %q", key)
	}
	// A prefix is not a key: one that no valid key can start with lists nothing.
	require.Empty(t, listKeys(t, s, "../"))
	require.Empty(t, listKeys(t, s, "a//"))
}

func testRanges(t *testing.T, s blob.Store) {
	ctx := context.Background()
	data := pattern(1000)
	put(t, s, "r", data)
	put(t, s, "empty", nil)
	tests := []struct {
		key    string
		off, n int64
		want   []byte
		err    error
	}{
		{key: "r", off: 0, n: -1, want: data},
		{key: "r", off: 0, n: 1000, want: data},
		{key: "r", off: 0, n: 5000, want: data},
		{key: "r", off: 0, n: 0, want: nil},
		{key: "r", off: 10, n: 5, want: data[10:15]},
		{key: "r", off: 999, n: 1, want: data[999:]},
		{key: "r", off: 990, n: 100, want: data[990:]},
		{key: "r", off: 500, n: -1, want: data[500:]},
		{key: "r", off: 1000, n: -1, want: nil}, // starts at the end: empty
		{key: "r", off: 1000, n: 5, want: nil},
		{key: "r", off: 1001, n: 1, err: blob.ErrInvalidRange},
		{key: "r", off: 1 << 40, n: -1, err: blob.ErrInvalidRange},
		{key: "r", off: -1, n: 5, err: blob.ErrInvalidRange},
		{key: "empty", off: 0, n: -1, want: nil},
		{key: "empty", off: 0, n: 10, want: nil},
		{key: "empty", off: 1, n: -1, err: blob.ErrInvalidRange},
	}
	for _, tc := range tests {
		rc, err := s.GetRange(ctx, tc.key, tc.off, tc.n)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, "%s [%d,+%d)", tc.key, tc.off, tc.n)
			continue
		}
		require.NoError(t, err, "%s [%d,+%d)", tc.key, tc.off, tc.n)
		got, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		require.Equal(t, len(tc.want), len(got), "%s [%d,+%d)", tc.key, tc.off, tc.n)
		require.Equal(t, string(tc.want), string(got), "%s [%d,+%d)", tc.key, tc.off, tc.n)
	}
}

// failingReader yields n bytes of data and then fails.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

func testFailingReader(t *testing.T, s blob.Store) {
	ctx := context.Background()
	readErr := errors.New("client went away")
	put(t, s, "old", []byte("previous version"))
	for _, key := range []string{"new", "old", "dir/new"} {
		_, err := s.Put(ctx, key, &failingReader{n: 3 << 20, err: readErr})
		require.ErrorIs(t, err, readErr, "put %s", key)
	}
	require.Equal(t, "previous version", string(get(t, s, "old")), "a failed Put keeps the old blob")
	for _, key := range []string{"new", "dir/new"} {
		_, err := s.Stat(ctx, key)
		require.ErrorIs(t, err, blob.ErrNotFound, "a failed Put stores nothing under %s", key)
	}
	require.Equal(t, []string{"old"}, listKeys(t, s, ""))
}

// cancellingReader cancels its context after yielding some data.
type cancellingReader struct {
	cancel context.CancelFunc
	n      int
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.n++
	if r.n == 3 {
		r.cancel()
	}
	k := min(len(p), 64<<10)
	return k, nil
}

func testCancelledPut(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := s.Put(ctx, "k", &cancellingReader{cancel: cancel})
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Stat(context.Background(), "k")
	require.ErrorIs(t, err, blob.ErrNotFound)

	_, err = s.Put(ctx, "k2", strings.NewReader("x")) // already cancelled
	require.ErrorIs(t, err, context.Canceled)
	_, err = s.Stat(context.Background(), "k2")
	require.ErrorIs(t, err, blob.ErrNotFound)
}
