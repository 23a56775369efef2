package netflow

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// The encoders below write NetFlow v5, v9 and IPFIX packets as exporters do (RFC 3954, RFC 7011, Cisco's v5
// format), for the tests and the fuzz corpus.

// testFlow is what the encoders write of a flow.
type testFlow struct {
	src, dst         netip.Addr
	srcPort, dstPort uint16
	proto, tcpFlags  uint8
	packets, bytes   uint32
	inIf, outIf      uint16
	start, end       time.Time
	dropped          bool
}

// v5Packet encodes flows as one NetFlow v5 packet exported at now by a device up since boot.
func v5Packet(now, boot time.Time, flows ...testFlow) []byte {
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
		b = append(b, f.src.AsSlice()...)
		b = append(b, f.dst.AsSlice()...)
		b = append(b, 0, 0, 0, 0) // next hop
		b = binary.BigEndian.AppendUint16(b, f.inIf)
		b = binary.BigEndian.AppendUint16(b, f.outIf)
		b = binary.BigEndian.AppendUint32(b, f.packets)
		b = binary.BigEndian.AppendUint32(b, f.bytes)
		b = binary.BigEndian.AppendUint32(b, uint32(f.start.Sub(boot).Milliseconds()))
		b = binary.BigEndian.AppendUint32(b, uint32(f.end.Sub(boot).Milliseconds()))
		b = binary.BigEndian.AppendUint16(b, f.srcPort)
		b = binary.BigEndian.AppendUint16(b, f.dstPort)
		b = append(b, 0, f.tcpFlags, f.proto, 0) // pad, flags, protocol, tos
		b = append(b, 0, 0, 0, 0, 24, 24, 0, 0)  // AS numbers, masks, pad
	}
	return b
}

// ipfixTemplate is the template the IPFIX encoder uses: the fields a flow log needs.
var ipfixTemplate = []struct{ id, length uint16 }{
	{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 2}, {2, 8}, {1, 8}, {10, 4}, {14, 4}, {152, 8}, {153, 8}, {89, 1},
}

// ipfixPacket encodes an IPFIX message with the template (when withTemplate) and the flows as a data set of
// template 256.
func ipfixPacket(now time.Time, domain uint32, withTemplate bool, flows ...testFlow) []byte {
	var sets []byte
	if withTemplate {
		t := binary.BigEndian.AppendUint16(nil, 256)
		t = binary.BigEndian.AppendUint16(t, uint16(len(ipfixTemplate)))
		for _, f := range ipfixTemplate {
			t = binary.BigEndian.AppendUint16(t, f.id)
			t = binary.BigEndian.AppendUint16(t, f.length)
		}
		sets = appendSet(sets, 2, t)
	}
	if len(flows) > 0 {
		var d []byte
		for _, f := range flows {
			d = append(d, f.src.AsSlice()...)
			d = append(d, f.dst.AsSlice()...)
			d = binary.BigEndian.AppendUint16(d, f.srcPort)
			d = binary.BigEndian.AppendUint16(d, f.dstPort)
			d = append(d, f.proto)
			d = binary.BigEndian.AppendUint16(d, uint16(f.tcpFlags))
			d = binary.BigEndian.AppendUint64(d, uint64(f.packets))
			d = binary.BigEndian.AppendUint64(d, uint64(f.bytes))
			d = binary.BigEndian.AppendUint32(d, uint32(f.inIf))
			d = binary.BigEndian.AppendUint32(d, uint32(f.outIf))
			d = binary.BigEndian.AppendUint64(d, uint64(f.start.UnixMilli()))
			d = binary.BigEndian.AppendUint64(d, uint64(f.end.UnixMilli()))
			status := byte(64) // forwarded
			if f.dropped {
				status = 128 // dropped, unknown reason
			}
			d = append(d, status)
		}
		sets = appendSet(sets, 256, d)
	}
	b := binary.BigEndian.AppendUint16(nil, 10)
	b = binary.BigEndian.AppendUint16(b, uint16(16+len(sets)))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, domain)
	return append(b, sets...)
}

// v9Packet encodes a NetFlow v9 packet with the template (when withTemplate) and the flows, for a device up
// since boot.
func v9Packet(now, boot time.Time, withTemplate bool, flows ...testFlow) []byte {
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
		sets = appendSet(sets, 0, t)
		count++
	}
	if len(flows) > 0 {
		var d []byte
		for _, f := range flows {
			d = append(d, f.src.AsSlice()...)
			d = append(d, f.dst.AsSlice()...)
			d = binary.BigEndian.AppendUint16(d, f.srcPort)
			d = binary.BigEndian.AppendUint16(d, f.dstPort)
			d = append(d, f.proto, f.tcpFlags)
			d = binary.BigEndian.AppendUint32(d, f.packets)
			d = binary.BigEndian.AppendUint32(d, f.bytes)
			d = binary.BigEndian.AppendUint16(d, f.inIf)
			d = binary.BigEndian.AppendUint16(d, f.outIf)
			d = binary.BigEndian.AppendUint32(d, uint32(f.start.Sub(boot).Milliseconds()))
			d = binary.BigEndian.AppendUint32(d, uint32(f.end.Sub(boot).Milliseconds()))
			count++
		}
		sets = appendSet(sets, 300, d)
	}
	b := binary.BigEndian.AppendUint16(nil, 9)
	b = binary.BigEndian.AppendUint16(b, uint16(count))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Sub(boot).Milliseconds()))
	b = binary.BigEndian.AppendUint32(b, uint32(now.Unix()))
	b = binary.BigEndian.AppendUint32(b, 1)
	b = binary.BigEndian.AppendUint32(b, 7) // source ID
	return append(b, sets...)
}

// appendSet appends a (flow) set with its id and length, padded to four bytes.
func appendSet(b []byte, id uint16, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	b = binary.BigEndian.AppendUint16(b, id)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(body)))
	return append(b, body...)
}
