package netflow

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/netflow/netflowtest"
)

var (
	exporterA = netip.MustParseAddr("192.0.2.10")
	exporterB = netip.MustParseAddr("192.0.2.11")
	boot      = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	now       = time.Date(2026, 12, 1, 10, 5, 0, 0, time.UTC)
)

func sample() netflowtest.Flow {
	return netflowtest.Flow{Src: netip.MustParseAddr("10.0.1.5"), Dst: netip.MustParseAddr("10.0.2.9"), SrcPort: 49152, DstPort: 443,
		Proto: 6, TCPFlags: 0x1b, Packets: 12, Bytes: 4800, InIf: 3, OutIf: 4,
		Start: now.Add(-90 * time.Second), End: now.Add(-30 * time.Second)}
}

func check(t *testing.T, want netflowtest.Flow, got Flow, exporter netip.Addr) {
	t.Helper()
	require.Equal(t, exporter, got.Exporter)
	require.Equal(t, want.Src, got.Src)
	require.Equal(t, want.Dst, got.Dst)
	require.Equal(t, want.SrcPort, got.SrcPort)
	require.Equal(t, want.DstPort, got.DstPort)
	require.Equal(t, want.Proto, got.Proto)
	require.Equal(t, want.TCPFlags, got.TCPFlags)
	require.Equal(t, uint64(want.Packets), got.Packets)
	require.Equal(t, uint64(want.Bytes), got.Bytes)
	require.Equal(t, uint32(want.InIf), got.InIf)
	require.Equal(t, uint32(want.OutIf), got.OutIf)
	require.Equal(t, want.Start.Truncate(time.Second), got.Start.Truncate(time.Second))
	require.Equal(t, want.End.Truncate(time.Second), got.End.Truncate(time.Second))
	require.Equal(t, want.Dropped, got.Dropped)
}

func TestDecodeV5(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	f := sample()
	flows, err := d.Decode(exporterA, now, netflowtest.V5Packet(now, boot, f, f), nil)
	require.NoError(t, err)
	require.Len(t, flows, 2)
	check(t, f, flows[0], exporterA)
}

func TestDecodeV9TemplateThenData(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	f := sample()
	flows, err := d.Decode(exporterA, now, netflowtest.V9Packet(now, boot, false, f), nil)
	require.NoError(t, err, "data before its template is no error")
	require.Empty(t, flows)
	flows, err = d.Decode(exporterA, now, netflowtest.V9Packet(now, boot, true), nil)
	require.NoError(t, err)
	require.Empty(t, flows, "a template alone carries no flows")
	flows, err = d.Decode(exporterA, now, netflowtest.V9Packet(now, boot, false, f), nil)
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
		p := netflowtest.V9Packet(now, boot, true, f)
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
	flows, err := d.Decode(exporterA, now, netflowtest.V9Packet(now, justAfterWrap, true, f), nil)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	check(t, f, flows[0], exporterA)
}

func TestDecodeIPFIXKeepsExportersApart(t *testing.T) {
	d, err := NewDecoder()
	require.NoError(t, err)
	f := sample()
	f.Dropped = true
	flows, err := d.Decode(exporterA, now, netflowtest.IPFIXPacket(now, 1, true, f), nil)
	require.NoError(t, err)
	require.Len(t, flows, 1)
	check(t, f, flows[0], exporterA)
	flows, err = d.Decode(exporterA, now, netflowtest.IPFIXPacket(now, 1, false, f), flows)
	require.NoError(t, err)
	require.Len(t, flows, 2, "the template is remembered; out is appended to")

	flows, err = d.Decode(exporterB, now, netflowtest.IPFIXPacket(now, 1, false, f), nil)
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
	f.Add(seq(netflowtest.V5Packet(now, boot, fl)))
	f.Add(seq(netflowtest.V9Packet(now, boot, true), netflowtest.V9Packet(now, boot, false, fl)))
	f.Add(seq(netflowtest.IPFIXPacket(now, 1, true, fl), netflowtest.IPFIXPacket(now, 1, false, fl, fl)))
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
	_, err = conn.Write(netflowtest.IPFIXPacket(now, 1, true, f))
	require.NoError(t, err)
	_, err = conn.Write([]byte("not netflow"))
	require.NoError(t, err)
	_, err = conn.Write(netflowtest.V5Packet(now, boot, f))
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
