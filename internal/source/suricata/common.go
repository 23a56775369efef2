package suricata

import (
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// Mapper turns EVE records into events. A wrapper format (Network Firewall's) sets Product, Profiles and Types
// before the first call; one Mapper serves one call of Normalize.
type Mapper struct {
	// Product is metadata.product of the events.
	Product ocsf.Product
	// Profiles are the profiles every event declares besides datetime (and security_control, which findings
	// add): Network Firewall's events declare cloud.
	Profiles []string
	// Types are the event types mapped, by event_type; the others are skipped. Nil maps every type the
	// package maps.
	Types map[string]bool

	metadata map[bool]*ocsf.Metadata
}

// NewMapper returns the Mapper of plain Suricata EVE records.
func NewMapper() *Mapper {
	return &Mapper{Product: ocsf.Product{Name: Product, VendorName: Vendor}}
}

// common is what every event of a record has: its time, endpoints, connection and metadata.
type common struct {
	time     int64
	src, dst ocsf.NetworkEndpoint
	sport    int32
	dport    int32
	conn     ocsf.NetworkConnectionInfo
	protoNum int32
}

// timeLayouts are the layouts of EVE times: Suricata writes "2018-03-24T14:37:19.037299-0600"; certificate
// times have no zone (UTC).
var timeLayouts = []string{"2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999"}

// parseTime parses an EVE time to milliseconds since 1970 (from 1970 on: OCSF times are not negative).
func parseTime(s string) (int64, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMilli(), t.UnixMilli() >= 0
		}
	}
	return source.ParseTime(s)
}

// takeTime takes a time field; why says what is wrong with it, "" when it is absent or parses.
func takeTime(f source.Fields, key string) (ms int64, ok bool, why string) {
	s := f.String(key)
	if s == "" {
		return 0, false, ""
	}
	ms, ok = parseTime(s)
	if !ok {
		return 0, false, key + " " + strconv.Quote(s) + " is not a date and time"
	}
	return ms, true, ""
}

// protocols are the IANA numbers of the protocols Suricata names.
var protocols = map[string]int32{"ICMP": 1, "IGMP": 2, "TCP": 6, "UDP": 17, "GRE": 47, "ESP": 50, "AH": 51,
	"IPV6-ICMP": 58, "SCTP": 132}

// readCommon takes the fields every EVE event has: timestamp, addresses, ports, proto, flow_id, direction.
func readCommon(f source.Fields, c *common) string {
	ms, ok, why := takeTime(f, "timestamp")
	if why != "" {
		return why
	}
	if !ok {
		return "the record has no timestamp"
	}
	c.time = ms
	c.src.IP, c.dst.IP = f.IP("src_ip"), f.IP("dest_ip")
	if p, ok := f.Int("src_port", 0, 65535); ok {
		c.sport = int32(p)
		c.src.Port = &c.sport
	}
	if p, ok := f.Int("dest_port", 0, 65535); ok {
		c.dport = int32(p)
		c.dst.Port = &c.dport
	}
	c.conn.UID = f.String("flow_id")
	proto := f.String("proto")
	if n, err := strconv.ParseUint(proto, 10, 8); err == nil {
		c.protoNum = int32(n)
		c.conn.ProtocolNum = &c.protoNum
	} else if proto != "" {
		c.conn.ProtocolName = proto
		if n, ok := protocols[strings.ToUpper(proto)]; ok {
			c.protoNum = n
			c.conn.ProtocolNum = &c.protoNum
		}
	}
	if d := f.String("direction"); d != "" {
		// to_server and to_client say which way the packet went between client and server, not whether the
		// connection crosses the network's boundary: Other, with Suricata's word.
		c.conn.DirectionID, c.conn.Direction = 99, d
	} else {
		c.conn.Direction = "Unknown"
	}
	return ""
}

// endpoints checks that the record names both endpoints (OCSF requires them in network classes).
func (c *common) endpoints() string {
	switch {
	case c.src.IP == "":
		return "the record has no src_ip"
	case c.dst.IP == "":
		return "the record has no dest_ip"
	}
	return ""
}

// meta returns the metadata of the events, shared by the events of one call: findings declare
// security_control too.
func (m *Mapper) meta(finding bool) *ocsf.Metadata {
	if md, ok := m.metadata[finding]; ok {
		return md
	}
	profiles := append(append([]string(nil), m.Profiles...), "datetime")
	if finding {
		profiles = append(profiles, "security_control")
	}
	product := m.Product
	md := &ocsf.Metadata{Product: &product, Profiles: profiles, Version: ocsf.Version}
	if m.metadata == nil {
		m.metadata = map[bool]*ocsf.Metadata{}
	}
	m.metadata[finding] = md
	return md
}

// withUnmapped adds a value under unmapped.
func withUnmapped(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// ipObservables lists the addresses of the endpoints, named by where they are in the event ("src_endpoint").
func ipObservables(obs []ocsf.Observable, prefix string, c *common) []ocsf.Observable {
	obs = append(obs, ocsf.Observable{Name: prefix + "src_endpoint.ip", Type: "IP Address", TypeID: 2, Value: c.src.IP})
	return append(obs, ocsf.Observable{Name: prefix + "dst_endpoint.ip", Type: "IP Address", TypeID: 2, Value: c.dst.IP})
}

// hostObservable lists a host name.
func hostObservable(obs []ocsf.Observable, name, host string) []ocsf.Observable {
	if host == "" {
		return obs
	}
	return append(obs, ocsf.Observable{Name: name, Type: "Hostname", TypeID: 1, Value: host})
}

// head points at the fields every network-class event has, for begin to fill.
type head struct {
	time     *int64
	timeDT   *ocsf.Datetime
	metadata **ocsf.Metadata
	src, dst **ocsf.NetworkEndpoint
	conn     **ocsf.NetworkConnectionInfo
}

// begin reads the common fields of a record into c and fills the event's time, metadata, endpoints and
// connection.
func (m *Mapper) begin(f source.Fields, c *common, h head) string {
	if why := readCommon(f, c); why != "" {
		return why
	}
	*h.time, *h.timeDT = c.time, ocsf.Datetime(c.time)
	*h.metadata = m.meta(false)
	*h.src, *h.dst, *h.conn = &c.src, &c.dst, &c.conn
	return ""
}

// finish keeps the fields not taken under unmapped, checks the record and lists the observables: the two
// addresses and the host name host, at path hostPath.
func finish(f source.Fields, c *common, um *map[string]string, obs *[]ocsf.Observable, hostPath, host string) string {
	*um = f.Rest(*um)
	if why := f.Problem(); why != "" {
		return why
	}
	if why := c.endpoints(); why != "" {
		return why
	}
	*obs = hostObservable(ipObservables(nil, "", c), hostPath, host)
	return ""
}
