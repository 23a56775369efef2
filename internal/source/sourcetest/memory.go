package sourcetest

import (
	"os"
	"runtime"
	"strings"

	"github.com/seclake/seclake/internal/source"
)

// PeakSink is a sink for memory tests: it drops events like Discard and samples the heap every 16 batches.
type PeakSink struct {
	Discard
	batches int
	// PeakInuse and PeakSys are the largest HeapInuse and HeapSys seen.
	PeakInuse, PeakSys uint64
}

// Events counts a batch and samples the heap now and then.
func (s *PeakSink) Events(b source.Batch) error {
	s.batches++
	if s.batches%16 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		s.PeakInuse = max(s.PeakInuse, m.HeapInuse)
		s.PeakSys = max(s.PeakSys, m.HeapSys)
	}
	return s.Discard.Events(b)
}

// PeakRSS returns the process's peak resident set size (VmHWM), on Linux.
func PeakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
