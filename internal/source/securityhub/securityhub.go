// Package securityhub normalizes AWS Security Hub findings (ASFF) into OCSF 1.1.0 findings, as Security
// Lake's SH_FINDINGS source version 2.0 splits them: Vulnerability Finding (2002), Compliance Finding (2003) and
// Detection Finding (2004), all in the sh_findings table.
//
// # Input
//
// Findings in AWS Security Finding Format, gzip or plain, as any of: bare findings (one JSON object per line,
// or pretty-printed one after the other), {"Findings": […]} (BatchImportFindings' request, GetFindings'
// response; read element by element, so a file of any size is read in bounded memory), a top-level array of
// findings, and EventBridge events "Security Hub Findings - Imported" (and the other Security Hub detail types)
// whose detail.findings holds the findings. A finding is set aside, with the reason, when it is not a JSON
// object, when a field has the wrong type, when it has no UpdatedAt, or when it is longer than
// source.MaxRecord. An EventBridge event from another source, or without findings (Security Hub Insight
// Results), is skipped (counted).
//
// # Mapping
//
// The Security Lake team's OCSF 1.1.0 mapping tables for Security Hub (ocsf/examples, mappings/markdown/AWS/
// v1.1.0/Security Hub/{Vulnerability,Compliance,Detection} Finding) and their samples, with Amazon's output as
// the judge:
//
//   - class: a finding with Vulnerabilities (one at least with an Id: OCSF's vulnerability needs its CVE) is a
//     Vulnerability Finding; one with Compliance, or from Security Hub's own controls (product
//     …/aws/securityhub), a Compliance Finding; every other one (GuardDuty, Macie, third parties, Inspector's
//     findings without a CVE) a Detection Finding.
//   - activity Create (1) when CreatedAt equals UpdatedAt, Update (2) otherwise; time, time_dt ← UpdatedAt;
//     severity ← Severity.Label (INFORMATIONAL … CRITICAL → 1 … 5); status ← Workflow.Status as a caption
//     (NEW → New); message ← Note.Text; confidence_score ← Confidence.
//   - metadata: log_version ← SchemaVersion, processed_time_dt ← ProcessedAt, product.name ← ProductName,
//     product.uid ← ProductArn, product.vendor_name ← CompanyName (name and vendor_name from ProductArn's
//     …:product/<company>/<product> when the finding lacks them, as Security Hub fills them in), product.feature.uid ← GeneratorId,
//     product.version ← ProductFields' …/ProductVersion; profiles [cloud, datetime]; version "1.1.0".
//   - cloud: provider "AWS", account.uid ← AwsAccountId, region ← Region.
//   - finding_info: uid ← Id, src_url ← SourceUrl, types ← Types, title ← Title, desc ← Description,
//     created_time_dt ← CreatedAt, modified_time_dt ← UpdatedAt, first_seen_time_dt ← FirstObservedAt,
//     last_seen_time_dt ← LastObservedAt. RelatedFindings stay under unmapped: OCSF's related_event carries a
//     type_uid that the sh_findings table has no column for, and the findings do not give one.
//   - Resources[] (type, uid, cloud_partition, region, labels "key:value" ← Tags, data ← Details as JSON,
//     criticality ← Criticality): the Detection Finding's resources[]; Compliance and Vulnerability Findings
//     have one resource in OCSF 1.1.0, the first, and the others go under unmapped (Resources[].…), as does a
//     resource without an Id (OCSF needs a resource's uid or name).
//   - remediation ← Remediation.Recommendation (desc ← Text, references ← Url); a Vulnerability Finding has
//     none of its own in 1.1.0, and it goes to each vulnerability's remediation.
//   - compliance: control ← Compliance.SecurityControlId, status ← Status, requirements ←
//     RelatedRequirements, status_detail and status_code ← StatusReasons[].Description and .ReasonCode
//     (comma-joined), standards ← AssociatedStandards[].StandardsId (OCSF requires standards: without them,
//     ProductFields' StandardsArn or StandardsGuideArn, else GeneratorId).
//   - vulnerabilities[] ← Vulnerabilities[]: cve.uid ← Id, cve.cvss[] ← Cvss[] (base_score, vector_string ←
//     BaseVector, version), cve.epss.score ← EpssScore, cve.created_time_dt and modified_time_dt ←
//     Vendor.VendorCreatedAt and VendorUpdatedAt, cve.references ← Vendor.Url, references ← ReferenceUrls,
//     related_vulnerabilities, vendor_name ← Vendor.Name, is_fix_available and is_exploit_available ←
//     FixAvailable and ExploitAvailable (YES and PARTIAL are true), affected_packages[] ←
//     VulnerablePackages[].
//   - observables: each resource's uid (Resource UID), as resource.uid or resources[].uid.
//   - unmapped: every other field (ProductFields, FindingProviderFields, RecordState, WorkflowState, the
//     Severity fields other than Label, …), flattened as source.Flatten does.
//     An EventBridge event's own fields (id, time, account, region, resources) describe the delivery, not the
//     finding, and are not kept.
//
// # Agreement with Amazon
//
// TestAmazonEquality compares our events with the Security Lake team's three 1.1.0 samples (one per class)
// field by field: we write 212 of Amazon's 232 fields with Amazon's value (91.4%; the Compliance and
// Vulnerability samples entirely). The differences, all in the Detection sample: its evidences (Amazon derives
// them from GuardDuty's ProductFields: we keep those under unmapped, so its unmapped differs too, and its
// observables list no evidence address), and its metadata.extensions and "linux" profile (a linux extension
// that the finding does not use). AWS's validation samples for SH_FINDINGS are OCSF 1.0.0-rc.2 Security
// Findings (2001), a class source version 2.0 no longer writes: they are not compared.
package securityhub

