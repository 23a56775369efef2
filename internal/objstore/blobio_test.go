package objstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func blobFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.Walk(filepath.Join(dir, "blobs"), func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func TestSmallBodiesAreInlineAndSealed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "inline-bucket")
	for _, size := range []int{0, 1, InlineLimit, InlineLimit + 1, 3 * InlineLimit} {
		body := make([]byte, size)
		_, _ = rand.Read(body)
		before := blobFiles(t, f.dir)
		o := f.put(t, "inline-bucket", "k", string(body))
		f.s.Wait()
		inline := size <= InlineLimit
		require.Equal(t, inline, o.Blobs[0].Blob == "", "size %d", size)
		if inline {
			require.False(t, bytes.Contains(o.Blobs[0].Inline, body[:min(size, 64)]) && size >= 16, "the inline body is sealed")
			require.LessOrEqual(t, blobFiles(t, f.dir), before, "no blob file for a small body")
		}
		got, err := f.read(t, f.root, "inline-bucket", "k")
		require.NoError(t, err)
		require.Equal(t, body, []byte(got), "size %d", size)
		if size > 10 {
			out, err := f.s.GetObject(ctx, f.root, GetInput{Bucket: "inline-bucket", Key: "k", Range: &Range{Start: 5, End: 9}})
			require.NoError(t, err)
			b, err := io.ReadAll(out.Body)
			require.NoError(t, err)
			require.Equal(t, body[5:10], b)
		}
	}
}
