// Package netflowtest writes NetFlow v5, v9 and IPFIX packets as exporters do, for tests and benchmarks.
package netflowtest

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// The encoders below write NetFlow v5, v9 and IPFIX packets as exporters do (RFC 3954, RFC 7011, Cisco's v5
// format), for the tests and the fuzz corpus.

// Flow is what the encoders write of a flow.
type Flow struct {
	Src, Dst         netip.Addr
	SrcPort, DstPort uint16
	Proto, TCPFlags  uint8
	Packets, Bytes   uint32
	InIf, OutIf      uint16
	Start, End       time.Time
	Dropped          bool
}

// V5Packet encodes flows as one NetFlow v5 packet exported at now by a device up since boot.
func V5Packet(now, boot time.Time, flows ...Flow) []byte {
	b := make([]byte, 0, 24+48*len(flows))
	b = binary.BigEndian.AppendUint16(b, 5)
	b = binary.BigEndian.AppendUint16(b, uint16(len(flows)))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Sub(boot).Milliseconds()))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Nanosecond()))
	b = binary.BigEndian.AppendUint32(b, 1) // flow sequence
	b = append(b, 0, 0)                     // engine type, id
	b = binary.BigEndian.AppendUint16(b, 0) // sampling
	for _, f := range flows {
		b = append(b, f.Src.AsSlice()...)
		b = append(b, f.Dst.AsSlice()...)
		b = append(b, 0, 0, 0, 0) // next hop
		b = binary.BigEndian.AppendUint16(b, f.InIf)
		b = binary.BigEndian.AppendUint16(b, f.OutIf)
		b = binary.BigEndian.AppendUint32(b, f.Packets)
		b = binary.BigEndian.AppendUint32(b, f.Bytes)
		b = binary.BigEndian.AppendUint32(b, uint32(f.Start.Sub(boot).Milliseconds()))
		b = binary.BigEndian.AppendUint32(b, uint32(f.End.Sub(boot).Milliseconds()))
		b = binary.BigEndian.AppendUint16(b, f.SrcPort)
		b = binary.BigEndian.AppendUint16(b, f.DstPort)
		b = append(b, 0, f.TCPFlags, f.Proto, 0) // pad, flags, protocol, tos
		b = append(b, 0, 0, 0, 0, 24, 24, 0, 0)  // AS numbers, masks, pad
	}
	return b
}

// ipfixTemplate is the template the IPFIX encoder uses: the fields a flow log needs.
var ipfixTemplate = []struct{ id, length uint16 }{
	{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 2}, {2, 8}, {1, 8}, {10, 4}, {14, 4}, {152, 8}, {153, 8}, {89, 1},
}

// IPFIXPacket encodes an IPFIX message with the template (when withTemplate) and the flows as a data set of
// template 256.
func IPFIXPacket(now time.Time, domain uint32, withTemplate bool, flows ...Flow) []byte {
	var sets []byte
	if withTemplate {
		t := binary.BigEndian.AppendUint16(nil, 256)
		t = binary.BigEndian.AppendUint16(t, uint16(len(ipfixTemplate)))
		for _, f := range ipfixTemplate {
			t = binary.BigEndian.AppendUint16(t, f.id)
			t = binary.BigEndian.AppendUint16(t, f.length)
		}
		sets = AppendSet(sets, 2, t)
	}
	if len(flows) > 0 {
		var d []byte
		for _, f := range flows {
			d = append(d, f.Src.AsSlice()...)
			d = append(d, f.Dst.AsSlice()...)
			d = binary.BigEndian.AppendUint16(d, f.SrcPort)
			d = binary.BigEndian.AppendUint16(d, f.DstPort)
			d = append(d, f.Proto)
			d = binary.BigEndian.AppendUint16(d, uint16(f.TCPFlags))
			d = binary.BigEndian.AppendUint64(d, uint64(f.Packets))
			d = binary.BigEndian.AppendUint64(d, uint64(f.Bytes))
			d = binary.BigEndian.AppendUint32(d, uint32(f.InIf))
			d = binary.BigEndian.AppendUint32(d, uint32(f.OutIf))
			d = binary.BigEndian.AppendUint64(d, uint64(f.Start.UnixMilli()))
			d = binary.BigEndian.AppendUint64(d, uint64(f.End.UnixMilli()))
			status := byte(64) // forwarded
			if f.Dropped {
				status = 128 // dropped, unknown reason
			}
			d = append(d, status)
		}
		sets = AppendSet(sets, 256, d)
	}
	b := binary.BigEndian.AppendUint16(nil, 10)
	b = binary.BigEndian.AppendUint16(b, uint16(16+len(sets)))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, domain)
	return append(b, sets...)
}

// V9Packet encodes a NetFlow v9 packet with the template (when withTemplate) and the flows, for a device up
// since boot.
func V9Packet(now, boot time.Time, withTemplate bool, flows ...Flow) []byte {
	fields := []struct{ id, length uint16 }{{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 1}, {2, 4}, {1, 4}, {10, 2}, {14, 2}, {22, 4}, {21, 4}}
	var sets []byte
	count := 0
	if withTemplate {
		t := binary.BigEndian.AppendUint16(nil, 300)
		t = binary.BigEndian.AppendUint16(t, uint16(len(fields)))
		for _, f := range fields {
			t = binary.BigEndian.AppendUint16(t, f.id)
			t = binary.BigEndian.AppendUint16(t, f.length)
		}
		sets = AppendSet(sets, 0, t)
		count++
	}
	if len(flows) > 0 {
		var d []byte
		for _, f := range flows {
			d = append(d, f.Src.AsSlice()...)
			d = append(d, f.Dst.AsSlice()...)
			d = binary.BigEndian.AppendUint16(d, f.SrcPort)
			d = binary.BigEndian.AppendUint16(d, f.DstPort)
			d = append(d, f.Proto, f.TCPFlags)
			d = binary.BigEndian.AppendUint32(d, f.Packets)
			d = binary.BigEndian.AppendUint32(d, f.Bytes)
			d = binary.BigEndian.AppendUint16(d, f.InIf)
			d = binary.BigEndian.AppendUint16(d, f.OutIf)
			d = binary.BigEndian.AppendUint32(d, uint32(f.Start.Sub(boot).Milliseconds()))
			d = binary.BigEndian.AppendUint32(d, uint32(f.End.Sub(boot).Milliseconds()))
			count++
		}
		sets = AppendSet(sets, 300, d)
	}
	b := binary.BigEndian.AppendUint16(nil, 9)
	b = binary.BigEndian.AppendUint16(b, uint16(count))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Sub(boot).Milliseconds()))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 7) // source ID
	return append(b, sets...)
}

// AppendSet appends a (flow) set with its id and length, padded to four bytes.
func AppendSet(b []byte, id uint16, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	b = binary.BigEndian.AppendUint16(b, id)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(body)))
	return append(b, body...)
}
