package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
)

// testConcurrentPut has writers replace one key with different contents while readers read it: every read
// and the final state must be one whole version.
func testConcurrentPut(t *testing.T, s blob.Store) {
	const writers, rounds, size = 6, 5, 256 << 10
	ctx := context.Background()
	put(t, s, "k", bytes.Repeat([]byte{0xff}, size))
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*2)
	for w := range writers {
		wg.Go(func() {
			for range rounds {
				_, err := s.Put(ctx, "k", bytes.NewReader(bytes.Repeat([]byte{byte(w)}, size)))
				errs <- err
				errs <- readWhole(ctx, s, "k", size)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, readWhole(ctx, s, "k", size))
	require.Equal(t, []string{"k"}, listKeys(t, s, ""))
}

// readWhole checks that key holds size copies of one byte.
func readWhole(ctx context.Context, s blob.Store, key string, size int) error {
	rc, _, err := s.Get(ctx, key)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	if len(data) != size || !bytes.Equal(data, bytes.Repeat(data[:1], size)) {
		return fmt.Errorf("read %d bytes that are not one whole version", len(data))
	}
	return nil
}

// randomReader yields n pseudo-random bytes without holding them.
type randomReader struct {
	rng *rand.ChaCha8
	n   int64
}

func (r *randomReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	_, _ = r.rng.Read(p)
	r.n -= int64(len(p))
	return len(p), nil
}

// heapWatcher wraps a reader and records the largest live heap seen while it is read, sampling (after a
// GC, so that garbage does not count) every few MiB.
type heapWatcher struct {
	r          io.Reader
	read, next int64
	base, peak uint64
}

const heapSampleEvery = 4 << 20

func newHeapWatcher(r io.Reader) *heapWatcher {
	w := &heapWatcher{r: r, next: heapSampleEvery}
	w.base = liveHeap()
	return w
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func (w *heapWatcher) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.read += int64(n)
	if w.read >= w.next || err != nil {
		w.next += heapSampleEvery
		if h := liveHeap(); h > w.base && h-w.base > w.peak {
			w.peak = h - w.base
		}
	}
	return n, err
}

// testLargeStreamingPut stores 64 MiB from a reader that never holds them, and checks that Put did not
// hold the blob in memory: the live heap must stay well below the blob's size while Put reads it (bounded
// buffers, such as a few multipart parts in flight, are fine).
func testLargeStreamingPut(t *testing.T, s blob.Store) {
	const size = 64 << 20
	ctx := context.Background()
	seed := [32]byte{1, 2, 3}
	want := sha256.New()
	_, err := io.Copy(want, &randomReader{rand.NewChaCha8(seed), size})
	require.NoError(t, err)

	w := newHeapWatcher(&randomReader{rand.NewChaCha8(seed), size})
	info, err := s.Put(ctx, "big", w)
	require.NoError(t, err)
	require.Equal(t, int64(size), info.Size)
	t.Logf("live heap grew by at most %d KiB while Put read 64 MiB", w.peak>>10)
	require.Less(t, w.peak, uint64(size*3/4), "Put must stream, not hold the blob in memory")

	rc, got, err := s.Get(ctx, "big")
	require.NoError(t, err)
	defer func() { require.NoError(t, rc.Close()) }()
	require.Equal(t, int64(size), got.Size)
	h := sha256.New()
	_, err = io.Copy(h, rc)
	require.NoError(t, err)
	require.Equal(t, want.Sum(nil), h.Sum(nil))
}
