package queue_test

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/seclake/seclake/internal/queue"
)

var queuedMessages = flag.Int("queued", 100000, "messages BenchmarkQueuedMemory leaves in the queue")

// BenchmarkQueuedMemory fills one queue with -queued messages (batches of 10, 8 senders) and reports the
// process's peak resident memory and the Go heap: queued messages live in the metadata store, not in memory.
// Then it counts them (GetQueueAttributes), once per op.
//
//	go test ./internal/queue -run '^$' -bench QueuedMemory -benchtime 1x -queued 1000000
func BenchmarkQueuedMemory(b *testing.B) {
	e := newEnv(b)
	ref := e.queue(b, "deep", nil)
	var wg sync.WaitGroup
	per := *queuedMessages / 8 / 10
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				entries := make([]queue.SendEntry, 10)
				for k := range entries {
					entries[k] = queue.SendEntry{ID: strconv.Itoa(k), Body: fmt.Sprintf(`{"worker":%d,"batch":%d,"n":%d,"finding":"object created"}`, w, i, k)}
				}
				if _, err := e.q.Send(ctx, root, ref, entries, false); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ResetTimer()
	var attrs map[string]string
	for b.Loop() {
		var err error
		if attrs, err = e.q.GetAttributes(ctx, root, ref, []string{"ApproximateNumberOfMessages"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	n, _ := strconv.Atoi(attrs["ApproximateNumberOfMessages"])
	b.ReportMetric(float64(n), "queued")
	b.ReportMetric(float64(ms.HeapInuse>>20), "heap-MiB")
	b.ReportMetric(float64(peakRSS()>>10), "peakRSS-MiB")
}

func peakRSS() int64 {
	raw, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(raw)) {
		var kb int64
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			return kb
		}
	}
	return 0
}
