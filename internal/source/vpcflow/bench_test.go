package vpcflow

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

const v5Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path"

// flowLine returns the i-th line of a synthetic flow log of one account, as VPC delivers them
// (AWSLogs/<account>/vpcflowlogs/<region>/…): 64 interfaces in 3 zones, addresses from a few thousand, both
// directions, accepts and rejects, a NODATA now and then.
func flowLine(i int, v5 bool) string {
	eni := fmt.Sprintf("eni-0a1b2c3d4e5f6%04d", i%64)
	account := "111122223333"
	src := fmt.Sprintf("10.%d.%d.%d", i%4, (i/7)%256, (i/3)%250+1)
	dst := fmt.Sprintf("198.51.100.%d", i%200+1)
	sport, dport := 1024+i%60000, []int{443, 80, 22, 53, 5432}[i%5]
	start := 1700000000 + i%86400
	action := []string{"ACCEPT", "ACCEPT", "ACCEPT", "REJECT"}[i%4]
	fields := fmt.Sprintf("%d %s %s %s %s %d %d 6 %d %d %d %d %s OK", map[bool]int{false: 2, true: 5}[v5], account, eni,
		src, dst, sport, dport, i%50+1, (i%50+1)*512, start, start+60, action)
	if i%97 == 0 {
		fields = fmt.Sprintf("%d %s %s - - - - - - - %d %d - NODATA", map[bool]int{false: 2, true: 5}[v5], account, eni, start, start+60)
	}
	if !v5 {
		return fields
	}
	dir := []string{"egress", "ingress"}[i%2]
	return fields + fmt.Sprintf(" vpc-0a1b2c3d4e5f6%04d subnet-0a1b2c3d4e5f6%04d i-0a1b2c3d4e5f6%04d %d IPv4 %s %s us-east-1 use1-az%d - - - - %s %d",
		i%8, i%16, i%64, []int{2, 18, 19, 3}[i%4], src, dst, i%3+1, dir, i%8+1)
}

func flowLog(n int, v5 bool) []byte {
	var b bytes.Buffer
	if v5 {
		b.WriteString(v5Header + "\n")
	}
	for i := range n {
		b.WriteString(flowLine(i, v5))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

const benchLines = 100_000

// BenchmarkNormalize normalizes flow log files of the default format (v2, 14 fields) and of the v5 format with
// every field (29). Run with -cpu 1: records/s is per CPU-second.
func BenchmarkNormalize(b *testing.B) {
	for _, v5 := range []bool{false, true} {
		input := flowLog(benchLines, v5)
		b.Run(map[bool]string{false: "v2", true: "v5"}[v5], func(b *testing.B) {
			sourcetest.Bench(b, New(), input, benchLines)
		})
	}
}

// BenchmarkSplitParseFloor is the floor to compare Normalize with: the same input cut into lines and fields,
// with the numbers parsed and the addresses checked, and nothing built.
func BenchmarkSplitParseFloor(b *testing.B) {
	for _, v5 := range []bool{false, true} {
		input := flowLog(benchLines, v5)
		b.Run(map[bool]string{false: "v2", true: "v5"}[v5], func(b *testing.B) {
			b.SetBytes(int64(len(input)))
			b.ReportAllocs()
			var sum int64
			cpu := sourcetest.CPUTime()
			for b.Loop() {
				sc := bufio.NewScanner(bytes.NewReader(input))
				for sc.Scan() {
					for i, f := range strings.Fields(sc.Text()) {
						switch {
						case i >= 5 && i <= 11:
							n, _ := strconv.ParseInt(f, 10, 64)
							sum += n
						case i == 3 || i == 4:
							sum += int64(len(f))
						}
					}
				}
			}
			sourcetest.ReportRecords(b, benchLines, int64(len(input)), sourcetest.CPUTime()-cpu)
			_ = sum
		})
	}
}

// TestMemoryBounded normalizes a large flow log read from a generator, never held in memory, and checks the
// peak of the heap. $SECLAKE_VPCFLOW_BYTES sets the size (default 64 MiB; docs/benchmarks.md has 2 GiB).
func TestMemoryBounded(t *testing.T) {
	size := int64(64 << 20)
	if s := os.Getenv("SECLAKE_VPCFLOW_BYTES"); s != "" {
		var err error
		size, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err)
	}
	if testing.Short() {
		size = 8 << 20
	}
	sink := &sourcetest.PeakSink{}
	counts, err := New().Normalize(t.Context(), source.Object{Name: "big", Body: io.LimitReader(&generator{v5: true}, size)}, sink)
	require.NoError(t, err)
	require.EqualValues(t, counts.Normalized, sink.NEvents)
	require.LessOrEqual(t, counts.SetAside, int64(1), "only a last line cut by the limit")
	t.Logf("%d MiB, %s; peak heap in use %.1f MiB, peak heap from the OS %.1f MiB, peak RSS of the test process %s",
		size>>20, counts, float64(sink.PeakInuse)/(1<<20), float64(sink.PeakSys)/(1<<20), sourcetest.PeakRSS())
	require.Less(t, sink.PeakSys, uint64(128<<20))
}

// generator writes an endless v5 flow log.
type generator struct {
	v5      bool
	i       int
	pending []byte
}

func (g *generator) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		if g.i == 0 {
			g.pending = append(g.pending, v5Header+"\n"...)
		}
		for range 1000 {
			g.pending = append(g.pending, flowLine(g.i, g.v5)...)
			g.pending = append(g.pending, '\n')
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
