// Package vpcflow normalizes Amazon VPC Flow Logs into OCSF 1.1.0 Network Activity (4001) events, as Security
// Lake's VPC_FLOW source version 2.0 writes them.
//
// # Input
//
// Flow log files as VPC delivers them to S3 (gzip or plain text): one record per line, fields separated by
// spaces, "-" for a value the record does not have. The order of the fields comes from the file's header line
// ("version account-id interface-id …"; a header may appear again further down, and then applies from there),
// else from source.Object.Format (the flow log's LogFormat, "${version} ${vpc-id} …"), else a record of
// fourteen fields is read in the default format (version 2). Any version (2 to 8) and any field order work,
// transit gateway flow logs included. Field names may also be spelled with underscores (account_id).
//
// A record is set aside, with the reason, when its field count differs from its format's, when a value does
// not parse (an address that is not an IP address, a port above 65535, a time that is not seconds since 1970,
// an action other than ACCEPT, REJECT or -, a version that is not a number), when it has neither start nor end
// and the object's time (source.Object.Time) is unknown, or when its line is longer than source.MaxRecord. An invalid header line is set aside, and so are the records that follow it until the
// next valid header.
//
// # Mapping
//
// The Security Lake team's OCSF 1.1.0 mapping table for VPC flow logs (ocsf/examples,
// mappings/markdown/AWS/v1.1.0/VPC Flowlogs), with Amazon's output as the judge:
//
//   - metadata.product: name "Amazon VPC", vendor_name "AWS", feature.name "Flowlogs", version ← version;
//     metadata.profiles [cloud, security_control, datetime]; metadata.version "1.1.0"; severity Informational.
//   - cloud: provider "AWS", account.uid ← account-id, region ← region, zone ← az-id. Account and region come
//     from source.Object (the delivery path) when the format lacks them or they are "-".
//   - action ACCEPT → activity Traffic (6), action_id 1 Allowed, disposition "Allowed"; REJECT → Refuse (5), 2
//     Denied, "Blocked"; "-" → Unknown (0), action_id 99 with action "-" and disposition "-"; no action field
//     (transit gateway flow logs) → Traffic when log-status is OK, else Unknown, action_id 0. Security Lake's
//     2.0 table has no disposition_id column, and Amazon's sample has none: it is not written.
//   - time, time_dt, start_time_dt ← start; end_time_dt ← end (seconds become milliseconds); time is end when
//     the format has no start, the object's time when it has neither. The 2.0 table has no start_time and
//     end_time columns: they are not written.
//   - src_endpoint/dst_endpoint: port ← srcport/dstport; svc_name ← pkt-src-aws-service/pkt-dst-aws-service;
//     ip ← srcaddr/dstaddr, or pkt-srcaddr/pkt-dstaddr when that differs, the interface's address then becoming
//     intermediate_ips. interface_uid, vpc_uid, subnet_uid and instance_uid ← interface-id, vpc-id, subnet-id,
//     instance-id on the destination for ingress records, on the source otherwise.
//   - connection_info: protocol_num ← protocol, tcp_flags ← tcp-flags, protocol_ver ← type (IPv4, IPv6, EFA);
//     direction ingress → 1 Inbound, egress → 2 Outbound, "-" → 99 "-", and 0 Unknown when the format has no
//     flow-direction (direction_id is required); boundary ← traffic-path 1–8 as boundary_id 4–11 (Same VPC …
//     Internet Gateway), "-" → 99 "-".
//   - traffic.packets, traffic.bytes ← packets, bytes; status_code ← log-status.
//   - observables: every IP address (intermediate ones as "…intermediate_ips[]") and instance ID, destination
//     first, as in Amazon's samples.
//   - unmapped: every other field of the format under its name with underscores (sublocation_id,
//     sublocation_type, the ECS fields, reject_reason, the transit gateway fields), values as written.
//
// Values are kept as the record writes them, "-" included, for string attributes (svc_name "-",
// instance_uid "-", protocol_ver "-", unmapped values), as Security Lake does. Numbers and IP addresses that are
// "-" are absent: Security Lake writes null for such numbers, and an IP address of "-" would not be valid
// OCSF. Fields the format does not have at all are absent, except that an endpoint left with nothing to name
// it (NODATA and SKIPDATA records have no addresses) gets svc_name "-", as in Amazon's output for such records.
//
// Events of one call share their metadata object and, when records repeat them, their unmapped maps and
// strings: treat events as read-only.
//
// # Agreement with Amazon
//
// TestAmazonEquality feeds the inputs of every VPC flow record Amazon has published output for to the source
// and compares the events field by field: the four records of AWS's Security Lake validation samples
// (aws-samples/amazon-security-lake-ocsf-validation, OCSF 1.0.0-rc.2 carried to 1.1.0 as the Security Lake
// team's 1.1.0 mapping moves the fields: cloud.account_uid → cloud.account.uid, start_time/end_time →
// start_time_dt/end_time_dt, disposition_id → action_id and action, profile datetime), and the Security Lake
// team's 1.1.0 and 1.5.0 samples (ocsf/examples). We write 334 of Amazon's 337 fields with Amazon's value
// (99.1%). The differences:
//
//   - src_endpoint.ip and dst_endpoint.ip of the NODATA record: Amazon writes "-"; "-" is not a valid ip_t,
//     so we leave the address out.
//   - dst_endpoint.interface_uid of the 1.1.0 sample: its raw record and its output were anonymized
//     differently (eni-0000000000000000 in, eni-000000000000000000 out); we write the input's.
//
// Fields we write that Amazon's events lack: observables in the 1.0.0-rc.2 records (that version had none;
// the 1.1.0 and 1.5.0 samples' observables are ours exactly), and connection_info.boundary "-" for the record
// whose traffic_path is null in AWS's input (a flow log line writes "-" there, and Security Lake writes
// boundary "-" for it in the other records).
package vpcflow

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// Product is metadata.product.name of the events.
const Product = "Amazon VPC"

