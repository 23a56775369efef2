package securityhub

import (
	"strings"

	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/source"
)

// first returns the first resource, and puts the others under unmapped as Resources[].… (OCSF 1.1.0's
// Compliance and Vulnerability Findings have one resource).
func first(fd *finding) *ocsf.ResourceDetails {
	if len(fd.resources) == 0 {
		return nil
	}
	for _, r := range fd.resources[1:] {
		if fd.unmapped == nil {
			fd.unmapped = map[string]string{}
		}
		source.Flatten(fd.unmapped, "Resources[]", map[string]any{"Type": r.Type, "Id": r.UID,
			"Partition": r.CloudPartition, "Region": r.Region})
	}
	return &fd.resources[0]
}

func complianceFinding(f source.Fields, fd *finding) *ocsf.ComplianceFinding {
	e := &ocsf.ComplianceFinding{Time: fd.time, TimeDT: ocsf.Datetime(fd.time), Status: fd.status, Message: fd.message,
		ConfidenceScore: fd.confidence, Metadata: fd.metadata, Cloud: fd.cloud, FindingInfo: fd.info,
		Remediation: fd.remediation, Resource: first(fd)}
	e.SetActivity(fd.activity)
	e.SetSeverity(fd.severity)
	e.Compliance = &ocsf.Compliance{}
	if c, ok := f.Object("Compliance"); ok {
		e.Compliance.Control = c.String("SecurityControlId")
		e.Compliance.Status = c.String("Status")
		e.Compliance.Requirements = c.Strings("RelatedRequirements")
		var details, codes []string
		for _, r := range c.Objects("StatusReasons") {
			details = append(details, r.String("Description"))
			codes = append(codes, r.String("ReasonCode"))
			fd.unmapped = r.Rest(fd.unmapped)
		}
		e.Compliance.StatusDetail = strings.Join(details, ",")
		e.Compliance.StatusCode = strings.Join(codes, ",")
		for _, s := range c.Objects("AssociatedStandards") {
			e.Compliance.Standards = append(e.Compliance.Standards, s.String("StandardsId"))
			fd.unmapped = s.Rest(fd.unmapped)
		}
		fd.unmapped = c.Rest(fd.unmapped)
	}
	if len(e.Compliance.Standards) == 0 {
		// OCSF requires standards: older findings name theirs in ProductFields, and else the generator stands
		// for it.
		e.Compliance.Standards = []string{standardOf(f, fd)}
	}
	if e.Resource != nil {
		e.Observables = observables("resource.uid", []ocsf.ResourceDetails{*e.Resource})
	}
	e.Unmapped = f.Rest(fd.unmapped)
	return e
}

// standardOf names the standard of a finding without Compliance.AssociatedStandards: ProductFields'
// StandardsArn or StandardsGuideArn, else the GeneratorId.
func standardOf(f source.Fields, fd *finding) string {
	if pf, ok := f.Get("ProductFields").(map[string]any); ok {
		for _, k := range []string{"StandardsArn", "StandardsGuideArn"} {
			if s, ok := pf[k].(string); ok && s != "" {
				return s
			}
		}
	}
	if fd.metadata.Product.Feature != nil && fd.metadata.Product.Feature.UID != "" {
		return fd.metadata.Product.Feature.UID
	}
	return "unknown"
}

func vulnerabilityFinding(f source.Fields, fd *finding) *ocsf.VulnerabilityFinding {
	e := &ocsf.VulnerabilityFinding{Time: fd.time, TimeDT: ocsf.Datetime(fd.time), Status: fd.status, Message: fd.message,
		ConfidenceScore: fd.confidence, Metadata: fd.metadata, Cloud: fd.cloud, FindingInfo: fd.info, Resource: first(fd)}
	e.SetActivity(fd.activity)
	e.SetSeverity(fd.severity)
	for _, v := range f.Objects("Vulnerabilities") {
		// A vulnerability without an Id has no CVE, which OCSF's vulnerability needs: it stays under unmapped.
		if id, _ := v.Get("Id").(string); id != "" {
			e.Vulnerabilities = append(e.Vulnerabilities, vulnerability(v, fd))
		}
		fd.unmapped = v.Rest(fd.unmapped)
	}
	if e.Resource != nil {
		e.Observables = observables("resource.uid", []ocsf.ResourceDetails{*e.Resource})
	}
	e.Unmapped = f.Rest(fd.unmapped)
	return e
}

