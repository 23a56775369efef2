package guardduty

import (
	"encoding/json"
	"unicode"
	"unicode/utf8"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// builder turns findings into events; one builder serves one call of Normalize.
type builder struct {
	obj      source.Object
	metadata map[[2]string]*ocsf.Metadata
	clouds   source.Clouds
}

// maxShared bounds the metadata objects a builder shares between events.
const maxShared = 256

// finding makes the event of one finding; it returns the reason when the finding cannot be normalized.
func (b *builder) finding(f source.Fields) (*ocsf.DetectionFinding, string) {
	e := &ocsf.DetectionFinding{}
	updated, okU := f.Time("updatedAt")
	created, _ := f.Time("createdAt")
	e.Time, e.TimeDT = updated, ocsf.Datetime(updated)
	e.SetActivity(2)
	if created == updated {
		e.SetActivity(1)
	}
	account, region, id := f.String("accountId"), f.String("region"), f.String("id")
	info := &ocsf.FindingInfo{UID: f.String("arn"), Title: f.String("title"), Desc: f.String("description"),
		CreatedTimeDT: ocsf.Datetime(created), ModifiedTimeDT: ocsf.Datetime(updated)}
	if t := f.String("type"); t != "" {
		info.Types = []string{t}
	}
	if id != "" && region != "" {
		info.SrcURL = "https://" + region + ".console.aws.amazon.com/guardduty/home?region=" + region +
			"#/findings?macros=current&fId=" + id
	}
	if info.UID == "" {
		info.UID = id
	}
	e.FindingInfo = info
	sev, okS := f.Float("severity")
	e.SetSeverity(severity(sev, okS))
	e.Cloud = b.clouds.Of(b.obj, account, region)
	partition := f.String("partition")
	schema := f.String("schemaVersion")
	e.Status = "New"
	var detector string
	if svc, ok := f.Object("service"); ok {
		if archived, _ := svc.Get("archived").(bool); archived {
			e.Status = "Archived"
		}
		detector = svc.String("detectorId")
		if ms, ok := svc.Time("eventFirstSeen"); ok {
			info.FirstSeenTimeDT = ocsf.Datetime(ms)
		}
		if ms, ok := svc.Time("eventLastSeen"); ok {
			info.LastSeenTimeDT = ocsf.Datetime(ms)
		}
		if action, ok := svc.Object("action"); ok {
			e.Evidences = evidences(action, &e.Unmapped)
			e.Unmapped = action.Rest(e.Unmapped)
		}
		e.Unmapped = svc.Rest(e.Unmapped)
	}
	e.Metadata = b.meta(schema, detectorARN(partition, region, account, detector))
	if res, ok := f.Get("resource").(map[string]any); ok {
		// A resource without an ID (an attack sequence's) cannot be an OCSF resource: it stays under unmapped.
		if r := resource(res, partition, region); r.UID != "" {
			f.Take("resource")
			e.Resources = []ocsf.ResourceDetails{r}
		}
	}
	nameEndpoints(e)
	if okS {
		e.Unmapped = addUnmapped(e.Unmapped, "severity", jsonText(sev))
	}
	e.Unmapped = f.Rest(e.Unmapped)
	switch {
	case f.Problem() != "":
		return nil, f.Problem()
	case !okU:
		return nil, "the finding has no updatedAt"
	case info.UID == "":
		return nil, "the finding has no id"
	case info.Title == "":
		return nil, "the finding has no title"
	}
	e.Observables = observables(e)
	return e, ""
}

// nameEndpoints gives the evidences' endpoints known by their port alone (the local side of a port probe) a name,
// as OCSF asks: the instance of the finding when it is about one, else the service "Unknown", as GuardDuty
// writes portName for a port it does not know.
func nameEndpoints(e *ocsf.DetectionFinding) {
	instance := ""
	if len(e.Resources) > 0 && e.Resources[0].Type == "Instance" {
		instance = e.Resources[0].UID
	}
	for i := range e.Evidences {
		for _, ep := range []*ocsf.NetworkEndpoint{e.Evidences[i].SrcEndpoint, e.Evidences[i].DstEndpoint} {
			if ep == nil || ep.IP != "" || ep.SvcName != "" || ep.InstanceUID != "" {
				continue
			}
			if instance != "" {
				ep.InstanceUID = instance
			} else {
				ep.SvcName = "Unknown"
			}
		}
	}
}

// severity ranks GuardDuty's severity (0.1–10) as GuardDuty's console does.
func severity(v float64, ok bool) int32 {
	switch {
	case !ok:
		return 0
	case v < 4:
		return 2
	case v < 7:
		return 3
	case v < 9:
		return 4
	}
	return 5
}

func detectorARN(partition, region, account, detector string) string {
	if detector == "" {
		return ""
	}
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":guardduty:" + region + ":" + account + ":detector/" + detector
}

// meta returns the metadata of a detector's findings, shared by the events of one call.
func (b *builder) meta(schema, detector string) *ocsf.Metadata {
	key := [2]string{schema, detector}
	if m, ok := b.metadata[key]; ok {
		return m
	}
	m := &ocsf.Metadata{LogVersion: schema, Profiles: []string{"cloud", "datetime"}, Version: ocsf.Version,
		Product: &ocsf.Product{Name: Product, VendorName: "Amazon"}}
	if detector != "" {
		m.Product.Feature = &ocsf.Feature{UID: detector}
	}
	if len(b.metadata) < maxShared {
		b.metadata[key] = m
	}
	return m
}

// resourceIDs are where a resource's ID is, by the details object that holds it.
var resourceIDs = []struct{ details, id string }{
	{"instanceDetails", "instanceId"}, {"accessKeyDetails", "accessKeyId"}, {"eksClusterDetails", "arn"},
	{"rdsDbInstanceDetails", "dbInstanceArn"},
	{"lambdaDetails", "functionArn"}, {"ecsClusterDetails", "arn"}, {"containerDetails", "id"},
}

// resource maps the finding's resource: its type and ID, and the whole object as data.
func resource(res map[string]any, partition, region string) ocsf.ResourceDetails {
	r := ocsf.ResourceDetails{CloudPartition: partition, Region: region}
	r.Type, _ = res["resourceType"].(string)
	for _, x := range resourceIDs {
		if d, ok := res[x.details].(map[string]any); ok {
			if id, ok := d[x.id].(string); ok && id != "" {
				r.UID = id
				break
			}
		}
	}
	if buckets, ok := res["s3BucketDetails"].([]any); ok && r.UID == "" && len(buckets) > 0 {
		if b, ok := buckets[0].(map[string]any); ok {
			r.UID, _ = b["arn"].(string)
		}
	}
	if data, err := json.Marshal(res); err == nil {
		if text, err := json.Marshal(string(data)); err == nil {
			r.Data = ocsf.JSON(text)
		}
	}
	return r
}

// observables lists the evidences' source addresses and the resources' IDs, in the order of Amazon's sample.
func observables(e *ocsf.DetectionFinding) []ocsf.Observable {
	var obs []ocsf.Observable
	for _, ev := range e.Evidences {
		if ev.SrcEndpoint != nil && ev.SrcEndpoint.IP != "" {
			obs = append(obs, ocsf.Observable{Name: "evidences[].src_endpoint.ip", Type: "IP Address", TypeID: 2, Value: ev.SrcEndpoint.IP})
		}
	}
	for _, r := range e.Resources {
		if r.UID != "" {
			obs = append(obs, ocsf.Observable{Name: "resources[].uid", Type: "Resource UID", TypeID: 10, Value: r.UID})
		}
	}
	return obs
}

func addUnmapped(m map[string]string, key, value string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[key] = value
	return m
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// camel turns GetFindings' PascalCase names (AccountId) into the export's camelCase (accountId), in every
// object of v.
func camel(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			if r, size := utf8.DecodeRuneInString(k); r != utf8.RuneError {
				k = string(unicode.ToLower(r)) + k[size:]
			}
			out[k] = camel(el)
		}
		return out
	case []any:
		for i, el := range x {
			x[i] = camel(el)
		}
		return x
	}
	return v
}
