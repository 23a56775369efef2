// Package guardduty normalizes Amazon GuardDuty findings, in GuardDuty's own JSON, into OCSF 1.1.0 Detection
// Finding (2004) events. Security Lake has no GuardDuty source of its own (it receives GuardDuty findings
// through Security Hub, as SH_FINDINGS), so the mapping follows what Security Lake writes for a GuardDuty finding
// that came through Security Hub (the Security Lake team's sechub-guardduty sample), field for field where the
// finding has the same information, and the events go to a custom-source table, "guardduty".
//
// # Input
//
// Findings as GuardDuty exports them to S3 (gzip or plain JSON lines), as EventBridge delivers them (events
// "GuardDuty Finding" whose detail is the finding), as GetFindings returns them ({"Findings": […]}, read
// element by element: any size in bounded memory; its PascalCase field names, AccountId, are read as the
// export's camelCase ones), pretty-printed or in a JSON array. A finding is set aside, with the reason, when
// it is not a JSON object, when a field has the wrong type (a severity that is not a number, an address that
// is not an IP address), when it has no id, title or updatedAt, or when it is longer than source.MaxRecord. An
// EventBridge event from another source is skipped (counted).
//
// # Mapping
//
//   - metadata: product name "GuardDuty", vendor_name "Amazon", feature.uid ← the detector's ARN
//     (arn:aws:guardduty:<region>:<account>:detector/<detectorId>, as Security Hub's GeneratorId),
//     log_version ← schemaVersion; profiles [cloud, datetime]; version "1.1.0".
//   - cloud: provider "AWS", account.uid ← accountId, region ← region.
//   - activity Create (1) when createdAt equals updatedAt, Update (2) otherwise; time, time_dt ← updatedAt.
//   - severity ← severity: below 4 Low (2), below 7 Medium (3), below 9 High (4), from 9 Critical (5), as
//     GuardDuty ranks them; the number is kept under unmapped (severity).
//   - status "Archived" when service.archived is true, "New" otherwise.
//   - finding_info: uid ← arn, title ← title, desc ← description, types ← [type], created_time_dt ←
//     createdAt, modified_time_dt ← updatedAt, first_seen_time_dt and last_seen_time_dt ←
//     service.eventFirstSeen and eventLastSeen, src_url ← the console's link to the finding.
//   - resources[]: one, type ← resource.resourceType, uid ← the resource's ID (instanceDetails.instanceId,
//     accessKeyDetails.accessKeyId, the first S3 bucket's arn, eksClusterDetails.arn, …), cloud_partition ←
//     partition, region ← region, data ← the whole resource object as JSON text (so nothing of it is lost). A
//     resource without an ID (attack sequences') stays under unmapped (resource.resourceType).
//   - evidences[]: one per action GuardDuty saw (service.action): awsApiCallAction → api.operation,
//     api.service.name and src_endpoint (ip, location city, country, coordinates [lon, lat]) from
//     remoteIpDetails, as Amazon's sample; networkConnectionAction → src_endpoint and dst_endpoint (the remote
//     side from remoteIpDetails and remotePortDetails, the local from localIpDetails and localPortDetails, by
//     connectionDirection) and connection_info (protocol_name, direction); dnsRequestAction → query.hostname;
//     portProbeAction → one evidence per probe (src_endpoint the remote address, dst_endpoint the local
//     port). The fields an evidence takes leave service.action; everything else of service stays. An
//     endpoint known by its port alone is named by the finding's instance (instance_uid) when the finding is
//     about one, else svc_name "Unknown" (GuardDuty's portName for a port it does not know): OCSF asks that an
//     endpoint be named.
//   - observables: evidences[].src_endpoint.ip (IP Address) and resources[].uid (Resource UID), in Amazon's
//     sample's order.
//   - unmapped: every other field (service.*, the rest of the actions), flattened as source.Flatten does.
//     An EventBridge event's own fields (id, time, account, region) describe the delivery, not the finding,
//     and are not kept.
package guardduty

import (
	"context"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// Product is metadata.product.name of the events.
const Product = "GuardDuty"

// Table is the custom-source table of the events.
const Table = "guardduty"

// Source is the GuardDuty findings source.
type Source struct{}

// New returns the GuardDuty findings source.
func New() *Source { return &Source{} }

// Info describes the source.
func (*Source) Info() source.Info {
	return source.Info{
		Name: "guardduty", Product: Product, Classes: []int32{ocsf.ClassDetectionFinding}, Tables: []string{Table},
		Summary: "GuardDuty findings (native JSON: S3 exports, EventBridge events, GetFindings) → Detection Finding 2004",
	}
}

// Normalize reads a file of findings and hands its events to sink (see source.Source).
func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
	b := &builder{obj: obj, metadata: map[[2]string]*ocsf.Metadata{}}
	return source.EachJSON(ctx, obj, sink, "guardduty", []string{"Findings"}, b.record)
}

// record normalizes one record: a finding, or an EventBridge event holding one.
func (b *builder) record(c *source.Collector, n int64, rec []byte) error {
	f, err := source.DecodeFields(rec)
	if err != nil {
		return c.SetAside(n, err.Error(), rec, false)
	}
	if f.Has("detail-type") || f.Has("detail") {
		if f.String("source") != "aws.guardduty" {
			c.Skip()
			return nil
		}
		detail, ok := f.Object("detail")
		if !ok {
			why := f.Problem()
			if why == "" {
				why = "the EventBridge event has no detail"
			}
			return c.SetAside(n, why, rec, false)
		}
		f = source.FieldsOf(detail.Map())
	}
	if f.Has("AccountId") || f.Has("SchemaVersion") || f.Has("Id") {
		f = source.FieldsOf(camel(f.Map()).(map[string]any))
	}
	ev, why := b.finding(f)
	if why != "" {
		return c.SetAside(n, why, rec, false)
	}
	return c.Event(Table, ev)
}