// vulnerability maps one of Vulnerabilities.
func vulnerability(v source.Fields, fd *finding) ocsf.Vulnerability {
	out := ocsf.Vulnerability{References: v.Strings("ReferenceUrls"), RelatedVulnerabilities: v.Strings("RelatedVulnerabilities"),
		Remediation: fd.remediation, IsFixAvailable: yes(v.String("FixAvailable")), IsExploitAvailable: yes(v.String("ExploitAvailable"))}
	cve := &ocsf.CVE{UID: v.String("Id")}
	for _, c := range v.Objects("Cvss") {
		if !present(c, "Version") || !present(c, "BaseScore") {
			// OCSF's CVSS needs its version and base score: a score without them stays under unmapped.
			fd.unmapped = c.Rest(fd.unmapped)
			continue
		}
		score, _ := c.Float("BaseScore")
		cve.CVSS = append(cve.CVSS, ocsf.CVSS{BaseScore: score, VectorString: c.String("BaseVector"), Version: c.String("Version")})
		fd.unmapped = c.Rest(fd.unmapped)
	}
	if s := v.String("EpssScore"); s != "" {
		cve.EPSS = &ocsf.EPSS{Score: s}
	}
	if vendor, ok := v.Object("Vendor"); ok {
		out.VendorName = vendor.String("Name")
		if u := vendor.String("Url"); u != "" {
			cve.References = []string{u}
		}
		if ms, ok := vendor.Time("VendorCreatedAt"); ok {
			cve.CreatedTimeDT = ocsf.Datetime(ms)
		}
		if ms, ok := vendor.Time("VendorUpdatedAt"); ok {
			cve.ModifiedTimeDT = ocsf.Datetime(ms)
		}
		fd.unmapped = vendor.Rest(fd.unmapped)
	}
	out.CVE = cve
	for _, p := range v.Objects("VulnerablePackages") {
		if !present(p, "Name") || !present(p, "Version") {
			// OCSF's affected package needs its name and version: a package without them stays under unmapped.
			fd.unmapped = p.Rest(fd.unmapped)
			continue
		}
		pkg := ocsf.AffectedPackage{Architecture: p.String("Architecture"), FixedInVersion: p.String("FixedInVersion"),
			Name: p.String("Name"), PackageManager: p.String("PackageManager"), Release: p.String("Release"),
			Version: p.String("Version"), Path: p.String("FilePath")}
		if n, ok := p.Int("Epoch", -1<<31, 1<<31-1); ok {
			epoch := int32(n)
			pkg.Epoch = &epoch
		}
		if r := p.String("Remediation"); r != "" {
			pkg.Remediation = &ocsf.Remediation{Desc: r}
		}
		out.AffectedPackages = append(out.AffectedPackages, pkg)
		fd.unmapped = p.Rest(fd.unmapped)
	}
	return out
}

// present reports whether a field is there with a value ("" is none).
func present(f source.Fields, key string) bool {
	switch x := f.Get(key).(type) {
	case nil:
		return false
	case string:
		return x != ""
	}
	return true
}

// yes reads ASFF's YES, NO and PARTIAL: a fix partly available is available.
func yes(s string) *bool {
	switch s {
	case "YES", "PARTIAL":
		return ocsf.Bool(true)
	case "NO":
		return ocsf.Bool(false)
	}
	return nil
}

func detectionFinding(f source.Fields, fd *finding) *ocsf.DetectionFinding {
	e := &ocsf.DetectionFinding{Time: fd.time, TimeDT: ocsf.Datetime(fd.time), Status: fd.status, Message: fd.message,
		ConfidenceScore: fd.confidence, Metadata: fd.metadata, Cloud: fd.cloud, FindingInfo: fd.info,
		Remediation: fd.remediation, Resources: fd.resources}
	e.SetActivity(fd.activity)
	e.SetSeverity(fd.severity)
	e.Observables = observables("resources[].uid", fd.resources)
	e.Unmapped = f.Rest(fd.unmapped)
	return e
}