// Table is the Security Lake table of the events.
const Table = "vpc_flow"

// Source is the VPC flow log source.
type Source struct{}

// New returns the VPC flow log source.
func New() *Source { return &Source{} }

// Info describes the source.
func (*Source) Info() source.Info {
	return source.Info{
		Name: "vpcflow", SecurityLake: "VPC_FLOW", Version: "2.0", Product: Product,
		Classes: []int32{ocsf.ClassNetworkActivity}, Tables: []string{Table},
		Summary: "VPC Flow Logs (versions 2–8, default or custom format, transit gateway) → Network Activity 4001",
	}
}

var defaultFmt = func() *format {
	f, err := parseFormat(defaultFormat)
	if err != nil {
		panic(err)
	}
	return f
}()

// Normalize reads a flow log file and hands its events to sink (see source.Source).
func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
	c := source.NewCollector(ctx, sink, obj.Name)
	var current *format
	if obj.Format != "" {
		f, err := parseFormat(obj.Format)
		if err != nil {
			return c.Counts(), fmt.Errorf("vpcflow: format: %w", err)
		}
		current = f
	}
	body, err := source.Open(obj.Body)
	if err != nil {
		return c.Counts(), fmt.Errorf("vpcflow: %w", err)
	}
	b := newBuilder(obj)
	lines := source.NewLines(body)
	var fields [][]byte
	badHeader := int64(0)
	for lines.Next() {
		line, n := lines.Line(), lines.Number()
		fields = split(line, fields[:0])
		var why string
		switch {
		case len(fields) == 0:
			continue
		case lines.Truncated():
			why = fmt.Sprintf("line longer than %d bytes", source.MaxRecord)
		case isHeader(fields):
			f, err := parseFormat(string(line))
			if err == nil {
				current, badHeader = f, 0
				continue
			}
			current, badHeader = nil, n
			why = "invalid header line: " + err.Error()
		default:
			ev, reason := b.record(current, badHeader, fields)
			if reason == "" {
				if err := c.Event(Table, ev); err != nil {
					return c.Counts(), err
				}
				continue
			}
			why = string(reason)
		}
		if err := c.SetAside(n, why, line, lines.Truncated()); err != nil {
			return c.Counts(), err
		}
	}
	c.AddBytes(lines.Bytes())
	if err := lines.Err(); err != nil {
		counts, _ := c.Close()
		return counts, fmt.Errorf("vpcflow: read %s: %w", obj.Name, err)
	}
	return c.Close()
}

// record builds the event of one record in format f (nil when no header or format has been given).
func (b *builder) record(f *format, badHeader int64, fields [][]byte) (*ocsf.NetworkActivity, rejection) {
	switch {
	case badHeader > 0:
		return nil, reject("the header line (line %d) that gives the order of the fields is invalid", badHeader)
	case f == nil && len(fields) != len(defaultFmt.ids):
		return nil, reject("%s, but no header line or format gives their order (the default format has %d)",
			plural(len(fields), "field"), len(defaultFmt.ids))
	case f == nil:
		f = defaultFmt
	case len(fields) != len(f.ids):
		return nil, reject("%s, but the format has %d", plural(len(fields), "field"), len(f.ids))
	}
	return b.build(f, fields)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
