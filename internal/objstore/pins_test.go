package objstore

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOverwriteDuringGetKeepsTheOldVersionWhole starts reading an object, overwrites it (which retires and
// deletes the old version's blob) and finishes reading: the reader gets the old version entirely, and the
// old blob is deleted once the reader is done.
func TestOverwriteDuringGetKeepsTheOldVersionWhole(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "bkt")
	v1 := strings.Repeat("first version ", 20_000) // 280 KB: several segments, one blob
	f.put(t, "bkt", "k", v1)
	require.Equal(t, 1, blobFiles(t, f.dir))

	out, err := f.s.GetObject(context.Background(), f.root, GetInput{Bucket: "bkt", Key: "k"})
	require.NoError(t, err)
	half := make([]byte, len(v1)/2)
	_, err = io.ReadFull(out.Body, half)
	require.NoError(t, err)

	v2 := strings.Repeat("second version ", 20_000)
	f.put(t, "bkt", "k", v2)
	f.s.Wait()
	require.Equal(t, 2, blobFiles(t, f.dir), "the old blob must outlive its reader")

	rest, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	require.True(t, bytes.Equal([]byte(v1), append(half, rest...)), "the reader must get the whole old version")
	require.NoError(t, out.Body.(io.Closer).Close())
	f.s.Wait()
	require.Equal(t, 1, blobFiles(t, f.dir), "the old blob is deleted once its last reader is done")

	got, err := f.read(t, f.root, "bkt", "k")
	require.NoError(t, err)
	require.Equal(t, v2, got)
}

// TestGetOfReplacedObjectStartsOver covers the window between loading an object's record and pinning its
// blobs: when the blob is gone by then, the GET reads the new version instead of failing or cutting off.
func TestGetOfReplacedObjectStartsOver(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "bkt")
	f.put(t, "bkt", "k", strings.Repeat("a", 100_000))
	obj, err := f.s.loadObject(context.Background(), "bkt", "k")
	require.NoError(t, err)
	// The old blob is claimed for deletion, as an overwrite's collection would.
	require.NotEmpty(t, f.s.pins.claim([]string{obj.Blobs[0].Blob}))
	r := &objectReader{ctx: context.Background(), s: f.s, blobs: obj.Blobs, remain: obj.Size}
	require.ErrorIs(t, r.pin(), errReplaced)
	f.s.pins.done([]string{obj.Blobs[0].Blob})

	// Deleted outright: the first blob no longer opens.
	require.NoError(t, f.s.blobs.Delete(context.Background(), obj.Blobs[0].Blob))
	r = &objectReader{ctx: context.Background(), s: f.s, key: make([]byte, 32), blobs: obj.Blobs, remain: obj.Size}
	require.ErrorIs(t, r.pin(), errReplaced)
	require.Empty(t, f.s.pins.m, "a failed pin holds nothing")
}