import (
	"context"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// Table is the Security Lake table of the events.
const Table = "sh_findings"

// Source is the Security Hub findings source.
type Source struct{}

// New returns the Security Hub findings source.
func New() *Source { return &Source{} }

// Info describes the source.
func (*Source) Info() source.Info {
	return source.Info{
		Name: "securityhub", SecurityLake: "SH_FINDINGS", Version: "2.0", Product: "Security Hub",
		Classes: []int32{ocsf.ClassVulnerabilityFinding, ocsf.ClassComplianceFinding, ocsf.ClassDetectionFinding},
		Tables:  []string{Table},
		Summary: "Security Hub findings (ASFF: bare, {\"Findings\":[…]}, EventBridge events) → Vulnerability 2002, Compliance 2003, Detection 2004",
	}
}

// builder turns findings into events; one builder serves one call of Normalize.
type builder struct {
	obj      source.Object
	metadata map[[6]string]*ocsf.Metadata
	clouds   source.Clouds
}

// maxShared bounds the metadata and cloud objects a builder shares between events.
const maxShared = 256

// Normalize reads a file of findings and hands its events to sink (see source.Source).
func (*Source) Normalize(ctx context.Context, obj source.Object, sink source.Sink) (source.Counts, error) {
	b := &builder{obj: obj, metadata: map[[6]string]*ocsf.Metadata{}}
	return source.EachJSON(ctx, obj, sink, "securityhub", []string{"Findings"}, b.record)
}

// record normalizes one record: a finding, or an EventBridge event holding findings.
func (b *builder) record(c *source.Collector, n int64, rec []byte) error {
	f, err := source.DecodeFields(rec)
	if err != nil {
		return c.SetAside(n, err.Error(), rec, false)
	}
	if !f.Has("detail-type") && !f.Has("detail") {
		ev, why := b.finding(f)
		if why != "" {
			return c.SetAside(n, why, rec, false)
		}
		return c.Event(Table, ev)
	}
	// An EventBridge event: its findings are in detail.findings.
	if src := f.String("source"); src != "aws.securityhub" {
		c.Skip()
		return nil
	}
	detail, _ := f.Object("detail")
	findings := detail.Objects("findings")
	if why := f.Problem(); why != "" {
		return c.SetAside(n, why, rec, false)
	}
	if len(findings) == 0 {
		// Insight results, custom actions without findings: no finding to map.
		c.Skip()
		return nil
	}
	for i, fd := range findings {
		ev, why := b.finding(source.FieldsOf(fd.Map()))
		switch {
		case why != "" && i == 0:
			err = c.SetAside(n, why, rec, false)
		case why != "":
			// The event was counted with its first finding; a later bad one is set aside with it.
			err = c.SetAside(n, fmt.Sprintf("finding %d: %s", i+1, why), rec, false)
		case i == 0:
			err = c.Event(Table, ev)
		default:
			err = c.More(Table, ev)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// finding makes the event of one finding; it returns the reason when the finding cannot be normalized.
func (b *builder) finding(f source.Fields) (ocsf.Event, string) {
	class := classOf(f)
	var fd finding
	if why := b.common(f, &fd); why != "" {
		return nil, why
	}
	var ev ocsf.Event
	switch class {
	case ocsf.ClassComplianceFinding:
		ev = complianceFinding(f, &fd)
	case ocsf.ClassVulnerabilityFinding:
		ev = vulnerabilityFinding(f, &fd)
	default:
		ev = detectionFinding(f, &fd)
	}
	if why := f.Problem(); why != "" {
		return nil, why
	}
	return ev, ""
}

// hasCVE reports whether Vulnerabilities has a vulnerability with an Id (OCSF's vulnerability needs its CVE).
func hasCVE(v any) bool {
	list, _ := v.([]any)
	for _, el := range list {
		if m, ok := el.(map[string]any); ok {
			if id, ok := m["Id"].(string); ok && id != "" {
				return true
			}
		}
	}
	return false
}

// classOf chooses the finding's class, as Security Lake does from ProductArn and the finding's content.
func classOf(f source.Fields) int32 {
	arn, _ := f.Get("ProductArn").(string)
	switch {
	case hasCVE(f.Get("Vulnerabilities")):
		return ocsf.ClassVulnerabilityFinding
	case f.Has("Compliance") || strings.HasSuffix(arn, "/aws/securityhub"):
		return ocsf.ClassComplianceFinding
	}
	return ocsf.ClassDetectionFinding
}
