package flowlog_test

import (
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/flowlog"
	"github.com/seclake/seclake/internal/netflow"
	"github.com/seclake/seclake/internal/netflow/netflowtest"
)

// benchFlows returns n flows of distinct 5-tuples (clients of a /16 talking to a few servers), as one exporter's
// interface 3 sees them over the last minute.
func benchFlows(n int, now time.Time) []netflowtest.Flow {
	out := make([]netflowtest.Flow, n)
	for i := range out {
		out[i] = netflowtest.Flow{Src: netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), Dst: netip.AddrFrom4([4]byte{10, 2, 0, byte(i % 7)}),
			SrcPort: uint16(32768 + i%28000), DstPort: []uint16{443, 53, 80, 22}[i%4], Proto: 6, TCPFlags: 0x1b, Packets: 12, Bytes: 4800,
			InIf: 3, OutIf: 4, Start: now.Add(-50 * time.Second), End: now.Add(-10 * time.Second)}
	}
	return out
}

// BenchmarkFlowsUDPToFile measures the whole path of a flow record: NetFlow v5 packets of 30 records sent over
// loopback UDP to the collector, attributed to a flow log, aggregated, written as a gzip flow-log file and
// delivered into the bucket (an S3 PUT as delivery.logs.amazonaws.com under the bucket policy). One op is one
// record; records/CPU-s counts the CPU of the whole process, the sender's included. Run with -benchtime Nx
// (N a multiple of 30).
func BenchmarkFlowsUDPToFile(b *testing.B) {
	e := newEnv(b)
	exp := netip.MustParseAddr("127.0.0.1")
	_, _, err := e.fl.CreateFlowLogs(ctx, root, flowlog.CreateInput{ResourceIDs: []string{flowlog.VPCID(exp)}, ResourceType: "VPC",
		LogDestinationType: "s3", LogDestination: "arn:aws:s3:::flow-logs", MaxAggregationInterval: 60})
	require.NoError(b, err)
	col, err := netflow.Listen("127.0.0.1:0", e.fl.Observe, slog.New(slog.DiscardHandler), e.clock.Now)
	require.NoError(b, err)
	b.Cleanup(func() { col.Close(ctx) })
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(col.Addr()))
	require.NoError(b, err)
	defer conn.Close()
	now := e.clock.Now()
	flows := benchFlows(30_000, now)
	packets := make([][]byte, 0, len(flows)/30)
	for i := 0; i < len(flows); i += 30 {
		packets = append(packets, netflowtest.V5Packet(now, now.Add(-time.Hour), flows[i:i+30]...))
	}
	_, before, _ := col.Stats()
	b.ResetTimer()
	cpu0 := cputime.Used()
	sent := 0
	for i := 0; sent < b.N; i++ {
		if _, err := conn.Write(packets[i%len(packets)]); err != nil {
			b.Fatal(err)
		}
		sent += 30
		if i%64 == 63 { // let the collector keep up rather than overflow the socket's buffer
			for deadline := time.Now().Add(time.Second); ; {
				if _, got, _ := col.Stats(); got-before >= uint64(sent-30*16) || time.Now().After(deadline) {
					break
				}
				runtime.Gosched()
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, got, _ := col.Stats(); got-before >= uint64(sent) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	e.clock.Advance(2 * time.Minute)
	require.NoError(b, e.fl.Publish(ctx, true))
	require.NoError(b, e.ld.Deliver(ctx))
	cpu := cputime.Used() - cpu0
	b.StopTimer()
	_, got, _ := col.Stats()
	b.ReportMetric(float64(got-before)/float64(sent), "received/sent")
	b.ReportMetric(float64(got-before)/cpu.Seconds(), "records/CPU-s")
}

// BenchmarkActiveFlowsMemory measures the memory a node holds for 100,000 active flows (distinct 5-tuples in one
// aggregation window, not yet published): the heap in use after the flows are observed, less before.
func BenchmarkActiveFlowsMemory(b *testing.B) {
	const active = 100_000
	for range b.N {
		e := newEnv(b)
		exp := netip.MustParseAddr("192.0.2.10")
		_, _, err := e.fl.CreateFlowLogs(ctx, root, flowlog.CreateInput{ResourceIDs: []string{flowlog.VPCID(exp)}, ResourceType: "VPC",
			LogDestinationType: "s3", LogDestination: "arn:aws:s3:::flow-logs", MaxAggregationInterval: 600})
		require.NoError(b, err)
		now := e.clock.Now()
		batch := make([]netflow.Flow, 0, 1000)
		heap0 := heapInUse()
		for i, f := range benchFlows(active, now) {
			batch = append(batch, netflow.Flow{Exporter: exp, InIf: uint32(f.InIf), OutIf: uint32(f.OutIf), Src: f.Src, Dst: f.Dst,
				SrcPort: f.SrcPort, DstPort: f.DstPort, Proto: f.Proto, TCPFlags: f.TCPFlags, Packets: uint64(f.Packets),
				Bytes: uint64(f.Bytes), Start: f.Start, End: f.End})
			if len(batch) == cap(batch) || i == active-1 {
				e.fl.Observe(batch)
				batch = batch[:0]
			}
		}
		held := heapInUse() - heap0
		b.ReportMetric(float64(held)/(1<<20), "MiB")
		b.ReportMetric(float64(held)/active, "B/flow")
		runtime.KeepAlive(e)
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}
