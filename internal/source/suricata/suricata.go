// Package suricata normalizes Suricata's EVE JSON output (eve.json) into OCSF 1.1.0 events: alerts and drops
// become Detection Findings (2004), flow and netflow events Network Activity (4001), dns events DNS Activity
// (4003), http events HTTP Activity (4002), and tls events Network Activity (4001) with the tls object.
// Security Lake has no Suricata source: the events go to the custom-source table "suricata". The mapping is
// ours (no Amazon output exists to compare with); networkfirewall reuses it for the EVE events AWS Network
// Firewall wraps (Mapper).
//
// # Input
//
// eve.json as Suricata writes it (gzip or plain): one JSON object per line; pretty-printed objects one after
// the other, and JSON arrays of them, are read too (source.Values). Event types without a mapping (stats,
// fileinfo, anomaly, smtp, ssh, flow of other kinds, …) are skipped and counted. A record is set aside, with
// the reason, when it is not a JSON object, when it has no event_type or no timestamp, when a field has the
// wrong type (src_ip that is not an IP address, a port out of range, a time that is not a date and time),
// when an alert has no signature_id or signature, when a flow, dns, http or tls event lacks src_ip or dest_ip
// (OCSF requires both endpoints), or when it is longer than source.MaxRecord.
//
// # Mapping
//
// Every event:
//
//   - metadata: product name "Suricata", vendor_name "OISF"; profiles [datetime] ([datetime,
//     security_control] for findings); version "1.1.0". time, time_dt ← timestamp (Suricata's
//     "2018-03-24T14:37:19.037299-0600"; RFC 3339 is read too).
//   - src_endpoint {ip ← src_ip, port ← src_port}, dst_endpoint {ip ← dest_ip, port ← dest_port}.
//   - connection_info: uid ← flow_id, protocol_name ← proto as written ("TCP", as AWS's Network Firewall
//     mapping does), protocol_num ← its IANA number (TCP 6, UDP 17, ICMP 1, IPv6-ICMP 58, SCTP 132, GRE 47,
//     ESP 50, AH 51, IGMP 2; a numeric proto goes there directly); direction ← direction: Suricata's to_server
//     and to_client say which way the packet went, not whether it crossed the network's boundary, so
//     direction_id is Other (99) with Suricata's word; Unknown (0) when absent. tcp_flags ← tcp.tcp_flags (hex,
//     network classes).
//   - observables: the two addresses (IP Address) and the host name the event names (Hostname).
//   - unmapped: every other field, flattened as source.Flatten does (event_type, pcap_cnt, in_iface, vlan,
//     tx_id, app_proto, payload, vars, the alert's flow/http/tls/smtp objects, the tcp flags as booleans, …).
//
// alert and drop → Detection Finding 2004, activity Create (1):
//
//   - finding_info: uid ← alert.signature_id, title ← alert.signature, types ← [alert.category];
//     analytic {uid ← signature_id, name ← signature, type Rule (1), version ← rev, category ← category}.
//     alert.gid stays under unmapped. finding_info.attacks ← the rule's MITRE ATT&CK tags (alert.metadata
//     mitre_tactic_id/_name and mitre_technique_id/_name, as Emerging Threats writes them): one attack per
//     technique with the tactic beside it, names without underscores; the rest of alert.metadata stays under
//     unmapped.
//   - severity ← alert.severity: 1 High (4), 2 Medium (3), 3 Low (2), other numbers Informational (1), absent
//     Unknown (0); the number is kept under unmapped (alert.severity).
//   - action/disposition ← alert.action: allowed → Allowed (1) / Allowed (1); blocked → Denied (2) / Blocked
//     (2); another word → Other (99). A drop event is Denied (2) / Dropped (6); one without its alert is
//     titled "Packet dropped", its uid the flow_id.
//   - evidences[0]: src_endpoint, dst_endpoint, connection_info as above, and query {hostname, type} from
//     the alert's dns object (dns.query[0].rrname and rrtype, or dns.rrname). OCSF 1.1.0's evidence object has
//     no home for HTTP or TLS: the alert's http and tls objects stay under unmapped, and the server's name they
//     carry (tls.sni, else http.hostname, when it is a host name) is also dst_endpoint.hostname.
//
// flow → Network Activity 4001, activity Traffic (6): traffic {bytes_out ← flow.bytes_toserver, bytes_in ←
// bytes_toclient, packets_out ← pkts_toserver, packets_in ← pkts_toclient, bytes and packets ← their sums}
// (the source is the flow's client); start_time ← flow.start, end_time ← flow.end. netflow (one direction) →
// the same with traffic {bytes ← netflow.bytes, packets ← netflow.pkts}, as AWS maps Network Firewall's.
//
// tls → Network Activity 4001, activity Traffic (6), with tls {version ← tls.version, sni ← tls.sni (also
// dst_endpoint.hostname when it is a host name), ja3_hash and ja3s_hash ← ja3.hash and ja3s.hash (MD5),
// certificate_chain ← chain, certificate {issuer ← issuerdn, serial_number ← serial, subject ← subject,
// fingerprints ← [fingerprint as SHA-1], created_time ← notbefore, expiration_time ← notafter}}. OCSF requires
// the version, and the certificate's issuer, serial and fingerprint: without them the fields stay under
// unmapped.
//
// dns → DNS Activity 4003: activity Query (1) for type query/request, Response (2) for answer/response,
// Unknown (0) otherwise; query {hostname ← rrname (or queries[0].rrname, format 3), type ← rrtype,
// packet_uid ← id, opcode_id ← opcode}; rcode_id/rcode ← rcode (NOERROR… BADCOOKIE, named or numbered, by
// their OCSF IDs, others Other (99) as written); answers ← answers[] {rdata, type ← rrtype, ttl} (format 2 and 3) or the event's own
// rdata (format 1). A query name OCSF does not take as a host name stays under unmapped.
//
// http → HTTP Activity 4002: activity ← http.http_method (CONNECT 1 … TRACE 8, others Other 99);
// http_request {http_method, url {hostname ← hostname, port ← http_port, path and query_string ← url split at
// "?"}, user_agent ← http_user_agent, referrer ← http_refer, version ← protocol, x_forwarded_for ← xff (when
// every address in it is an IP address), http_headers ← request_headers} (OCSF's url needs a path: without a
// request target, or with one that is only a query, the host name is dst_endpoint.hostname and the target
// stays under unmapped); http_response {code ← status,
// content_type ← http_content_type, length ← length, http_headers ← response_headers} and http_status ←
// status, when status is a number. Values OCSF would refuse (a Host that is not a host name, a status that is
// not a number) stay under unmapped.
package suricata

