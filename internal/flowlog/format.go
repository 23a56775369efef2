package flowlog

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// field is one field of VPC Flow Logs' record format: its name, the format version that introduced it, and
// how a record made from a flow fills it ("-" when a flow cannot).
type field struct {
	name    string
	version int
	kind    kind // how Parquet stores it
	value   func(r *record) string
}

type kind uint8

const (
	kindString kind = iota
	kindInt32
	kindInt64
)

// fields are the fields of versions 2 to 5 of the format (VPC UG flow-log-records "Available fields"). Those a
// flow exporter cannot tell (subnet, instance, AWS service names, …) are "-", as AWS writes them when unknown.
var fields = []field{
	{"version", 2, kindInt32, func(r *record) string { return strconv.Itoa(r.version) }},
	{"account-id", 2, kindString, func(r *record) string { return r.account }},
	{"interface-id", 2, kindString, func(r *record) string { return r.eni }},
	{"srcaddr", 2, kindString, func(r *record) string { return r.src.String() }},
	{"dstaddr", 2, kindString, func(r *record) string { return r.dst.String() }},
	{"srcport", 2, kindInt32, func(r *record) string { return strconv.Itoa(int(r.srcPort)) }},
	{"dstport", 2, kindInt32, func(r *record) string { return strconv.Itoa(int(r.dstPort)) }},
	{"protocol", 2, kindInt32, func(r *record) string { return strconv.Itoa(int(r.proto)) }},
	{"packets", 2, kindInt64, func(r *record) string { return strconv.FormatUint(r.packets, 10) }},
	{"bytes", 2, kindInt64, func(r *record) string { return strconv.FormatUint(r.bytes, 10) }},
	{"start", 2, kindInt64, func(r *record) string { return strconv.FormatInt(r.start, 10) }},
	{"end", 2, kindInt64, func(r *record) string { return strconv.FormatInt(r.end, 10) }},
	{"action", 2, kindString, func(r *record) string { return r.action }},
	{"log-status", 2, kindString, func(r *record) string { return "OK" }},
	{"vpc-id", 3, kindString, func(r *record) string { return r.vpc }},
	{"subnet-id", 3, kindString, none},
	{"instance-id", 3, kindString, none},
	{"tcp-flags", 3, kindInt32, func(r *record) string { return strconv.Itoa(int(r.tcpFlags)) }},
	{"type", 3, kindString, func(r *record) string { return ipType(r.src) }},
	{"pkt-srcaddr", 3, kindString, func(r *record) string { return r.src.String() }},
	{"pkt-dstaddr", 3, kindString, func(r *record) string { return r.dst.String() }},
	{"region", 4, kindString, func(r *record) string { return r.region }},
	{"az-id", 4, kindString, none},
	{"sublocation-type", 4, kindString, none},
	{"sublocation-id", 4, kindString, none},
	{"pkt-src-aws-service", 5, kindString, none},
	{"pkt-dst-aws-service", 5, kindString, none},
	{"flow-direction", 5, kindString, func(r *record) string { return r.direction }},
	{"traffic-path", 5, kindInt32, none},
}

func none(*record) string { return "-" }

func ipType(a netip.Addr) string {
	if a.Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// DefaultFormat is the default record format (version 2).
const DefaultFormat = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"

// format is a parsed LogFormat.
type format struct {
	fields  []*field
	version int // the highest version of its fields: the records' "version"
}

// parseFormat parses a LogFormat ("${srcaddr} ${dstaddr} …"; "" means DefaultFormat).
func parseFormat(s string) (*format, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultFormat
	}
	f := &format{version: 2}
	for _, tok := range strings.Fields(s) {
		name, ok := strings.CutPrefix(tok, "${")
		if name, ok = strings.CutSuffix(name, "}"); !ok || name == "" {
			return nil, fmt.Errorf("%q is not a field: each field is written ${field-name}, separated by spaces", tok)
		}
		fd := lookupField(name)
		if fd == nil {
			return nil, fmt.Errorf("unknown field %s in the log format (fields of versions 2 to 5: %s)", tok, fieldNames())
		}
		f.fields = append(f.fields, fd)
		f.version = max(f.version, fd.version)
	}
	return f, nil
}

func lookupField(name string) *field {
	for i := range fields {
		if fields[i].name == name {
			return &fields[i]
		}
	}
	return nil
}

func fieldNames() string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// header is the first line of a text file: the field names, separated by spaces.
func (f *format) header() string {
	names := make([]string, len(f.fields))
	for i, fd := range f.fields {
		names[i] = fd.name
	}
	return strings.Join(names, " ")
}

// appendLine appends the record's line (without the newline).
func (f *format) appendLine(b []byte, r *record) []byte {
	r.version = f.version
	for i, fd := range f.fields {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, fd.value(r)...)
	}
	return b
}
