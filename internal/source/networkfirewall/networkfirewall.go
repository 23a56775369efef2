// Package networkfirewall normalizes AWS Network Firewall's alert, flow and TLS logs into OCSF 1.1.0 events:
// alerts become Detection Findings (2004), netflow and tls events Network Activity (4001). Security Lake has no
// Network Firewall source: the events go to the custom-source table "network_firewall". Each record wraps a
// Suricata EVE event ({"firewall_name", "availability_zone", "event_timestamp", "event": {…}}); the event is
// mapped as package suricata maps it (suricata.Mapper), with what AWS's own mapping for Security Lake's
// transformation library adds (aws-samples/amazon-security-lake-transformation-library,
// mapping_docs/aws-network-firewall-mapping.md).
//
// # Input
//
// Log files as Network Firewall delivers them to S3 (gzip or plain, one JSON object per line) or as
// CloudWatch Logs exports; pretty-printed objects and JSON arrays of them are read too (source.Values). Event
// types other than alert, netflow and tls are skipped (counted). A record is set aside, with the reason, when
// it is not a JSON object, has no event object, when event_timestamp is not a number of seconds, or for any
// of the reasons package suricata sets an EVE event aside (no event_type, no time, a field of the wrong type,
// an alert without signature, a flow without both addresses), or when it is longer than source.MaxRecord.
//
// # Mapping
//
// The EVE event as package suricata maps it (see there: endpoints, connection_info with uid ← flow_id,
// protocol_name ← proto and tcp_flags ← tcp.tcp_flags, traffic, start and end times, the finding's
// finding_info, severity, action and disposition, evidences), and, as AWS's mapping does:
//
//   - metadata.product: name "AWS Network Firewall", vendor_name "AWS", feature.name "Firewall".
//   - metadata.profiles [cloud, datetime] ([cloud, datetime, security_control] for findings). AWS's mapping
//     writes [cloud, firewall]: "firewall" is not an OCSF 1.1.0 profile (the validator refuses it), so it is
//     left out; datetime is declared because the events carry *_dt times.
//   - cloud: provider "AWS", region ← availability_zone without its zone letter ("us-east-1a" → "us-east-1";
//     the object's region when the zone is an AZ ID), zone ← availability_zone, account.uid ← the object's
//     account (the records carry none).
//   - app_name ← firewall_name (Network Activity; Detection Finding has no app_name in OCSF 1.1.0, so a
//     finding keeps firewall_name under unmapped).
//   - time ← event.timestamp; event_timestamp (seconds) when the event has none.
//   - unmapped: availability_zone (as AWS's mapping keeps it, beside cloud.zone), event_timestamp, and the
//     EVE fields without a home at the paths AWS uses (event_type, netflow.age, netflow.min_ttl,
//     netflow.max_ttl, tcp.syn, tcp.fin, tcp.ack, tcp.psh, verdict.action, pkt_src, …).
//
// AWS's mapping covers netflow only; the alert and tls mappings are suricata's with the additions above.
package networkfirewall

import (
	"context"
	"regexp"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/suricata"
)

// Product is metadata.product.name of the events.
const Product = "AWS Network Firewall"

// Table is the custom-source table of the events.
const Table = "network_firewall"

// Source is the Network Firewall log source.
type Source struct{}

// New returns the Network Firewall log source.
func New() *Source { return &Source{} }

// Info describes the source.
func (*Source) Info() source.Info {
	return source.Info{
		Name: "networkfirewall", Product: Product,
		Classes: []int32{ocsf.ClassDetectionFinding, ocsf.ClassNetworkActivity}, Tables: []string{Table},
		Summary: "AWS Network Firewall alert, flow and TLS logs (JSON lines) → Detection Finding 2004, Network Activity 4001",
	}
}

// builder turns records into events; one builder serves one call of Normalize.
type builder struct {
	obj    source.Object
	mapper *suricata.Mapper
	clouds map[string]*ocsf.Cloud
}

// maxShared bounds the cloud objects a builder shares between events.
const maxShared = 256

// Normalize reads a Network Firewall log file and hands its events to sink (see source.Source).
func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
	m := suricata.NewMapper()
	m.Product = ocsf.Product{Name: Product, VendorName: "AWS", Feature: &ocsf.Feature{Name: "Firewall"}}
	m.Profiles = []string{"cloud"}
	m.Types = map[string]bool{"alert": true, "netflow": true, "tls": true}
	b := &builder{obj: obj, mapper: m, clouds: map[string]*ocsf.Cloud{}}
	return source.EachJSON(ctx, obj, sink, "networkfirewall", nil, suricata.Each(Table, b.event))
}

// event makes the event of one record: skip is true for an event type not mapped, why says why the record is
// set aside.
func (b *builder) event(rec []byte) (ocsf.Event, bool, string) {
	f, err := source.DecodeFields(rec)
	if err != nil {
		return nil, false, err.Error()
	}
	inner, ok := f.Object("event")
	if !ok {
		if why := f.Problem(); why != "" {
			return nil, false, why
		}
		return nil, false, "the record has no event"
	}
	// The event's fields keep their own paths under unmapped (netflow.age, not event.netflow.age), as AWS's.
	eve := source.FieldsOf(inner.Map())
	name, zone := f.String("firewall_name"), f.String("availability_zone")
	stamp, okStamp := f.Int("event_timestamp", 0, 253402300799)
	if why := f.Problem(); why != "" {
		return nil, false, why
	}
	if okStamp && !eve.Has("timestamp") {
		inner.Map()["timestamp"] = time.Unix(stamp, 0).UTC().Format(time.RFC3339)
	}
	ev, skip, why := b.mapper.Map(eve)
	if skip || why != "" {
		return nil, skip, why
	}
	um := f.Rest(nil)
	if zone != "" {
		um = with(um, "availability_zone", zone)
	}
	if okStamp {
		um = with(um, "event_timestamp", strconv.FormatInt(stamp, 10))
	}
	cloud := b.cloud(zone)
	switch e := ev.(type) {
	case *ocsf.NetworkActivity:
		e.Cloud, e.AppName = cloud, name
		e.Unmapped = merge(e.Unmapped, um)
	case *ocsf.DetectionFinding:
		e.Cloud = cloud
		if name != "" {
			um = with(um, "firewall_name", name)
		}
		e.Unmapped = merge(e.Unmapped, um)
	}
	return ev, false, ""
}

// azRegion is the region at the start of an availability zone's name (us-east-1a, us-gov-west-1b,
// us-west-2-lax-1a).
var azRegion = regexp.MustCompile(`^[a-z]{2}(?:-[a-z]+)+-[0-9]+`)

// cloud returns the cloud of a record in zone, shared by the events of one call.
func (b *builder) cloud(zone string) *ocsf.Cloud {
	if cl, ok := b.clouds[zone]; ok {
		return cl
	}
	cl := &ocsf.Cloud{Provider: "AWS", Region: b.obj.Region, Zone: zone}
	if r := azRegion.FindString(zone); r != "" {
		cl.Region = r
	}
	if b.obj.Account != "" {
		cl.Account = &ocsf.Account{UID: b.obj.Account}
	}
	if len(b.clouds) < maxShared {
		b.clouds[zone] = cl
	}
	return cl
}

func with(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

func merge(m, add map[string]string) map[string]string {
	if m == nil {
		return add
	}
	for k, v := range add {
		m[k] = v
	}
	return m
}
