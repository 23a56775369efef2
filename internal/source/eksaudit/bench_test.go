package eksaudit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// templates are the audit events of testdata/events.jsonl that normalize (the first five lines).
func templates(t testing.TB) [][]byte {
	data, err := os.ReadFile("testdata/events.jsonl")
	require.NoError(t, err)
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(out) < 5 {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

// generator writes an endless audit log, one event a line: the templates in turn, each with its own auditID,
// times and source address.
type generator struct {
	templates [][]byte
	i         int
	pending   []byte
}

func (g *generator) line(i int) []byte {
	r := g.templates[i%len(g.templates)]
	r = bytes.Replace(r, []byte(`"auditID":"0b1c2d3e-0000-4000-8000-0000000000`), fmt.Appendf(nil, `"auditID":"0b%07d-0000-4000-8000-0000000000`, i), 1)
	r = bytes.ReplaceAll(r, []byte(`T08:0`), fmt.Appendf(nil, `T1%d:%d`, i%10, i/10%6))
	return bytes.Replace(r, []byte(`"sourceIPs":["`), fmt.Appendf(nil, `"sourceIPs":["10.%d.%d.%d","`, i/65536%256, i/256%256, i%256), 1)
}

func (g *generator) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		for range 100 {
			g.pending = append(append(g.pending, g.line(g.i)...), '\n')
			g.i++
		}
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	if len(g.pending) == 0 {
		g.pending = g.pending[:0:0]
	}
	return n, nil
}

func auditLog(t testing.TB, n int) []byte {
	g := &generator{templates: templates(t)}
	var b bytes.Buffer
	for i := range n {
		b.Write(g.line(i))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

const benchEvents = 20_000

// BenchmarkNormalize normalizes an audit log of pod creation (with request and response objects), exec, a
// forbidden list, an impersonated patch and a deletion. Run with -cpu 1.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), auditLog(b, benchEvents), benchEvents)
}

// BenchmarkDecodeFloor is the floor: the same lines decoded with encoding/json into map[string]any.
func BenchmarkDecodeFloor(b *testing.B) {
	input := auditLog(b, benchEvents)
	b.SetBytes(int64(len(input)))
	b.ReportAllocs()
	cpu := sourcetest.CPUTime()
	for b.Loop() {
		d := json.NewDecoder(bytes.NewReader(input))
		for {
			var v map[string]any
			if err := d.Decode(&v); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	sourcetest.ReportRecords(b, benchEvents, int64(len(input)), sourcetest.CPUTime()-cpu)
}

// TestMemoryBounded normalizes a large audit log read from a generator, never held in memory, and checks the
// peak of the heap. $SECLAKE_EKSAUDIT_BYTES sets the size (default 32 MiB).
func TestMemoryBounded(t *testing.T) {
	size := int64(32 << 20)
	if s := os.Getenv("SECLAKE_EKSAUDIT_BYTES"); s != "" {
		var err error
		size, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
	}
	if testing.Short() {
		size = 4 << 20
	}
	sink := &sourcetest.PeakSink{}
	counts, err := New().Normalize(t.Context(), source.Object{Name: "big", Body: io.LimitReader(&generator{templates: templates(t)}, size)}, sink)
	require.NoError(t, err)
	require.EqualValues(t, counts.Events, sink.NEvents)
	require.LessOrEqual(t, counts.SetAside, int64(1), "only a last line cut by the limit")
	require.Greater(t, counts.Normalized, size/4000)
	t.Logf("%d MiB, %s; peak heap in use %.1f MiB, peak heap from the OS %.1f MiB, peak RSS of the test process %s",
		size>>20, counts, float64(sink.PeakInuse)/(1<<20), float64(sink.PeakSys)/(1<<20), sourcetest.PeakRSS())
	require.NotZero(t, sink.PeakSys, "the heap was sampled")
	require.Less(t, sink.PeakSys, uint64(128<<20))
}
