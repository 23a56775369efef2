package vpcflow

import (
	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/ocsf/schema"
)

// connection sets protocol, TCP flags, IP version (the record's type), direction and boundary.
func (b *builder) connection(r *record, v *[numFields][]byte, f *format) rejection {
	c := &r.conn
	n, ok, why := number("protocol", v[fProtocol], 255)
	if why != "" {
		return why
	}
	if ok {
		r.protocol = int32(n)
		c.ProtocolNum = &r.protocol
	}
	if n, ok, why = number("tcp-flags", v[fTCPFlags], 65535); why != "" {
		return why
	}
	if ok {
		r.flags = int32(n)
		c.TCPFlags = &r.flags
	}
	if f.has[fType] {
		c.ProtocolVer = b.field(fType, v[fType])
	}
	switch dir := v[fFlowDirection]; {
	case !f.has[fFlowDirection]:
		c.DirectionID, c.Direction = 0, "Unknown"
	case string(dir) == "ingress":
		c.DirectionID, c.Direction = 1, "Inbound"
	case string(dir) == "egress":
		c.DirectionID, c.Direction = 2, "Outbound"
	default:
		c.DirectionID, c.Direction = 99, b.field(fFlowDirection, dir)
	}
	if f.has[fTrafficPath] {
		b.boundary(r, v[fTrafficPath])
	}
	r.ev.ConnectionInfo = c
	return ""
}

// boundaries are the captions of boundary_id 4 to 11, which traffic-path 1 to 8 become (1, through another
// resource in the same VPC, is "Same VPC"; 8, through an internet gateway, is "Internet Gateway").
var boundaries = func() [12]string {
	var out [12]string
	enum := schema.Default().Objects["network_connection_info"].Attributes["boundary_id"].Enum
	for id := range out {
		out[id], _ = enum.Caption(int64(id))
	}
	return out
}()

// boundary maps traffic-path N (1–8) to boundary_id N+3; "-" and values AWS does not document are Other, with
// the value as the caption.
func (b *builder) boundary(r *record, path []byte) {
	c := &r.conn
	if n, ok := atoi(path); ok && n >= 1 && n <= 8 {
		r.bound = int32(n) + 3
		c.BoundaryID, c.Boundary = &r.bound, boundaries[n+3]
		return
	}
	r.bound = 99
	c.BoundaryID, c.Boundary = &r.bound, b.field(fTrafficPath, path)
}

func (b *builder) trafficOf(r *record, v *[numFields][]byte) rejection {
	packets, okP, why := number("packets", v[fPackets], 1<<62)
	if why != "" {
		return why
	}
	bytes, okB, why := number("bytes", v[fBytes], 1<<62)
	if why != "" {
		return why
	}
	if okP {
		r.packets = packets
		r.traffic.Packets = &r.packets
	}
	if okB {
		r.bytes = bytes
		r.traffic.Bytes = &r.bytes
	}
	if okP || okB {
		r.ev.Traffic = &r.traffic
	}
	return ""
}

// Observable names and types, as Security Lake writes them.
const (
	ipAddress   = "IP Address"
	resourceUID = "Resource UID"
)

// observables lists the IP addresses and instance IDs of the event: the destination's, then the source's;
// intermediate IPs first, then the address, then the instance. They come from a block shared by many events.
func (b *builder) observables(r *record) {
	if len(b.obs) < 6 {
		b.obs = make([]ocsf.Observable, 6*256)
	}
	obs := b.obs
	n := 0
	for _, ep := range []struct {
		e                      *ocsf.NetworkEndpoint
		via, address, instance string
	}{
		{&r.dst, "dst_endpoint.intermediate_ips[]", "dst_endpoint.ip", "dst_endpoint.instance_uid"},
		{&r.src, "src_endpoint.intermediate_ips[]", "src_endpoint.ip", "src_endpoint.instance_uid"},
	} {
		for _, ip := range ep.e.IntermediateIPs {
			obs[n] = ocsf.Observable{Name: ep.via, Type: ipAddress, TypeID: 2, Value: ip}
			n++
		}
		if ep.e.IP != "" {
			obs[n] = ocsf.Observable{Name: ep.address, Type: ipAddress, TypeID: 2, Value: ep.e.IP}
			n++
		}
		if id := ep.e.InstanceUID; id != "" && id != "-" {
			obs[n] = ocsf.Observable{Name: ep.instance, Type: resourceUID, TypeID: 10, Value: id}
			n++
		}
	}
	if n > 0 {
		r.ev.Observables = obs[:n:n]
		b.obs = b.obs[n:]
	}
}
