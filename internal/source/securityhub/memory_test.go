package securityhub

import (
	"bytes"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestMemoryBounded normalizes one {"Findings": […]} object far larger than memory should hold, generated on the
// fly and never held whole, and checks the peak of the heap: the wrapper's array is read element by element.
// $SECLAKE_SH_BYTES sets the size (default 16 MiB; docs/benchmarks.md has 1 GiB).
func TestMemoryBounded(t *testing.T) {
	size := int64(16 << 20)
	if s := os.Getenv("SECLAKE_SH_BYTES"); s != "" {
		var err error
		size, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
	}
	if testing.Short() {
		size = 8 << 20
	}
	finding, err := os.ReadFile("testdata/vulnerability.jsonl")
	require.NoError(t, err)
	gen := &wrapped{finding: bytes.TrimSpace(finding), limit: size}
	sink := &peakSink{}
	counts, err := New().Normalize(t.Context(), source.Object{Name: "big", Body: gen}, sink)
	require.NoError(t, err)
	require.EqualValues(t, gen.n, counts.Normalized)
	require.Zero(t, counts.SetAside)
	t.Logf("%d MiB in one {\"Findings\":[…]}, %s; peak heap in use %.1f MiB, from the OS %.1f MiB",
		size>>20, counts, float64(sink.peakInuse)/(1<<20), float64(sink.peakSys)/(1<<20))
	require.Less(t, sink.peakSys, uint64(128<<20))
}

// wrapped writes {"Findings":[finding,finding,…]} of about limit bytes.
type wrapped struct {
	finding []byte
	limit   int64
	written int64
	n       int
	pending []byte
	done    bool
}

func (w *wrapped) Read(p []byte) (int, error) {
	if len(w.pending) == 0 {
		switch {
		case w.done:
			return 0, io.EOF
		case w.written == 0:
			w.pending = append(w.pending, `{"Findings": [`...)
		case w.written >= w.limit:
			w.pending, w.done = append(w.pending, "]}\n"...), true
		default:
			if w.n > 0 {
				w.pending = append(w.pending, ',', '\n')
			}
			w.pending = append(w.pending, w.finding...)
			w.n++
		}
	}
	n := copy(p, w.pending)
	w.pending = w.pending[n:]
	w.written += int64(n)
	return n, nil
}

// peakSink drops events and samples the heap every 16 batches.
type peakSink struct {
	sourcetest.Discard
	batches            int
	peakInuse, peakSys uint64
}

func (s *peakSink) Events(b source.Batch) error {
	s.batches++
	if s.batches%16 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		s.peakInuse = max(s.peakInuse, m.HeapInuse)
		s.peakSys = max(s.peakSys, m.HeapSys)
	}
	return s.Discard.Events(b)
}
