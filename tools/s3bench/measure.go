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

// bench is what a measurement needs: the store to drive and the server's CPU clock.
type bench struct {
	store blob.Store
	cpu   func() (time.Duration, error)
	o     options
}

// result is the median of a measurement's runs: operations per wall-clock second and per second of the
// server's CPU time (which the other work on a shared machine does not change).
type result struct{ perSec, perCPU float64 }

// measureAll runs the measurements named by columns and returns their results as table cells.
func (b *bench) measureAll(ctx context.Context) ([]string, error) {
	var row []string
	for _, size := range []int{1 << 20, 64 << 20} {
		put, get, err := b.pair(ctx, size, 1)
		if err != nil {
			return nil, err
		}
		mib := float64(size) / (1 << 20)
		for _, r := range []result{put, get} {
			row = append(row, fmt.Sprintf("%.0f MiB/s (%.0f)", r.perSec*mib, r.perCPU*mib))
		}
	}
	for _, workers := range []int{1, 8} {
		put, get, err := b.pair(ctx, 4<<10, workers)
		if err != nil {
			return nil, err
		}
		for _, r := range []result{put, get} {
			row = append(row, fmt.Sprintf("%.0f/s (%.0f)", r.perSec, r.perCPU))
		}
	}
	return row, nil
}

// getKeys is how many objects GETs cycle through.
const getKeys = 64

// pair measures PUTs and then GETs of size-byte objects from workers clients. PUTs of small objects create
// new keys; PUTs of large ones replace a few keys per client, so that the disk does not fill.
func (b *bench) pair(ctx context.Context, size, workers int) (put, get result, err error) {
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	prefix := fmt.Sprintf("bench-%d-%d", size, workers)
	put, err = b.median(func(run int) (int, error) {
		return rate(ctx, b.o.duration, workers, func(w, i int) error {
			key := fmt.Sprintf("%s/put/%d/%d/%d", prefix, run, w, i)
			if size > 1<<20 {
				key = fmt.Sprintf("%s/put/%d/%d", prefix, w, i%2)
			}
			_, err := b.store.Put(ctx, key, bytes.NewReader(data))
			return err
		})
	})
	if err != nil {
		return put, get, fmt.Errorf("PUT %d bytes: %w", size, err)
	}
	keys := min(getKeys, max(workers, 1<<26/size))
	for k := range keys {
		if _, err := b.store.Put(ctx, fmt.Sprintf("%s/get/%d", prefix, k), bytes.NewReader(data)); err != nil {
			return put, get, err
		}
	}
	get, err = b.median(func(int) (int, error) {
		return rate(ctx, b.o.duration, workers, func(w, i int) error {
			return read(ctx, b.store, fmt.Sprintf("%s/get/%d", prefix, (i*workers+w)%keys), size)
		})
	})
	if err != nil {
		return put, get, fmt.Errorf("GET %d bytes: %w", size, err)
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

// rate runs op(worker, i) from workers goroutines until d has passed and returns the operations completed.
func rate(ctx context.Context, d time.Duration, workers int, op func(w, i int) error) (int, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		ops   int
		first error
	)
	deadline := time.Now().Add(d)
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
	return ops, first
}

// median runs f (which returns the operations it completed) o.count times and returns the medians of the
// operations per wall-clock second and per server CPU second.
func (b *bench) median(f func(run int) (int, error)) (result, error) {
	var wall, cpu []float64
	for run := range max(b.o.count, 1) {
		cpu0, err := b.cpu()
		if err != nil {
			return result{}, err
		}
		start := time.Now()
		ops, err := f(run)
		if err != nil {
			return result{}, err
		}
		elapsed := time.Since(start)
		cpu1, err := b.cpu()
		if err != nil {
			return result{}, err
		}
		wall = append(wall, float64(ops)/elapsed.Seconds())
		cpu = append(cpu, float64(ops)/max(cpu1-cpu0, time.Millisecond).Seconds())
	}
	slices.Sort(wall)
	slices.Sort(cpu)
	return result{perSec: wall[len(wall)/2], perCPU: cpu[len(cpu)/2]}, nil
}
