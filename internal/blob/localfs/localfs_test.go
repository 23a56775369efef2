package localfs_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/blob/blobtest"
	"github.com/seclake/seclake/internal/blob/localfs"
)

func open(t testing.TB) blob.Store {
	s, err := localfs.Open(t.TempDir())
	require.NoError(t, err)
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, open)
}

// files lists the regular files and directories below dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestOpenRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	_, err := localfs.Open(dir)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tmp", "put-123"), []byte("half a blob"), 0o600))
	_, err = localfs.Open(dir)
	require.NoError(t, err)
	require.Equal(t, []string{"data", "tmp"}, files(t, dir))
}

// TestFailedPutLeavesNothing checks that no temporary file or directory outlives a failed Put.
func TestFailedPutLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	s, err := localfs.Open(dir)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = s.Put(ctx, "a/b", strings.NewReader("x"))
	require.ErrorIs(t, err, context.Canceled)
	failing := errors.New("broken reader")
	_, err = s.Put(context.Background(), "a/c", &errReader{failing})
	require.ErrorIs(t, err, failing)
	require.Equal(t, []string{"data", "tmp"}, files(t, dir))
}

type errReader struct{ err error }

func (r *errReader) Read([]byte) (int, error) { return 0, r.err }

func TestModes(t *testing.T) {
	dir := t.TempDir()
	s, err := localfs.Open(filepath.Join(dir, "store"))
	require.NoError(t, err)
	_, err = s.Put(context.Background(), "x/y/z", strings.NewReader("secret ciphertext"))
	require.NoError(t, err)
	for _, rel := range []string{"store", "store/data", "store/tmp", "store/data/x", "store/data/x/y"} {
		fi, err := os.Stat(filepath.Join(dir, rel))
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o700), fi.Mode().Perm(), rel)
	}
	fi, err := os.Stat(filepath.Join(dir, "store/data/x/y/z~"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
}

// TestDeletePrunesDirectories removes the directories a Delete leaves empty, up to the data root.
func TestDeletePrunesDirectories(t *testing.T) {
	dir := t.TempDir()
	s, err := localfs.Open(dir)
	require.NoError(t, err)
	ctx := context.Background()
	for _, k := range []string{"a/b/c/d", "a/x"} {
		_, err = s.Put(ctx, k, strings.NewReader(k))
		require.NoError(t, err)
	}
	require.NoError(t, s.Delete(ctx, "a/b/c/d"))
	require.Equal(t, []string{"data", "data/a", "data/a/x~", "tmp"}, files(t, dir))
	require.NoError(t, s.Delete(ctx, "a/x"))
	require.Equal(t, []string{"data", "tmp"}, files(t, dir))
}

func TestLongSegment(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	ok := strings.Repeat("s", 254)
	_, err := s.Put(ctx, "d/"+ok, strings.NewReader("x"))
	require.NoError(t, err)
	_, err = s.Put(ctx, "d/"+ok+"s", strings.NewReader("x"))
	require.ErrorIs(t, err, blob.ErrInvalidKey)
	for _, prefix := range []string{"d/" + ok + "ss/", "d/" + ok + "ss/x", strings.Repeat("x", 300) + "/"} {
		require.NoError(t, s.List(ctx, prefix, func(blob.Info) bool {
			t.Fatalf("List(%q) found a blob", prefix)
			return false
		}))
	}
}

func TestOpenOnFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(f, nil, 0o600))
	_, err := localfs.Open(f)
	require.Error(t, err)
	_, err = localfs.Open("")
	require.Error(t, err)
}
