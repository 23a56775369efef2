package blobtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// Bench runs the store benchmarks: Put and Get throughput of 1 MiB and 64 MiB blobs (b.SetBytes makes
// `go test -bench` report MB/s).
func Bench(b *testing.B, open Open) {
	ctx := context.Background()
	for _, size := range []int{1 << 20, 64 << 20} {
		data := pattern(size)
		b.Run(fmt.Sprintf("Put/%dMiB", size>>20), func(b *testing.B) {
			s := open(b)
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				_, err := s.Put(ctx, fmt.Sprintf("bench/%d", i%4), bytes.NewReader(data))
				require.NoError(b, err)
			}
		})
		b.Run(fmt.Sprintf("Get/%dMiB", size>>20), func(b *testing.B) {
			s := open(b)
			_, err := s.Put(ctx, "bench", bytes.NewReader(data))
			require.NoError(b, err)
			b.SetBytes(int64(size))
			for b.Loop() {
				rc, _, err := s.Get(ctx, "bench")
				require.NoError(b, err)
				_, err = io.Copy(io.Discard, rc)
				require.NoError(b, err)
				require.NoError(b, rc.Close())
			}
		})
	}
}
