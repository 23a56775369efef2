package sourcetest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/source"
)

// Bench benchmarks Normalize over input, which holds records records: it reports MB/s of raw input (b.SetBytes)
// and records/s. Run it with -cpu 1 so that the rates are per CPU-second.
func Bench(b *testing.B, src source.Source, input []byte, records int) {
	b.Helper()
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	sink := &Discard{}
	cpu := CPUTime()
	for b.Loop() {
		counts, err := src.Normalize(context.Background(), source.Object{Name: "bench", Body: bytes.NewReader(input)}, sink)
		if err != nil {
			b.Fatal(err)
		}
		if counts.Normalized != int64(records) {
			b.Fatalf("normalized %d records, want %d (%s)", counts.Normalized, records, counts)
		}
	}
	ReportRecords(b, records, int64(len(input)), CPUTime()-cpu)
}

// DecodeFloor is the floor of a JSON source's benchmark: input, which holds records JSON objects one after
// the other, decoded with encoding/json into map[string]any, and nothing built. Run it with -cpu 1 beside Bench.
func DecodeFloor(b *testing.B, input []byte, records int) {
	b.Helper()
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	cpu := CPUTime()
	for b.Loop() {
		d := json.NewDecoder(bytes.NewReader(input))
		for n := 0; ; n++ {
			var m map[string]any
			if err := d.Decode(&m); err == io.EOF {
				if n != records {
					b.Fatalf("decoded %d records, want %d", n, records)
				}
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	ReportRecords(b, records, int64(len(input)), CPUTime()-cpu)
}

// ReportRecords reports, for a benchmark that handled records records of size bytes per iteration, records/s
// and, per CPU-second of the process (user and system time, garbage collection included: the rates a shared
// machine does not skew), records/cpu-s and MB/cpu-s.
func ReportRecords(b *testing.B, records int, size int64, cpu time.Duration) {
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if cpu > 0 {
		b.ReportMetric(float64(records)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	}
}

// CPUTime returns the CPU time the process has used so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
