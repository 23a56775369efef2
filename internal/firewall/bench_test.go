package firewall_test

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/eve"
	"github.com/seclake/seclake/internal/firewall"
)

// BenchmarkEVELinesTCPToFile measures the whole path of an EVE line: written by a sensor over TCP to the EVE
// listener, routed to the firewall that watches the sensor, wrapped as Network Firewall wraps it, written into a
// gzip log file and delivered into the bucket as delivery.logs.amazonaws.com. One op is one line (an alert of
// about 450 bytes, as Suricata writes them); lines/CPU-s counts the CPU of the whole process, the sender's included.
func BenchmarkEVELinesTCPToFile(b *testing.B) {
	e := newEnv(b)
	_, err := e.fw.CreateFirewall(ctx, root, firewall.CreateInput{Name: "fw1", PolicyARN: policy})
	require.NoError(b, err)
	_, err = e.fw.UpdateLoggingConfiguration(ctx, root, "fw1", "", []firewall.LogDestination{s3Dest("ALERT", "")})
	require.NoError(b, err)
	require.NoError(b, e.fw.Publish(ctx, false)) // loads the firewall's logging
	ln, err := eve.Listen("127.0.0.1:0", e.fw.Observe, slog.New(slog.DiscardHandler))
	require.NoError(b, err)
	b.Cleanup(func() { ln.Close(ctx) })
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	w := bufio.NewWriterSize(conn, 64<<10)
	lines := make([][]byte, 64)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, `{"timestamp":"2026-12-01T10:00:%02d.123456+0000","flow_id":%d,"in_iface":"eth0","event_type":"alert","host":"fw1","src_ip":"10.0.1.%d","src_port":%d,"dest_ip":"198.51.100.7","dest_port":443,"proto":"TCP","app_proto":"tls","alert":{"action":"blocked","gid":1,"signature_id":2024897,"rev":1,"signature":"ET USER_AGENTS Go HTTP Client User-Agent","category":"A Network Trojan was detected","severity":1},"tls":{"sni":"example.com","version":"TLS 1.3"}}`+"\n",
			i%60, 1_000_000+i, i%250, 40000+i)
	}
	st0 := e.fw.Stats()
	b.ResetTimer()
	cpu0 := cputime.Used()
	for i := range b.N {
		if _, err := w.Write(lines[i%len(lines)]); err != nil {
			b.Fatal(err)
		}
	}
	require.NoError(b, w.Flush())
	for deadline := time.Now().Add(30 * time.Second); e.fw.Stats().Received-st0.Received < uint64(b.N) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	e.clock.Advance(10 * time.Minute)
	require.NoError(b, e.fw.Publish(ctx, true))
	require.NoError(b, e.st.Delivery.Deliver(ctx))
	cpu := cputime.Used() - cpu0
	b.StopTimer()
	conn.Close()
	st := e.fw.Stats()
	require.Equal(b, uint64(b.N), st.Logged-st0.Logged, "every line logged")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "lines/CPU-s")
	b.ReportMetric(float64(b.N)*float64(len(lines[0]))/cpu.Seconds()/1e6, "MB/CPU-s")
}
