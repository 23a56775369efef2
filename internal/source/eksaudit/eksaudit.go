// Package eksaudit normalizes Kubernetes audit events (audit.k8s.io/v1, as Amazon EKS's control plane logs
// them) into OCSF 1.1.0 API Activity (6003) events, as Security Lake's EKS_AUDIT source version 2.0 writes them
// to its eks_audit table.
//
// # Input
//
// Audit events one per line (the API server's log backend, CloudWatch Logs exports of EKS's audit stream), a
// JSON array of them, or EventList objects ({"kind": "EventList", "items": […]}, whose items become events
// together, or the whole list is set aside). gzip or plain, any size, in bounded memory. A record's number
// is its position in the object, from 1.
//
// A record is set aside, with the reason, when it is not a JSON object or not valid JSON, when it is longer
// than source.MaxRecord, when it is not an audit event (no verb, or a kind other than Event), when it has no
// time (stageTimestamp, requestReceivedTimestamp) and the object's time is unknown, when none of its
// sourceIPs is an IP address (API Activity requires src_endpoint), and when it names no user.
//
// # Mapping
//
// The Security Lake team's OCSF 1.1.0 mapping table (ocsf/examples, mappings/markdown/AWS/v1.1.0/EKS Audit
// Logs) with Amazon's output as the judge (AWS's validation sample, samples/1.1.0/EKS):
//
//   - metadata: product name "Amazon EKS", vendor_name "AWS", feature.name "Elastic Kubernetes Service",
//     version ← apiVersion; log_level ← level; profiles [cloud, datetime]; version "1.1.0".
//   - time, time_dt ← stageTimestamp (requestReceivedTimestamp when absent); start_time_dt ←
//     requestReceivedTimestamp; message ← stage; severity Informational; cloud.provider "AWS".
//   - activity ← verb: create → Create, get/list/watch → Read, update/patch → Update, delete/deletecollection →
//     Delete, others (proxy, impersonate, …) → Other; api.operation ← verb.
//   - api.request.uid ← auditID; api.version ← objectRef.apiVersion; api.group.name ← objectRef.apiGroup;
//     api.response.code ← responseStatus.code, message ← message, error ← reason, error_message ← status;
//     api.request.containers / api.response.containers ← requestObject / responseObject spec.containers (name;
//     image as image.name and image.uid — OCSF requires image.uid, and the mapping table's concatenation of
//     the image with the volume mounts is not shown by any sample, so we do not guess at it).
//   - http_request.url.path ← requestURI, user_agent ← userAgent.
//   - actor.user: name ← user.username, uid ← user.uid, groups[].name ← user.groups[], type_id 0 (Amazon's
//     constant); actor.session: credential_uid ← user.extra.accessKeyId[0], issuer ← canonicalArn[0], uid ←
//     sessionName[0]; cloud.account.uid ← user.extra.arn[0] (an ARN, as Amazon writes it).
//   - src_endpoint.ip ← sourceIPs[0], intermediate_ips ← the others.
//   - resources[0]: name, namespace, uid, version ← objectRef.resourceVersion, type ← objectRef.resource, with
//     "/" and the subresource when there is one (pods/exec). A request on a collection (no name or uid: list
//     pods) has no resource — OCSF names a resource by name or uid — and keeps objectRef.resource and
//     namespace under unmapped.
//   - observables: actor.user.name, src_endpoint.ip, http_request.url.path (and resources[].uid), in that order.
//   - unmapped: every other member under its path (kind, annotations.*, requestObject.*, responseObject.*,
//     impersonatedUser.*, other user.extra keys…), and sourceIPs[] as Amazon's sample keeps them.
//
// # Agreement with Amazon
//
// TestAmazonEquality feeds the input of Amazon's EKS sample (the Security Lake team's eks.raw) and compares
// our event field by field with Amazon's two renderings of its output (the team's eks.ocsf, and AWS's
// validation sample samples/1.1.0/EKS, the same event read back from Security Lake's Parquet): we write 348 of
// Amazon's 352 fields with Amazon's value (98.9%; the 122 unmapped fields included), and no field Amazon's events
// lack. The differences:
//
//   - src_endpoint.ip and the observable of it: the anonymized input has "12.000.22.33", which Amazon copies;
//     an IPv4 address with leading zeros is not a valid ip_t, so we read the octets as decimal and write
//     "12.0.22.33" (sourceIPs[] under unmapped keeps the text as written).
package eksaudit

import (
	"context"
	"fmt"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/jsonrec"
)

// Product is metadata.product.name of the events.
const Product = "Amazon EKS"

// Table is the Security Lake table of the events.
const Table = "eks_audit"

// Source is the EKS audit log source.
type Source struct{}

// New returns the EKS audit log source.
func New() *Source { return &Source{} }

// Info describes the source.
func (*Source) Info() source.Info {
	return source.Info{
		Name: "eksaudit", SecurityLake: "EKS_AUDIT", Version: "2.0", Product: Product,
		Classes: []int32{ocsf.ClassAPIActivity}, Tables: []string{Table},
		Summary: "Kubernetes audit events (audit.k8s.io/v1, EKS control plane logs; lines, arrays, EventLists) → API Activity 6003",
	}
}

// Normalize reads audit events and hands their events to sink (see source.Source).
func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
	c := source.NewCollector(ctx, sink, obj.Name)
	body, err := source.Open(obj.Body)
	if err != nil {
		return c.Counts(), fmt.Errorf("eksaudit: %w", err)
	}
	b := newBuilder(obj)
	recs := jsonrec.NewReader(body, "")
	var events []ocsf.Event
	for recs.Next() {
		why := rejection(recs.Bad())
		if recs.Truncated() {
			why = rejection(fmt.Sprintf("record longer than %d bytes", source.MaxRecord))
		}
		if why == "" {
			events, why = b.record(recs.Record(), events[:0])
		}
		switch {
		case why != "":
			err = c.SetAside(recs.Number(), string(why), recs.Record(), recs.Truncated())
		case len(events) == 0:
			c.Skip() // an empty EventList
		default:
			err = c.Event(Table, events[0])
			for _, ev := range events[1:] {
				if err == nil {
					err = c.More(Table, ev)
				}
			}
		}
		if err != nil {
			return c.Counts(), err
		}
	}
	c.AddBytes(recs.Bytes())
	if err := recs.Err(); err != nil {
		counts, _ := c.Close()
		return counts, fmt.Errorf("eksaudit: read %s: %w", obj.Name, err)
	}
	return c.Close()
}
