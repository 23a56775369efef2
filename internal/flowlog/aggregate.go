package flowlog

import (
	"net/netip"
	"time"

	"github.com/seclake/seclake/internal/netflow"
)

// aggKey identifies the records of one aggregation window: an interface, a 5-tuple and the action.
type aggKey struct {
	eni              string
	src, dst         netip.Addr
	srcPort, dstPort uint16
	proto            uint8
	reject           bool
}

// record is one flow log record: the aggregate of the flows of a key in a window.
type record struct {
	version          int
	account, region  string
	eni, vpc         string
	src, dst         netip.Addr
	srcPort, dstPort uint16
	proto, tcpFlags  uint8
	packets, bytes   uint64
	start, end       int64 // Unix seconds
	action           string
	direction        string // ingress or egress; "-" for a VPC's flow log
}

// observeLocked adds a flow to every flow log that watches it. s.mu is held.
func (s *Service) observeLocked(f *netflow.Flow, now time.Time) {
	action := "ACCEPT"
	if f.Dropped {
		action = "REJECT"
	}
	vpc := VPCID(f.Exporter)
	ifIndex := f.InIf
	if ifIndex == 0 {
		ifIndex = f.OutIf
	}
	for _, w := range s.byVPC[vpc] {
		w.add(f, now, InterfaceID(f.Exporter, ifIndex), vpc, action, "-")
	}
	if len(s.byENI) == 0 {
		return
	}
	in := InterfaceID(f.Exporter, f.InIf)
	for _, w := range s.byENI[in] {
		w.add(f, now, in, vpc, action, "ingress")
	}
	if f.OutIf != f.InIf {
		out := InterfaceID(f.Exporter, f.OutIf)
		for _, w := range s.byENI[out] {
			w.add(f, now, out, vpc, action, "egress")
		}
	}
}

// add aggregates a flow into the window it was received in, if the flow log's traffic type takes it.
func (w *watched) add(f *netflow.Flow, now time.Time, eni, vpc, action, direction string) {
	if t := w.log.TrafficType; t != "ALL" && t != action {
		return
	}
	interval := int64(w.log.MaxAggregationInterval)
	win := now.Unix() / interval * interval
	recs := w.windows[win]
	if recs == nil {
		recs = map[aggKey]*record{}
		w.windows[win] = recs
	}
	k := aggKey{eni: eni, src: f.Src, dst: f.Dst, srcPort: f.SrcPort, dstPort: f.DstPort, proto: f.Proto, reject: action == "REJECT"}
	start, end := f.Start.Unix(), f.End.Unix()
	if f.Start.IsZero() {
		start = now.Unix()
	}
	if f.End.IsZero() {
		end = now.Unix()
	}
	r := recs[k]
	if r == nil {
		r = &record{account: w.log.Account, region: w.log.Region, eni: eni, vpc: vpc, src: f.Src, dst: f.Dst,
			srcPort: f.SrcPort, dstPort: f.DstPort, proto: f.Proto, action: action, direction: direction, start: start, end: end}
		recs[k] = r
	}
	r.packets += f.Packets
	r.bytes += f.Bytes
	r.tcpFlags |= f.TCPFlags
	r.start, r.end = min(r.start, start), max(r.end, end)
}

// closeWindows moves the records of windows that ended by now (all of them when all) to ready.
func (w *watched) closeWindows(now time.Time, all bool) {
	interval := int64(w.log.MaxAggregationInterval)
	for win, recs := range w.windows {
		if !all && win+interval > now.Unix() {
			continue
		}
		for _, r := range recs {
			w.ready = append(w.ready, r)
		}
		delete(w.windows, win)
	}
}
