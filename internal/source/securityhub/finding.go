package securityhub

import (
	"cmp"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// finding is what the three classes share, read from one ASFF finding.
type finding struct {
	activity    int32
	severity    int32
	time        int64
	status      string
	message     string
	confidence  *int32
	metadata    *ocsf.Metadata
	cloud       *ocsf.Cloud
	info        *ocsf.FindingInfo
	remediation *ocsf.Remediation
	resources   []ocsf.ResourceDetails
	unmapped    map[string]string
}

// severities are Severity.Label's values with OCSF's severity_id.
var severities = map[string]int32{"INFORMATIONAL": 1, "LOW": 2, "MEDIUM": 3, "HIGH": 4, "CRITICAL": 5}

// common reads the attributes every class has; it returns the reason when the finding cannot be normalized.
func (b *builder) common(f source.Fields, fd *finding) string {
	var ok bool
	if fd.time, ok = f.Time("UpdatedAt"); !ok && f.Problem() == "" {
		return "the finding has no UpdatedAt"
	}
	created, _ := f.Time("CreatedAt")
	fd.activity = 2
	if created == fd.time {
		fd.activity = 1
	}
	fd.info = &ocsf.FindingInfo{UID: f.String("Id"), SrcURL: f.String("SourceUrl"), Types: f.Strings("Types"),
		Title: f.String("Title"), Desc: f.String("Description"),
		CreatedTimeDT: ocsf.Datetime(created), ModifiedTimeDT: ocsf.Datetime(fd.time)}
	if ms, ok := f.Time("FirstObservedAt"); ok {
		fd.info.FirstSeenTimeDT = ocsf.Datetime(ms)
	}
	if ms, ok := f.Time("LastObservedAt"); ok {
		fd.info.LastSeenTimeDT = ocsf.Datetime(ms)
	}
	if sev, ok := f.Object("Severity"); ok {
		fd.severity = severities[strings.ToUpper(sev.String("Label"))]
		fd.unmapped = sev.Rest(fd.unmapped)
	}
	if wf, ok := f.Object("Workflow"); ok {
		fd.status = caption(wf.String("Status"))
		fd.unmapped = wf.Rest(fd.unmapped)
	}
	if note, ok := f.Object("Note"); ok {
		fd.message = note.String("Text")
		fd.unmapped = note.Rest(fd.unmapped)
	}
	if c, ok := f.Int("Confidence", 0, 100); ok {
		v := int32(c)
		fd.confidence = &v
	}
	if rem, ok := f.Object("Remediation"); ok {
		if rec, ok := rem.Object("Recommendation"); ok {
			// OCSF's remediation needs its text: a recommendation without one stays under unmapped.
			if text, _ := rec.Get("Text").(string); text != "" {
				fd.remediation = &ocsf.Remediation{Desc: rec.String("Text")}
				if u := rec.String("Url"); u != "" {
					fd.remediation.References = []string{u}
				}
			}
			fd.unmapped = rec.Rest(fd.unmapped)
		}
		fd.unmapped = rem.Rest(fd.unmapped)
	}
	switch {
	case fd.info.UID == "" && f.Problem() == "":
		return "the finding has no Id"
	case fd.info.Title == "" && f.Problem() == "":
		return "the finding has no Title"
	}
	fd.metadata = b.meta(f)
	fd.cloud = b.clouds.Of(b.obj, f.String("AwsAccountId"), f.String("Region"))
	criticality := ""
	if c, ok := f.Int("Criticality", 0, 100); ok {
		criticality = strconv.FormatInt(c, 10)
	}
	for _, r := range f.Objects("Resources") {
		// A resource without an Id cannot be an OCSF resource: it stays under unmapped.
		if id, _ := r.Get("Id").(string); id != "" {
			fd.resources = append(fd.resources, resource(r, criticality))
		}
		fd.unmapped = r.Rest(fd.unmapped)
	}
	return ""
}

// resource maps one of Resources.
func resource(r source.Fields, criticality string) ocsf.ResourceDetails {
	res := ocsf.ResourceDetails{Type: r.String("Type"), UID: r.String("Id"), CloudPartition: r.String("Partition"),
		Region: r.String("Region"), Criticality: criticality}
	if tags, ok := r.Object("Tags"); ok {
		for _, k := range tags.Keys() {
			res.Labels = append(res.Labels, k+":"+tags.String(k))
		}
	}
	if details := r.Take("Details"); details != nil {
		// Security Lake writes the details as JSON text in a string (the table's data column is a string).
		if data, err := json.Marshal(details); err == nil {
			if text, err := json.Marshal(string(data)); err == nil {
				res.Data = ocsf.JSON(text)
			}
		}
	}
	return res
}

// meta returns the metadata of a finding's product, shared between the findings of one call.
func (b *builder) meta(f source.Fields) *ocsf.Metadata {
	version := ""
	if pf, ok := f.Get("ProductFields").(map[string]any); ok {
		for k, v := range pf {
			if s, ok := v.(string); ok && (k == "ProductVersion" || strings.HasSuffix(k, "/ProductVersion")) {
				version = s
				delete(pf, k)
				break
			}
		}
	}
	key := [6]string{f.String("SchemaVersion"), f.String("ProductName"), f.String("ProductArn"), f.String("CompanyName"),
		f.String("GeneratorId"), version}
	if key[1] == "" || key[3] == "" {
		// Security Hub fills the names in from the product's ARN (…:product/<company>/<product>); OCSF requires
		// them.
		_, names, _ := strings.Cut(key[2], ":product/")
		company, product, _ := strings.Cut(names, "/")
		key[1], key[3] = cmp.Or(key[1], product, "Unknown"), cmp.Or(key[3], company, "Unknown")
	}
	processed, _ := f.Time("ProcessedAt")
	if m, ok := b.metadata[key]; ok && m.ProcessedTimeDT == ocsf.Datetime(processed) {
		return m
	}
	m := &ocsf.Metadata{LogVersion: key[0], Profiles: []string{"cloud", "datetime"}, Version: ocsf.Version,
		ProcessedTimeDT: ocsf.Datetime(processed),
		Product:         &ocsf.Product{Name: key[1], UID: key[2], VendorName: key[3], Version: version}}
	if key[4] != "" {
		m.Product.Feature = &ocsf.Feature{UID: key[4]}
	}
	if len(b.metadata) < maxShared {
		b.metadata[key] = m
	}
	return m
}

// caption turns an ASFF enum value into a caption: NEW → New, IN_PROGRESS → In Progress.
func caption(s string) string {
	words := strings.Split(strings.ToLower(s), "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// observables lists the resources' UIDs, named by where they are in the event.
func observables(name string, resources []ocsf.ResourceDetails) []ocsf.Observable {
	var obs []ocsf.Observable
	for _, r := range resources {
		if r.UID != "" {
			obs = append(obs, ocsf.Observable{Name: name, Type: "Resource UID", TypeID: 10, Value: r.UID})
		}
	}
	return obs
}
