package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/blob"
)

// measureAll runs the measurements named by columns and returns their results as table cells.
func measureAll(ctx context.Context, s blob.Store, o options) ([]string, error) {
	var row []string
	for _, size := range []int{1 << 20, 64 << 20} {
		put, get, err := pair(ctx, s, o, size, 1)
		if err != nil {
			return nil, err
		}
		row = append(row, fmt.Sprintf("%.0f MiB/s", put*float64(size)/(1<<20)), fmt.Sprintf("%.0f MiB/s", get*float64(size)/(1<<20)))
	}
	for _, workers := range []int{1, 8} {
		put, get, err := pair(ctx, s, o, 4<<10, workers)
		if err != nil {
			return nil, err
		}
		row = append(row, fmt.Sprintf("%.0f/s", put), fmt.Sprintf("%.0f/s", get))
	}
	return row, nil
}

// getKeys is how many objects GETs cycle through.
const getKeys = 64

// pair measures PUTs and then GETs of size-byte objects from workers clients, and returns the median
// operations per second of o.count runs each. PUTs of small objects create new keys; PUTs of large ones
// replace a few keys per client, so that the disk does not fill.
func pair(ctx context.Context, s blob.Store, o options, size, workers int) (put, get float64, err error) {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	prefix := fmt.Sprintf("bench-%d-%d", size, workers)
	put, err = median(o.count, func(run int) (float64, error) {
		return rate(ctx, o.duration, workers, func(w, i int) error {
			key := fmt.Sprintf("%s/put/%d/%d/%d", prefix, run, w, i)
			if size > 1<<20 {
				key = fmt.Sprintf("%s/put/%d/%d", prefix, w, i%2)
			}
			_, err := s.Put(ctx, key, bytes.NewReader(data))
			return err
		})
	})
	if err != nil {
		return 0, 0, fmt.Errorf("PUT %d bytes: %w", size, err)
	}
	keys := min(getKeys, max(workers, 1<<26/size))
	for k := range keys {
		if _, err := s.Put(ctx, fmt.Sprintf("%s/get/%d", prefix, k), bytes.NewReader(data)); err != nil {
			return 0, 0, err
		}
	}
	get, err = median(o.count, func(int) (float64, error) {
		return rate(ctx, o.duration, workers, func(w, i int) error {
			return read(ctx, s, fmt.Sprintf("%s/get/%d", prefix, (i*workers+w)%keys), size)
		})
	})
	if err != nil {
		return 0, 0, fmt.Errorf("GET %d bytes: %w", size, err)
	}
	return put, get, nil
}

// read reads a whole blob and checks its size.
func read(ctx context.Context, s blob.Store, key string, size int) error {
	rc, _, err := s.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	n, err := io.Copy(io.Discard, rc)
	if err == nil && n != int64(size) {
		err = fmt.Errorf("read %d bytes of %s, want %d", n, key, size)
	}
	return err
}

// rate runs op(worker, i) from workers goroutines until d has passed and returns completed operations per
// second.
func rate(ctx context.Context, d time.Duration, workers int, op func(w, i int) error) (float64, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		ops   int
		first error
	)
	start := time.Now()
	deadline := start.Add(d)
	for w := range workers {
		wg.Go(func() {
			n := 0
			var err error
			for ; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				if err = op(w, n); err != nil {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			ops += n
			if err != nil && first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	return float64(ops) / time.Since(start).Seconds(), first
}

// median runs f count times and returns the median result.
func median(count int, f func(run int) (float64, error)) (float64, error) {
	var results []float64
	for run := range max(count, 1) {
		r, err := f(run)
		if err != nil {
			return 0, err
		}
		results = append(results, r)
	}
	slices.Sort(results)
	return results[len(results)/2], nil
}
