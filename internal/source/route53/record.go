package route53

import (
	"net/netip"
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// record holds one event and the objects it points at, so that a block of events is one allocation.
type record struct {
	ev       ocsf.DNSActivity
	src, dst ocsf.NetworkEndpoint
	query    ocsf.DNSQuery
	conn     ocsf.NetworkConnectionInfo
	rule     ocsf.FirewallRule
	port     int32
	rcode    int32
}

// builder turns records into events; one builder serves one call of Normalize.
type builder struct {
	obj      source.Object
	records  ocsf.Slab[record]
	metadata map[string]*ocsf.Metadata
	clouds   source.Clouds
}

func newBuilder(obj source.Object) *builder {
	return &builder{obj: obj, records: ocsf.Slab[record]{Block: 128}, metadata: map[string]*ocsf.Metadata{}}
}

// maxShared bounds the metadata and cloud objects a builder shares between events.
const maxShared = 256

// event is build for source.NormalizeJSON.
func (b *builder) event(raw []byte) (ocsf.Event, string) {
	ev, why := b.build(raw)
	if why != "" {
		return nil, why
	}
	return ev, ""
}

// build makes the event of one record; it returns the reason when the record cannot be normalized.
func (b *builder) build(raw []byte) (*ocsf.DNSActivity, string) {
	f, err := source.DecodeFields(raw)
	if err != nil {
		return nil, err.Error()
	}
	r := b.records.New()
	e := &r.ev
	e.SetActivity(6)
	e.SetSeverity(1)
	e.Metadata = b.meta(f.String("version"))
	e.Cloud = b.clouds.Of(b.obj, f.String("account_id"), f.String("region"))
	if ms, ok := f.Time("query_timestamp"); ok {
		e.Time = ms
	} else if !b.obj.Time.IsZero() && f.Problem() == "" {
		e.Time = b.obj.Time.UnixMilli()
	}
	e.TimeDT = ocsf.Datetime(e.Time)

	r.src.IP = f.IP("srcaddr")
	if p, ok := f.Int("srcport", 0, 65535); ok {
		r.port = int32(p)
		r.src.Port = &r.port
	}
	r.src.VPCUID = f.String("vpc_id")
	e.SrcEndpoint = &r.src
	if ids, ok := f.Object("srcids"); ok {
		r.src.InstanceUID = ids.String("instance")
		r.dst.InstanceUID = ids.String("resolver_endpoint")
		r.dst.InterfaceUID = ids.String("resolver_network_interface")
		e.Unmapped = ids.Rest(e.Unmapped)
	}
	if r.dst.InstanceUID != "" || r.dst.InterfaceUID != "" {
		e.DstEndpoint = &r.dst
	}

	r.query = ocsf.DNSQuery{Hostname: f.String("query_name"), Type: f.String("query_type"), Class: f.String("query_class")}
	switch {
	case ocsf.IsHostname(r.query.Hostname):
		e.Query = &r.query
	case r.query != (ocsf.DNSQuery{}):
		// OCSF's query needs a name that is a host name: without one, the query's fields stay under unmapped.
		for k, v := range map[string]string{"query_name": r.query.Hostname, "query_type": r.query.Type, "query_class": r.query.Class} {
			if v != "" {
				e.Unmapped = withUnmapped(e.Unmapped, k, v)
			}
		}
	}
	for _, a := range f.Objects("answers") {
		if !a.Has("Rdata") {
			e.Unmapped = a.Rest(e.Unmapped)
			continue
		}
		e.Answers = append(e.Answers, ocsf.DNSAnswer{Rdata: a.String("Rdata"), Type: a.String("Type"), Class: a.String("Class")})
		e.Unmapped = a.Rest(e.Unmapped)
	}
	if rc := f.String("rcode"); rc != "" {
		r.rcode, e.Rcode = rcode(rc)
		e.RcodeID = &r.rcode
	}
	r.conn = ocsf.NetworkConnectionInfo{ProtocolName: f.String("transport"), Direction: "Unknown"}
	e.ConnectionInfo = &r.conn
	if id := f.String("firewall_rule_group_id"); id != "" {
		r.rule.UID = id
		e.FirewallRule = &r.rule
	}
	firewall(e, f.String("firewall_rule_action"))
	e.Unmapped = f.Rest(e.Unmapped)
	if why := f.Problem(); why != "" {
		return nil, why
	}
	switch {
	case e.Time == 0:
		return nil, "the record has no query_timestamp, and the object's time is unknown"
	case r.src.IP == "":
		return nil, "the record has no srcaddr"
	}
	b.observables(r)
	return e, ""
}

func withUnmapped(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// firewall maps the DNS Firewall's action.
func firewall(e *ocsf.DNSActivity, action string) {
	switch action {
	case "":
		e.ActionID, e.Action = ocsf.ActionID(0), "Unknown"
	case "ALLOW":
		e.ActionID, e.Action, e.Disposition = ocsf.ActionID(1), "Allowed", "Allowed"
	case "ALERT":
		e.ActionID, e.Action, e.Disposition = ocsf.ActionID(1), "Allowed", "Alert"
	case "BLOCK":
		e.ActionID, e.Action, e.Disposition = ocsf.ActionID(2), "Denied", "Blocked"
	default:
		e.ActionID, e.Action, e.Disposition = ocsf.ActionID(99), action, action
	}
}

// rcodes are the response codes as Route 53 writes them (RFC 6895's names) with OCSF's rcode_id and caption.
var rcodes = map[string]struct {
	id      int32
	caption string
}{
	"NOERROR": {0, "NoError"}, "FORMERR": {1, "FormError"}, "SERVFAIL": {2, "ServError"},
	"NXDOMAIN": {3, "NXDomain"}, "NOTIMP": {4, "NotImp"}, "REFUSED": {5, "Refused"},
	"YXDOMAIN": {6, "YXDomain"}, "YXRRSET": {7, "YXRRSet"}, "NXRRSET": {8, "NXRRSet"},
	"NOTAUTH": {9, "NotAuth"}, "NOTZONE": {10, "NotZone"}, "DSOTYPENI": {11, "DSOTYPENI"},
	"BADVERS": {16, "BADSIG_VERS"}, "BADSIG": {16, "BADSIG_VERS"}, "BADKEY": {17, "BADKEY"},
	"BADTIME": {18, "BADTIME"}, "BADMODE": {19, "BADMODE"}, "BADNAME": {20, "BADNAME"},
	"BADALG": {21, "BADALG"}, "BADTRUNC": {22, "BADTRUNC"}, "BADCOOKIE": {23, "BADCOOKIE"},
}

func rcode(s string) (int32, string) {
	if rc, ok := rcodes[strings.ToUpper(s)]; ok {
		return rc.id, rc.caption
	}
	return 99, s
}

func (b *builder) meta(version string) *ocsf.Metadata {
	if m, ok := b.metadata[version]; ok {
		return m
	}
	m := &ocsf.Metadata{
		Product: &ocsf.Product{Name: Product, VendorName: "AWS", Feature: &ocsf.Feature{Name: "Resolver Query Logs"},
			Version: version},
		Profiles: []string{"cloud", "security_control", "datetime"},
		Version:  ocsf.Version,
	}
	if len(b.metadata) < maxShared {
		b.metadata[version] = m
	}
	return m
}

const (
	hostname    = "Hostname"
	ipAddress   = "IP Address"
	resourceUID = "Resource UID"
)

// nameTypes are the record types whose data is a host name.
var nameTypes = map[string]bool{"CNAME": true, "PTR": true, "NS": true, "DNAME": true}

// observables lists the answers, the instances, the source address and the query's name, in the order of
// Amazon's sample.
func (b *builder) observables(r *record) {
	e := &r.ev
	obs := make([]ocsf.Observable, 0, len(e.Answers)+4)
	for _, a := range e.Answers {
		if _, err := netip.ParseAddr(a.Rdata); err == nil {
			obs = append(obs, ocsf.Observable{Name: "answers[].rdata", Type: ipAddress, TypeID: 2, Value: a.Rdata})
		} else if nameTypes[a.Type] && ocsf.IsHostname(a.Rdata) {
			obs = append(obs, ocsf.Observable{Name: "answers[].rdata", Type: hostname, TypeID: 1, Value: a.Rdata})
		}
	}
	if id := r.dst.InstanceUID; id != "" {
		obs = append(obs, ocsf.Observable{Name: "dst_endpoint.instance_uid", Type: resourceUID, TypeID: 10, Value: id})
	}
	if id := r.src.InstanceUID; id != "" {
		obs = append(obs, ocsf.Observable{Name: "src_endpoint.instance_uid", Type: resourceUID, TypeID: 10, Value: id})
	}
	obs = append(obs, ocsf.Observable{Name: "src_endpoint.ip", Type: ipAddress, TypeID: 2, Value: r.src.IP})
	if h := r.query.Hostname; e.Query != nil && h != "" {
		obs = append(obs, ocsf.Observable{Name: "query.hostname", Type: hostname, TypeID: 1, Value: h})
	}
	e.Observables = obs
}
