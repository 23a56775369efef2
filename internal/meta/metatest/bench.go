package metatest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// Bench runs the store benchmarks: Update throughput with one small Put per transaction and 1, 8 or 64
// concurrent writers, a Get of one key in its own View, and a Scan of 1000 keys.
func Bench(b *testing.B, setup Setup) {
	value := make([]byte, 100)
	for _, writers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("Update/writers=%d", writers), func(b *testing.B) {
			s := setup(b)()
			defer func() { require.NoError(b, s.Close()) }()
			var seq atomic.Int64
			put := func() error {
				key := fmt.Sprintf("k%012d", seq.Add(1))
				return s.Update(context.Background(), func(tx meta.Tx) error { return tx.Put("bench", key, value) })
			}
			if writers == 1 {
				for b.Loop() {
					require.NoError(b, put())
				}
				return
			}
			// RunParallel starts parallelism*GOMAXPROCS goroutines; round up so there are at least writers.
			b.SetParallelism(max(1, (writers+gomaxprocs()-1)/gomaxprocs()))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := put(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
	b.Run("Get", func(b *testing.B) {
		s := benchFill(b, setup, 10000, value)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			err := s.View(context.Background(), func(tx meta.Tx) error {
				_, err := tx.Get("bench", fmt.Sprintf("k%012d", i%10000))
				return err
			})
			require.NoError(b, err)
		}
	})
	b.Run("Scan1000", func(b *testing.B) {
		s := benchFill(b, setup, 1000, value)
		b.ResetTimer()
		for b.Loop() {
			n := 0
			err := s.View(context.Background(), func(tx meta.Tx) error {
				return tx.Scan("bench", meta.Range{Prefix: "k"}, func(string, []byte) bool { n++; return true })
			})
			require.NoError(b, err)
			require.Equal(b, 1000, n)
		}
	})
}

// benchFill opens a store holding n keys with value, closed at the end of the benchmark.
func benchFill(b *testing.B, setup Setup, n int, value []byte) meta.Store {
	s := setup(b)()
	b.Cleanup(func() { require.NoError(b, s.Close()) })
	err := s.Update(context.Background(), func(tx meta.Tx) error {
		for i := range n {
			if err := tx.Put("bench", fmt.Sprintf("k%012d", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(b, err)
	return s
}

func gomaxprocs() int { return runtime.GOMAXPROCS(0) }
