// Package route53 normalizes Amazon Route 53 Resolver query logs into OCSF 1.1.0 DNS Activity (4003) events,
// as Security Lake's ROUTE53 source version 2.0 writes them.
//
// # Input
//
// Resolver query log files as Route 53 delivers them to S3 (gzip or plain): one JSON object per line; pretty
// printed objects one after the other, a JSON array of them, and CloudWatch Logs exports (each line preceded by
// its time) are read too (source.Values). A record is set
// aside, with the reason, when it is not a JSON object, when a field has the wrong type (srcaddr that is not an
// IP address, srcport that is not a port, query_timestamp that is not a date and time), when it has no
// query_timestamp and the object's time (source.Object.Time) is unknown, when it has no srcaddr (OCSF requires
// the source endpoint), or when it is longer than source.MaxRecord.
//
// # Mapping
//
// The Security Lake team's OCSF 1.1.0 mapping table for Route 53 (ocsf/examples, mappings/markdown/AWS/v1.1.0/
// Route53) and its sample, with Amazon's output as the judge:
//
//   - metadata.product: name "Route 53", vendor_name "AWS", feature.name "Resolver Query Logs", version ←
//     version; metadata.profiles [cloud, security_control, datetime]; metadata.version "1.1.0"; severity
//     Informational.
//   - activity Traffic (6), whatever the response: the 1.1.0 mapping fixes it. (Amazon's 1.0.0-rc.2 output
//     chose Response, Refuse or Fail from rcode; 1.1.0's DNS Activity has no such activities.)
//   - cloud: provider "AWS", account.uid ← account_id, region ← region (from source.Object when absent).
//   - time, time_dt ← query_timestamp (RFC 3339; "2006-01-02 15:04:05" is read as UTC).
//   - query: hostname ← query_name, type ← query_type, class ← query_class (under unmapped instead when
//     query_name is missing or not a host name, which OCSF's query requires); answers[]: type, rdata, class ←
//     Type, Rdata, Class (other answer fields go under unmapped as answers[].<name>).
//   - rcode ← rcode in OCSF's spelling (NOERROR → NoError, NXDOMAIN → NXDomain, SERVFAIL → ServError, …) and
//     rcode_id its number; an rcode OCSF does not list is rcode_id 99 with rcode as written.
//   - src_endpoint: ip ← srcaddr, port ← srcport, vpc_uid ← vpc_id, instance_uid ← srcids.instance;
//     dst_endpoint: instance_uid ← srcids.resolver_endpoint, interface_uid ←
//     srcids.resolver_network_interface (absent when the record has neither).
//   - connection_info: protocol_name ← transport, direction Unknown (0).
//   - firewall_rule.uid ← firewall_rule_group_id; firewall_rule_action ALLOW → action Allowed (1),
//     disposition "Allowed"; ALERT → action Allowed (1), disposition "Alert"; BLOCK → action Denied (2),
//     disposition "Blocked"; no firewall action → action Unknown (0) and no disposition; another value →
//     action Other (99), disposition as written. The route53 2.0 table has no disposition_id column, and
//     Amazon's 1.1.0 sample writes none: it is not written.
//   - observables, in the order of Amazon's sample: each answer's rdata (IP Address when it is one, Hostname
//     for CNAME, PTR, NS and DNAME records), dst_endpoint.instance_uid and src_endpoint.instance_uid (Resource UID), src_endpoint.ip (IP
//     Address), query.hostname (Hostname).
//   - unmapped: every other field (firewall_domain_list_id, srcids' other keys, …), flattened as source.Flatten
//     does.
//
// # Agreement with Amazon
//
// TestAmazonEquality feeds the inputs of every Route 53 record Amazon has published output for: the four
// records of AWS's Security Lake validation samples (aws-samples/amazon-security-lake-ocsf-validation, OCSF
// 1.0.0-rc.2, carried to 1.1.0 as the Security Lake team's 1.1.0 mapping moves the fields: cloud.account_uid →
// cloud.account.uid, activity Traffic, firewall_rule_group_id → firewall_rule.uid, disposition_id → action_id
// and action, datetime profile and time_dt), and the Security Lake team's 1.1.0 sample. We write 233 of
// Amazon's 235 fields with Amazon's value (99.1%). The differences:
//
//   - disposition of the rc2 records: 1.0.0-rc.2 wrote "No Action" for ALERT and "Blocked" for BLOCK; the
//     1.1.0 sample writes "Alert" for ALERT, and so do we.
//   - observables in the rc2 records: that version had none; the 1.1.0 sample's are ours exactly.
package route53

import (
	"context"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// Product is metadata.product.name of the events.
const Product = "Route 53"

// Table is the Security Lake table of the events.
const Table = "route53"

// Source is the Route 53 Resolver query log source.
type Source struct{}

// New returns the Route 53 Resolver query log source.
func New() *Source { return &Source{} }

// Info describes the source.
func (*Source) Info() source.Info {
	return source.Info{
		Name: "route53", SecurityLake: "ROUTE53", Version: "2.0", Product: Product,
		Classes: []int32{ocsf.ClassDNSActivity}, Tables: []string{Table},
		Summary: "Route 53 Resolver query logs (JSON lines) → DNS Activity 4003",
	}
}

// Normalize reads a query log file and hands its events to sink (see source.Source).
func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
	b := newBuilder(obj)
	return source.NormalizeJSON(ctx, obj, sink, "route53", Table, b.event)
}
