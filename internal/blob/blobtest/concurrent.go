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

// testLargeStreamingPut stores 64 MiB from a reader that never holds them, and checks that Put did not
// buffer the blob in memory.
func testLargeStreamingPut(t *testing.T, s blob.Store) {
	const size = 64 << 20
	ctx := context.Background()
	seed := [32]byte{1, 2, 3}
	want := sha256.New()
	_, err := io.Copy(want, &randomReader{rand.NewChaCha8(seed), size})
	require.NoError(t, err)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	info, err := s.Put(ctx, "big", &randomReader{rand.NewChaCha8(seed), size})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Equal(t, int64(size), info.Size)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("Put of 64 MiB allocated %d KiB", allocated>>10)
	require.Less(t, allocated, uint64(size/2), "Put must stream, not buffer the blob")

	rc, got, err := s.Get(ctx, "big")
	require.NoError(t, err)
	defer func() { require.NoError(t, rc.Close()) }()
	require.Equal(t, int64(size), got.Size)
	h := sha256.New()
	_, err = io.Copy(h, rc)
	require.NoError(t, err)
	require.Equal(t, want.Sum(nil), h.Sum(nil))
}
