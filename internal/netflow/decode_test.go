package netflow

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	exporterA = netip.MustParseAddr("192.0.2.10")
	exporterB = netip.MustParseAddr("192.0.2.11")
	boot      = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	now       = time.Date(2026, 12, 1, 10, 5, 0, 0, time.UTC)
)

func sample() testFlow {
	return testFlow{src: netip.MustParseAddr("10.0.1.5"), dst: netip.MustParseAddr("10.0.2.9"), srcPort: 49152, dstPort: 443,
		proto: 6, tcpFlags: 0x1b, packets: 12, bytes: 4800, inIf: 3, outIf: 4,
		start: now.Add(-90 * time.Second), end: now.Add(-30 * time.Second)}
}

func check(t *testing.T, want testFlow, got Flow, exporter netip.Addr) {
	t.Helper()
	require.Equal(t, exporter, got.Exporter)
	require.Equal(t, want.src, got.Src)
	require.Equal(t, want.dst, got.Dst)
	require.Equal(t, want.srcPort, got.SrcPort)
	require.Equal(t, want.dstPort, got.DstPort)
	require.Equal(t, want.proto, got.Proto)
	require.Equal(t, want.tcpFlags, got.TCPFlags)
	require.Equal(t, uint64(want.packets), got.Packets)
	require.Equal(t, uint64(want.bytes), got.Bytes)
	require.Equal(t, uint32(want.inIf), got.InIf)
	require.Equal(t, uint32(want.outIf), got.OutIf)
	require.Equal(t, want.start.Truncate(time.Second), got.Start.Truncate(time.Second))
	require.Equal(t, want.end.Truncate(time.Second), got.End.Truncate(time.Second))
	require.Equal(t, want.dropped, got.Dropped)
}

func TestDecodeV5(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	f := sample()
	flows, err := d.Decode(exporterA, now, v5Packet(now, boot, f, f), nil)
	require.NoError(t, err)
	require.Len(t, flows, 2)
	check(t, f, flows[0], exporterA)
}

func TestDecodeV9TemplateThenData(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	f := sample()
	flows, err := d.Decode(exporterA, now, v9Packet(now, boot, false, f), nil)
	require.NoError(t, err, "data before its template is no error")
	require.Empty(t, flows)
	flows, err = d.Decode(exporterA, now, v9Packet(now, boot, true), nil)
	require.NoError(t, err)
	require.Empty(t, flows, "a template alone carries no flows")
	flows, err = d.Decode(exporterA, now, v9Packet(now, boot, false, f), nil)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	check(t, f, flows[0], exporterA)
}

// softflowd 1.1.0 sends its templates and data in one packet whose count is the number of data records only;
// goflow2 alone would stop after the templates.
func TestDecodeV9WhoseCountIsShort(t *testing.T) {
	f := sample()
	for _, count := range []uint16{0, 1} {
		d, err := NewDecoder()
		require.NoError(t, err)
		p := v9Packet(now, boot, true, f)
		binary.BigEndian.PutUint16(p[2:], count)
		orig := append([]byte(nil), p...)
		flows, err := d.Decode(exporterA, now, p, nil)
		require.NoError(t, err)
		require.Len(t, flows, 1, "count %d", count)
		check(t, f, flows[0], exporterA)
		require.Equal(t, orig, p, "the caller's packet is not changed")
	}
}

// A v9 exporter's uptime counter wraps every 2^32 ms: a flow that started before the wrap (or before
// softflowd started, when it replays an old capture) is still placed before the export.
func TestDecodeV9AcrossTheUptimeWrap(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	f := sample()
	justAfterWrap := now.Add(-5 * time.Second) // the counter reads 5 s at export; the flow started 90 s before
	flows, err := d.Decode(exporterA, now, v9Packet(now, justAfterWrap, true, f), nil)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	check(t, f, flows[0], exporterA)
}

func TestDecodeIPFIXKeepsExportersApart(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	f := sample()
	f.dropped = true
	flows, err := d.Decode(exporterA, now, ipfixPacket(now, 1, true, f), nil)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	check(t, f, flows[0], exporterA)
	flows, err = d.Decode(exporterA, now, ipfixPacket(now, 1, false, f), flows)
	require.NoError(t, err)
	require.Len(t, flows, 2, "the template is remembered; out is appended to")

	flows, err = d.Decode(exporterB, now, ipfixPacket(now, 1, false, f), nil)
	require.NoError(t, err)
	require.Empty(t, flows, "another exporter's template is not borrowed")
}

func TestDecodeRefusesOtherPackets(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	for _, p := range [][]byte{nil, {0}, []byte("GET / HTTP/1.1"), {0, 5, 0, 9}} {
		_, err := d.Decode(exporterA, now, p, nil)
		require.Error(t, err, "%q", p)
	}
}

// FuzzDecode feeds a fresh decoder a sequence of packets (each prefixed by its length, two bytes big-endian),
// so that templates learned from one packet meet the data of the next, as they do from a real exporter.
func FuzzDecode(f *testing.F) {
	fl := sample()
	seq := func(packets ...[]byte) []byte {
		var b []byte
		for _, p := range packets {
			b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
			b = append(b, p...)
		}
		return b
	}
	f.Add(seq(v5Packet(now, boot, fl)))
	f.Add(seq(v9Packet(now, boot, true), v9Packet(now, boot, false, fl)))
	f.Add(seq(ipfixPacket(now, 1, true, fl), ipfixPacket(now, 1, false, fl, fl)))
	f.Fuzz(func(t *testing.T, in []byte) {
		d, err := NewDecoder()
		if err != nil {
			t.Fatal(err)
		}
		for len(in) >= 2 {
			n := int(binary.BigEndian.Uint16(in))
			in = in[2:]
			if n > len(in) {
				n = len(in)
			}
			_, _ = d.Decode(exporterA, now, in[:n], nil) // never panics, never hangs
			in = in[n:]
		}
	})
}

func TestCollectorOverUDP(t *testing.T) {
	got := make(chan []Flow, 10)
	c, err := Listen("127.0.0.1:0", func(fs []Flow) { got <- append([]Flow(nil), fs...) }, nil, nil)
	require.NoError(t, err)
	defer c.Close(context.Background())
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(c.Addr()))
	require.NoError(t, err)
	defer conn.Close()
	f := sample()
	_, err = conn.Write(ipfixPacket(now, 1, true, f))
	require.NoError(t, err)
	_, err = conn.Write([]byte("not netflow"))
	require.NoError(t, err)
	_, err = conn.Write(v5Packet(now, boot, f))
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		select {
		case fs := <-got:
			require.Len(t, fs, 1)
			check(t, f, fs[0], netip.MustParseAddr("127.0.0.1"))
		case <-time.After(10 * time.Second):
			t.Fatal("no flows")
		}
	}
	require.Eventually(t, func() bool { p, fl, r := c.Stats(); return p == 3 && fl == 2 && r == 1 }, 10*time.Second, 10*time.Millisecond)
}