import (
	"context"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// Product and Vendor are metadata.product.name and vendor_name of the events.
const (
	Product = "Suricata"
	Vendor  = "OISF"
)

// Table is the custom-source table of the events.
const Table = "suricata"

// Classes are the classes of the events.
var Classes = []int32{ocsf.ClassDetectionFinding, ocsf.ClassNetworkActivity, ocsf.ClassDNSActivity, ocsf.ClassHTTPActivity}

// Source is the Suricata EVE source.
type Source struct{}

// New returns the Suricata EVE source.
func New() *Source { return &Source{} }

// Info describes the source.
func (*Source) Info() source.Info {
	return source.Info{
		Name: "suricata", Product: Product, Classes: Classes, Tables: []string{Table},
		Summary: "Suricata EVE JSON (eve.json) → Detection Finding 2004 (alert, drop), Network Activity 4001 (flow, netflow, tls), DNS Activity 4003, HTTP Activity 4002",
	}
}

// Normalize reads an eve.json file and hands its events to sink (see source.Source).
func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
	m := NewMapper()
	return source.EachJSON(ctx, obj, sink, "suricata", nil, Each(Table, func(rec []byte) (ocsf.Event, bool, string) {
		f, err := source.DecodeFields(rec)
		if err != nil {
			return nil, false, err.Error()
		}
		return m.Map(f)
	}))
}

// Each returns, for source.EachJSON, the handling of a record that event maps to one event bound for table,
// skips (true), or sets aside (the reason).
func Each(table string, event func(rec []byte) (ocsf.Event, bool, string)) func(*source.Collector, int64, []byte) error {
	return func(c *source.Collector, n int64, rec []byte) error {
		ev, skip, why := event(rec)
		switch {
		case skip:
			c.Skip()
			return nil
		case why != "":
			return c.SetAside(n, why, rec, false)
		}
		return c.Event(table, ev)
	}
}

// Map makes the event of one EVE record. skip is true for an event type the mapper does not map; why says why
// the record is set aside. event_type stays in f, for unmapped.
func (m *Mapper) Map(f source.Fields) (ev ocsf.Event, skip bool, why string) {
	typ, ok := f.Get("event_type").(string)
	if !ok || typ == "" {
		return nil, false, "the record has no event_type"
	}
	if m.Types != nil && !m.Types[typ] {
		return nil, true, ""
	}
	switch typ {
	case "alert", "drop":
		ev, why = orNil(m.alert(f, typ == "drop"))
	case "flow", "netflow":
		ev, why = orNil(m.flow(f, typ))
	case "tls":
		ev, why = orNil(m.tlsEvent(f))
	case "dns":
		ev, why = orNil(m.dns(f))
	case "http":
		ev, why = orNil(m.http(f))
	default:
		return nil, true, ""
	}
	return ev, false, why
}

// orNil returns a typed event as an ocsf.Event, nil (not a nil pointer in an interface) when there is none.
func orNil[T ocsf.Event](ev T, why string) (ocsf.Event, string) {
	if why != "" {
		return nil, why
	}
	return ev, ""
}
