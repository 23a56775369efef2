// Package netflow collects flow records from the exporters that routers, firewalls, hypervisors and softflowd
// run: NetFlow v5, NetFlow v9 and IPFIX over UDP. It decodes with goflow2 (github.com/netsampler/goflow2), keeps
// each exporter's templates apart, and hands the flows to a sink as plain values.
package netflow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/netsampler/goflow2/v2/decoders/netflow"
	"github.com/netsampler/goflow2/v2/decoders/netflowlegacy"
	flowmessage "github.com/netsampler/goflow2/v2/pb"
	"github.com/netsampler/goflow2/v2/producer"
	protoproducer "github.com/netsampler/goflow2/v2/producer/proto"
	"github.com/netsampler/goflow2/v2/utils/templates"
)

// Flow is one flow record an exporter reported.
type Flow struct {
	// Exporter is the address the record came from; InIf and OutIf are the exporter's interface indexes.
	Exporter    netip.Addr
	InIf, OutIf uint32
	Src, Dst    netip.Addr
	// SrcPort and DstPort are 0 for protocols without ports.
	SrcPort, DstPort uint16
	// Proto is the IANA protocol number (6 TCP, 17 UDP, 1 ICMP).
	Proto          uint8
	Packets, Bytes uint64
	Start, End     time.Time
	TCPFlags       uint8
	// Dropped reports a flow the exporter dropped rather than forwarded (NetFlow v9/IPFIX forwardingStatus
	// 128–191), which a flow log records as REJECT.
	Dropped bool
}

// Decoder decodes NetFlow v5, v9 and IPFIX packets, keeping the templates of each exporter apart. It is safe
// for concurrent use.
type Decoder struct {
	producer producer.ProducerInterface

	mu        sync.Mutex
	templates map[netip.Addr]netflow.NetFlowTemplateSystem
}

// NewDecoder returns a decoder.
func NewDecoder() (*Decoder, error) {
	cfg, err := (&protoproducer.ProducerConfig{}).Compile()
	if err != nil {
		return nil, fmt.Errorf("netflow: producer: %w", err)
	}
	p, err := protoproducer.CreateProtoProducer(cfg, protoproducer.CreateSamplingSystem)
	if err != nil {
		return nil, fmt.Errorf("netflow: producer: %w", err)
	}
	return &Decoder{producer: p, templates: map[netip.Addr]netflow.NetFlowTemplateSystem{}}, nil
}

// ErrNotFlow means a packet is not NetFlow v5, v9 or IPFIX.
var ErrNotFlow = errors.New("netflow: not a NetFlow v5, v9 or IPFIX packet")

// Decode decodes one packet from exporter, received at received, and appends its flows to out. A v9 or IPFIX
// packet that carries only templates yields no flows; data sets whose template has not arrived yet are skipped
// (goflow2 reports them), as exporters resend templates.
func (d *Decoder) Decode(exporter netip.Addr, received time.Time, packet []byte, out []Flow) ([]Flow, error) {
	if len(packet) < 2 {
		return out, ErrNotFlow
	}
	exporter = exporter.Unmap()
	version := binary.BigEndian.Uint16(packet)
	if version == 9 || version == 10 {
		sets, err := checkTemplates(version, packet)
		if err != nil {
			return out, err
		}
		if version == 9 {
			packet = v9WithCount(packet, sets)
		}
	}
	buf := bytes.NewBuffer(packet[2:])
	var msg any
	switch version {
	case 5:
		p := &netflowlegacy.PacketNetFlowV5{Version: 5}
		if err := netflowlegacy.DecodeMessage(buf, p); err != nil {
			return out, fmt.Errorf("netflow v5 from %s: %w", exporter, err)
		}
		msg = p
	case 9:
		p := &netflow.NFv9Packet{Version: 9}
		ts, err := d.templatesOf(exporter)
		if err != nil {
			return out, err
		}
		if err := netflow.DecodeMessageNetFlow(buf, ts, p); err != nil && !missingTemplate(err) {
			return out, fmt.Errorf("netflow v9 from %s: %w", exporter, err)
		}
		msg = p
	case 10:
		p := &netflow.IPFIXPacket{Version: 10}
		ts, err := d.templatesOf(exporter)
		if err != nil {
			return out, err
		}
		if err := netflow.DecodeMessageIPFIX(buf, ts, p); err != nil && !missingTemplate(err) {
			return out, fmt.Errorf("ipfix from %s: %w", exporter, err)
		}
		msg = p
	default:
		return out, ErrNotFlow
	}
	set, err := d.producer.Produce(msg, &producer.ProduceArgs{SamplerAddress: exporter, TimeReceived: received})
	defer d.producer.Commit(set)
	if err != nil {
		return out, fmt.Errorf("netflow from %s: %w", exporter, err)
	}
	for _, m := range set {
		pm, ok := m.(*protoproducer.ProtoProducerMessage)
		if !ok {
			continue
		}
		out = append(out, flowOf(exporter, received, pm))
	}
	return out, nil
}

func (d *Decoder) templatesOf(exporter netip.Addr) (netflow.NetFlowTemplateSystem, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.templates[exporter]
	if !ok {
		if len(d.templates) >= MaxExporters {
			return nil, errTooManyExporters
		}
		t = &boundedTemplates{NetFlowTemplateSystem: templates.DefaultTemplateGenerator(exporter.String())}
		d.templates[exporter] = t
	}
	return t, nil
}

// missingTemplate reports a data set that came before its template, which is not an error of the packet.
func missingTemplate(err error) bool {
	return errors.Is(err, netflow.ErrorTemplateNotFound)
}

// unwrapUptime corrects a NetFlow v9 time that goflow2 placed about 49.7 days after the packet: the exporter's
// uptime counter wrapped between the flow and the export (a device up longer than that, or softflowd replaying
// a capture older than itself), and goflow2 subtracts the counters without their modulus.
func unwrapUptime(t, received time.Time) time.Time {
	if !t.IsZero() && t.Sub(received) > uptimeWrap/2 {
		return t.Add(-uptimeWrap)
	}
	return t
}

// uptimeWrap is the period of NetFlow v9's millisecond uptime counter (2^32 ms, about 49.7 days).
const uptimeWrap = (1 << 32) * time.Millisecond

func flowOf(exporter netip.Addr, received time.Time, m *protoproducer.ProtoProducerMessage) Flow {
	f := Flow{
		Exporter: exporter, InIf: m.InIf, OutIf: m.OutIf,
		SrcPort: uint16(m.SrcPort), DstPort: uint16(m.DstPort), Proto: uint8(m.Proto),
		Packets: m.Packets, Bytes: m.Bytes, TCPFlags: uint8(m.TcpFlags),
		Dropped: m.ForwardingStatus >= 128 && m.ForwardingStatus < 192,
	}
	f.Src, _ = netip.AddrFromSlice(m.SrcAddr)
	f.Dst, _ = netip.AddrFromSlice(m.DstAddr)
	f.Src, f.Dst = f.Src.Unmap(), f.Dst.Unmap()
	if m.TimeFlowStartNs > 0 {
		f.Start = time.Unix(0, int64(m.TimeFlowStartNs)).UTC()
	}
	if m.TimeFlowEndNs > 0 {
		f.End = time.Unix(0, int64(m.TimeFlowEndNs)).UTC()
	}
	if m.Type == flowmessage.FlowMessage_NETFLOW_V9 {
		f.Start, f.End = unwrapUptime(f.Start, received), unwrapUptime(f.End, received)
	}
	return f
}
