package cloudtrail

import (
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

// templates are the management events of testdata/management.json that Security Lake collects, as compact
// JSON: the generator varies their IDs, times and addresses.
func templates(t testing.TB) [][]byte {
	data, err := os.ReadFile("testdata/management.json")
	require.NoError(t, err)
	var file struct{ Records []map[string]any }
	require.NoError(t, json.Unmarshal(data, &file))
	var out [][]byte
	for _, r := range file.Records {
		if r["eventCategory"] != "Management" {
			continue
		}
		b, err := json.Marshal(r)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

// generator writes an endless CloudTrail log file ({"Records":[…]}) of management events: the templates in
// turn, each with its own eventID, time and source address.
type generator struct {
	templates [][]byte
	i         int
	pending   []byte
}

func (g *generator) record(i int) []byte {
	r := g.templates[i%len(g.templates)]
	r = bytes.Replace(r, []byte(`"eventID":"e0000000-0000-4000-8000-0000000000`), fmt.Appendf(nil, `"eventID":"e%07d-0000-4000-8000-0000000000`, i), 1)
	r = bytes.Replace(r, []byte(`"eventTime":"2024-05-01T10:0`), fmt.Appendf(nil, `"eventTime":"2024-05-%02dT1%d:0`, i/86400%28+1, i%10), 1)
	return bytes.Replace(r, []byte(`"192.0.2.10"`), fmt.Appendf(nil, `"10.%d.%d.%d"`, i/65536%256, i/256%256, i%256), 1)
}

func (g *generator) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		if g.i == 0 {
			g.pending = append(g.pending, `{"Records":[`...)
		}
		for range 100 {
			if g.i > 0 {
				g.pending = append(g.pending, ",\n"...)
			}
			g.pending = append(g.pending, g.record(g.i)...)
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

// logFile returns a CloudTrail log file of n management events.
func logFile(t testing.TB, n int) []byte {
	g := &generator{templates: templates(t)}
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.Write(g.record(i))
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

const benchRecords = 20_000

// BenchmarkNormalize normalizes a CloudTrail log file of management events (API Activity, Authentication and
// Account Change). Run with -cpu 1: records/cpu-s is per CPU-second.
func BenchmarkNormalize(b *testing.B) {
	sourcetest.Bench(b, New(), logFile(b, benchRecords), benchRecords)
}

// BenchmarkDecodeFloor is the floor to compare Normalize with: the same file decoded with encoding/json, into
// generic values (map) and into a struct of the top-level fields with the nested ones left raw (struct).
func BenchmarkDecodeFloor(b *testing.B) {
	input := logFile(b, benchRecords)
	type event struct {
		EventVersion, EventTime, EventSource, EventName, AWSRegion, SourceIPAddress, UserAgent string
		RequestID, EventID, EventType, RecipientAccountID, EventCategory, ErrorCode            string
		UserIdentity, RequestParameters, ResponseElements, Resources, TLSDetails               json.RawMessage
		AdditionalEventData                                                                    json.RawMessage
		ReadOnly, ManagementEvent                                                              bool
	}
	for _, c := range []struct {
		name   string
		decode func() error
	}{
		{"map", func() error {
			var f struct{ Records []map[string]any }
			return json.Unmarshal(input, &f)
		}},
		{"struct", func() error {
			var f struct{ Records []event }
			return json.Unmarshal(input, &f)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			cpu := sourcetest.CPUTime()
			for b.Loop() {
				if err := c.decode(); err != nil {
					b.Fatal(err)
				}
			}
			sourcetest.ReportRecords(b, benchRecords, int64(len(input)), sourcetest.CPUTime()-cpu)
		})
	}
}

// TestMemoryBounded normalizes a large CloudTrail log file read from a generator, never held in memory, and
// checks the peak of the heap. $SECLAKE_CLOUDTRAIL_BYTES sets the size (default 64 MiB; docs/benchmarks.md
// has 2 GiB).
func TestMemoryBounded(t *testing.T) {
	size := int64(64 << 20)
	if s := os.Getenv("SECLAKE_CLOUDTRAIL_BYTES"); s != "" {
		var err error
		size, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
	}
	if testing.Short() {
		size = 8 << 20
	}
	sink := &sourcetest.PeakSink{}
	counts, err := New().Normalize(t.Context(), source.Object{Name: "big", Body: io.LimitReader(&generator{templates: templates(t)}, size)}, sink)
	require.NoError(t, err)
	require.EqualValues(t, counts.Events, sink.NEvents)
	require.LessOrEqual(t, counts.SetAside, int64(1), "only a last record cut by the limit")
	require.Greater(t, counts.Normalized, size/2000)
	t.Logf("%d MiB, %s; peak heap in use %.1f MiB, peak heap from the OS %.1f MiB, peak RSS of the test process %s",
		size>>20, counts, float64(sink.PeakInuse)/(1<<20), float64(sink.PeakSys)/(1<<20), sourcetest.PeakRSS())
	require.NotZero(t, sink.PeakSys, "the heap was sampled")
	require.Less(t, sink.PeakSys, uint64(128<<20))
}
