package vpcflow

import (
	"fmt"
	"net/netip"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// record holds one event and everything it points at, so that a block of events is one allocation.
type record struct {
	ev                     ocsf.NetworkActivity
	src, dst               ocsf.NetworkEndpoint
	conn                   ocsf.NetworkConnectionInfo
	traffic                ocsf.NetworkTraffic
	srcPort, dstPort       int32
	protocol, flags, bound int32
	packets, bytes         int64
	srcVia, dstVia         [1]string
}

// builder turns the fields of records into events; one builder serves one call of Normalize.
type builder struct {
	obj      source.Object
	records  ocsf.Slab[record]
	obs      []ocsf.Observable
	text     ocsf.Interner
	metadata map[string]*ocsf.Metadata
	unmapped map[string]map[string]string
	key      []byte
	values   [numFields][]byte
	// last holds each field's last string: consecutive records mostly repeat them.
	last [numFields]string
	// clouds are recent cloud objects, shared by the records they fit (a file has a few accounts and zones).
	clouds    [8]*ocsf.Cloud
	nextCloud int
}

func newBuilder(obj source.Object) *builder {
	return &builder{obj: obj, records: ocsf.Slab[record]{Block: 256}, metadata: map[string]*ocsf.Metadata{},
		text: ocsf.Interner{Max: maxStrings}, unmapped: map[string]map[string]string{}}
}

// Limits of the caches a builder keeps; past them values are copied instead of shared.
const (
	maxStrings  = 1 << 16
	maxUnmapped = 1 << 10
)

// field returns the value of field id as a string, shared with the last record's when they are equal.
func (b *builder) field(id field, v []byte) string {
	if s := b.last[id]; s == string(v) {
		return s
	}
	s := b.intern(v)
	b.last[id] = s
	return s
}

// intern returns b as a string, shared with earlier equal values: flow logs repeat accounts, interfaces,
// addresses and statuses from record to record.
func (b *builder) intern(v []byte) string { return b.text.Intern(v) }

// rejection is why a record was set aside.
type rejection string

func reject(format string, args ...any) rejection { return rejection(fmt.Sprintf(format, args...)) }

// build makes the event of one record whose fields follow format f. It returns the reason when the record
// cannot be normalized.
func (b *builder) build(f *format, fields [][]byte) (*ocsf.NetworkActivity, rejection) {
	v := &b.values
	*v = [numFields][]byte{}
	for i, id := range f.ids {
		if id != fOther {
			v[id] = fields[i]
		}
	}
	r := b.records.New()
	e := &r.ev
	if why := b.classify(e, v[fAction], f.has[fAction], v[fLogStatus]); why != "" {
		return nil, why
	}
	e.SetSeverity(1)
	if why := b.times(e, v); why != "" {
		return nil, why
	}
	if f.has[fVersion] {
		if _, ok := atoi(v[fVersion]); !ok {
			return nil, reject("version %q is not a number", v[fVersion])
		}
	}
	e.Metadata = b.meta(v[fVersion], f.has[fVersion])
	b.cloudOf(r, v, f)
	if why := b.endpoints(r, v, f); why != "" {
		return nil, why
	}
	if why := b.connection(r, v, f); why != "" {
		return nil, why
	}
	if why := b.trafficOf(r, v); why != "" {
		return nil, why
	}
	if f.has[fLogStatus] {
		e.StatusCode = b.field(fLogStatus, v[fLogStatus])
	}
	if f.nUnmapped > 0 {
		e.Unmapped = b.unmappedOf(f, fields)
	}
	b.observables(r)
	return e, ""
}

// classify maps action: ACCEPT is activity Traffic, action Allowed, disposition Allowed; REJECT is Refuse,
// Denied, Blocked; "-" (NODATA, SKIPDATA) is activity Unknown with action Other "-", as Security Lake writes it.
// Records of formats without an action (transit gateway flow logs) report traffic when their log-status is OK,
// with action Unknown.
func (b *builder) classify(e *ocsf.NetworkActivity, action []byte, has bool, status []byte) rejection {
	switch {
	case string(action) == "ACCEPT":
		e.SetActivity(6)
		e.ActionID, e.Action, e.Disposition = ocsf.ActionID(1), "Allowed", "Allowed"
	case string(action) == "REJECT":
		e.SetActivity(5)
		e.ActionID, e.Action, e.Disposition = ocsf.ActionID(2), "Denied", "Blocked"
	case dash(action):
		e.SetActivity(0)
		e.ActionID, e.Action, e.Disposition = ocsf.ActionID(99), "-", "-"
	case !has:
		if string(status) == "OK" {
			e.SetActivity(6)
		} else {
			e.SetActivity(0)
		}
		e.ActionID, e.Action = ocsf.ActionID(0), "Unknown"
	default:
		return reject("action %q is not ACCEPT, REJECT or -", action)
	}
	return ""
}

// maxSeconds bounds start and end: later than the year 9999 is not a flow log's time.
const maxSeconds = 253402300799

// times sets time from start (or end when start is missing), and the datetimes of start and end.
func (b *builder) times(e *ocsf.NetworkActivity, v *[numFields][]byte) rejection {
	start, okS, why := seconds("start", v[fStart])
	if why != "" {
		return why
	}
	end, okE, why := seconds("end", v[fEnd])
	if why != "" {
		return why
	}
	switch {
	case okS:
		e.Time = start * 1000
	case okE:
		e.Time = end * 1000
	case !b.obj.Time.IsZero():
		e.Time = b.obj.Time.UnixMilli()
	default:
		return "the record has neither a start nor an end time, and the object's time is unknown"
	}
	e.TimeDT = ocsf.Datetime(e.Time)
	if okS {
		e.StartTimeDT = ocsf.Datetime(start * 1000)
	}
	if okE {
		e.EndTimeDT = ocsf.Datetime(end * 1000)
	}
	return ""
}

func seconds(name string, v []byte) (int64, bool, rejection) {
	if v == nil || dash(v) {
		return 0, false, ""
	}
	n, ok := atoi(v)
	if !ok || n > maxSeconds {
		return 0, false, reject("%s %q is not a time in seconds since 1970", name, v)
	}
	return n, true, ""
}

// meta returns the metadata of records of a flow log version, shared by the events of one call.
func (b *builder) meta(version []byte, has bool) *ocsf.Metadata {
	if m, ok := b.metadata[string(version)]; ok {
		return m
	}
	m := &ocsf.Metadata{
		Product:  &ocsf.Product{Name: Product, VendorName: "AWS", Feature: &ocsf.Feature{Name: "Flowlogs"}},
		Profiles: []string{"cloud", "security_control", "datetime"},
		Version:  ocsf.Version,
	}
	if has {
		m.Product.Version = string(version)
	}
	b.metadata[string(version)] = m
	return m
}

func (b *builder) cloudOf(r *record, v *[numFields][]byte, f *format) {
	account, region, zone := b.obj.Account, b.obj.Region, ""
	if f.has[fAccountID] && (!dash(v[fAccountID]) || account == "") {
		account = b.field(fAccountID, v[fAccountID])
	}
	if f.has[fRegion] && (!dash(v[fRegion]) || region == "") {
		region = b.field(fRegion, v[fRegion])
	}
	if f.has[fAZID] {
		zone = b.field(fAZID, v[fAZID])
	}
	for _, c := range b.clouds {
		if c != nil && c.Region == region && c.Zone == zone && (c.Account == nil) == (account == "") &&
			(c.Account == nil || c.Account.UID == account) {
			r.ev.Cloud = c
			return
		}
	}
	c := &ocsf.Cloud{Provider: "AWS", Region: region, Zone: zone}
	if account != "" {
		c.Account = &ocsf.Account{UID: account}
	}
	b.clouds[b.nextCloud%len(b.clouds)] = c
	b.nextCloud++
	r.ev.Cloud = c
}

// endpoints sets the addresses, ports and services of both ends, and puts the interface, VPC, subnet and
// instance of the record on the destination for ingress traffic and on the source otherwise.
func (b *builder) endpoints(r *record, v *[numFields][]byte, f *format) rejection {
	var why rejection
	if r.src.IP, why = b.address(r.srcVia[:], &r.src, fSrcAddr, v[fSrcAddr], fPktSrcAddr, v[fPktSrcAddr]); why != "" {
		return why
	}
	if r.dst.IP, why = b.address(r.dstVia[:], &r.dst, fDstAddr, v[fDstAddr], fPktDstAddr, v[fPktDstAddr]); why != "" {
		return why
	}
	if r.src.Port, why = b.port(&r.srcPort, "srcport", v[fSrcPort]); why != "" {
		return why
	}
	if r.dst.Port, why = b.port(&r.dstPort, "dstport", v[fDstPort]); why != "" {
		return why
	}
	if f.has[fPktSrcAWSService] {
		r.src.SvcName = b.field(fPktSrcAWSService, v[fPktSrcAWSService])
	}
	if f.has[fPktDstAWSService] {
		r.dst.SvcName = b.field(fPktDstAWSService, v[fPktDstAWSService])
	}
	local := &r.src
	if string(v[fFlowDirection]) == "ingress" {
		local = &r.dst
	}
	for _, x := range []struct {
		id  field
		dst *string
	}{{fInterfaceID, &local.InterfaceUID}, {fVPCID, &local.VPCUID}, {fInstanceID, &local.InstanceUID}, {fSubnetID, &local.SubnetUID}} {
		if f.has[x.id] {
			*x.dst = b.field(x.id, v[x.id])
		}
	}
	for _, ep := range []*ocsf.NetworkEndpoint{&r.src, &r.dst} {
		if ep.IP == "" && ep.InterfaceUID == "" && ep.InstanceUID == "" && ep.SvcName == "" {
			// NODATA and SKIPDATA records have no addresses: the endpoint gets the "-" Security Lake gives
			// it, so that it names something, as OCSF asks.
			ep.SvcName = "-"
		}
	}
	r.ev.SrcEndpoint, r.ev.DstEndpoint = &r.src, &r.dst
	return ""
}

// address returns an endpoint's IP address: the packet's address when it differs from the interface's (NAT
// gateways, load balancers, which then becomes the intermediate IP), the interface's otherwise.
func (b *builder) address(via []string, ep *ocsf.NetworkEndpoint, name field, addr []byte, pktName field, pkt []byte) (string, rejection) {
	hasAddr, hasPkt := addr != nil && !dash(addr), pkt != nil && !dash(pkt)
	switch {
	case hasAddr && hasPkt && string(addr) != string(pkt):
		a, why := b.ip(name, addr)
		if why != "" {
			return "", why
		}
		via[0] = a
		ep.IntermediateIPs = via
		return b.ip(pktName, pkt)
	case hasAddr:
		return b.ip(name, addr)
	case hasPkt:
		return b.ip(pktName, pkt)
	}
	return "", ""
}

// ip returns an address; addresses are too many to intern, but consecutive records often repeat them.
func (b *builder) ip(id field, v []byte) (string, rejection) {
	s := b.last[id]
	if s != string(v) {
		s = b.text.Of(v)
		b.last[id] = s
	}
	if _, err := netip.ParseAddr(s); err != nil {
		return "", reject("%s %q is not an IP address", names[id], v)
	}
	return s, ""
}

func (b *builder) port(dst *int32, name string, v []byte) (*int32, rejection) {
	n, ok, why := number(name, v, 65535)
	if !ok {
		return nil, why
	}
	*dst = int32(n)
	return dst, ""
}

// number parses an optional number up to max: nil or "-" is absent.
func number(name string, v []byte, max int64) (int64, bool, rejection) {
	if v == nil || dash(v) {
		return 0, false, ""
	}
	n, ok := atoi(v)
	if !ok || n > max {
		return 0, false, reject("%s %q is not a number from 0 to %d", name, v, max)
	}
	return n, true, ""
}

// unmappedOf returns the fields without an OCSF home by their names, shared between records that have the
// same values (most files repeat "-" there).
func (b *builder) unmappedOf(f *format, fields [][]byte) map[string]string {
	b.key = b.key[:0]
	for i, name := range f.unmapped {
		if name != "" {
			b.key = append(append(b.key, fields[i]...), 0)
		}
	}
	if m, ok := b.unmapped[string(b.key)]; ok {
		return m
	}
	m := make(map[string]string, f.nUnmapped)
	for i, name := range f.unmapped {
		if name != "" {
			m[name] = b.intern(fields[i])
		}
	}
	if len(b.unmapped) < maxUnmapped {
		b.unmapped[string(b.key)] = m
	}
	return m
}

// dash reports whether a value is "-", which flow logs write for a value they do not have.
func dash(v []byte) bool { return len(v) == 1 && v[0] == '-' }

// atoi parses a non-negative decimal integer of at most 18 digits.
func atoi(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// split cuts a line at runs of spaces and tabs.
func split(line []byte, out [][]byte) [][]byte {
	start := 0
	for i, c := range line {
		if c == ' ' || c == '\t' {
			if i > start {
				out = append(out, line[start:i])
			}
			start = i + 1
		}
	}
	if start < len(line) {
		out = append(out, line[start:])
	}
	return out
}
