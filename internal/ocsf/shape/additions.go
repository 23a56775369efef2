package shape

import (
	"fmt"
	"strings"
)

// addition is a column that Amazon's published output shows and the notes lack.
type addition struct {
	// path is the column's dotted path; a path through an array<struct> names its elements' fields.
	path, typ string
	// sample names the Amazon output that shows the column.
	sample string
}

// additions lists, per table, the columns added to the notes' and why. A source engineer who finds another
// column in Amazon's output adds it here with the sample that shows it.
var additions = map[string][]addition{
	// CloudTrail's sourceIPAddress is a service's name for calls AWS makes ("AWS Internal",
	// "cloudtrail.amazonaws.com"): Amazon's mapping writes it to src_endpoint.domain, which alone does not
	// satisfy OCSF's network_endpoint constraint (at least one of ip, uid, name, hostname, svc_name, …), so the
	// cloudtrail source also writes it as svc_name.
	"cloud_trail_mgmt": {{"src_endpoint.svc_name", "string", cloudTrailCaller}},
	"s3_data":          {{"src_endpoint.svc_name", "string", cloudTrailCaller}},
	"lambda_execution": {{"src_endpoint.svc_name", "string", cloudTrailCaller}},
	// The notes nest evidences' api and src_endpoint under evidences.actor; Amazon's GuardDuty finding through
	// Security Hub has them on the evidence itself, as OCSF's evidences object does.
	"sh_findings": {
		{"evidences.api.operation", "string", guardDutySample},
		{"evidences.api.service.name", "string", guardDutySample},
		{"evidences.src_endpoint.ip", "string", guardDutySample},
		{"evidences.src_endpoint.location.city", "string", guardDutySample},
		{"evidences.src_endpoint.location.country", "string", guardDutySample},
		{"evidences.src_endpoint.location.coordinates", "array<decimal(9,6)>", guardDutySample},
	},
}

const cloudTrailCaller = "OCSF 1.1.0 network_endpoint constraint, for CloudTrail events whose caller is an AWS " +
	"service (see package cloudtrail)"

const guardDutySample = "ocsf/examples mappings/markdown/AWS/v1.1.0/Security Hub/Detection Finding/samples/sechub-guardduty.ocsf"

// add adds the columns of list to the table, creating the structs on their paths.
func (t *Table) add(list []addition) error {
	for _, a := range list {
		parts := strings.Split(a.path, ".")
		fields := &t.Columns
		for i, name := range parts {
			var c *Column
			for _, f := range *fields {
				if f.Name == name {
					c = f
				}
			}
			last := i == len(parts)-1
			if c == nil {
				c = &Column{Name: name, Optional: true, Added: a.sample}
				if last {
					if err := c.setType(a.typ, nil); err != nil {
						return fmt.Errorf("addition %s: %w", a.path, err)
					}
				} else {
					c.Kind = Struct
				}
				*fields = append(*fields, c)
			} else if last {
				return fmt.Errorf("addition %s: the notes have it already", a.path)
			}
			switch {
			case c.Kind == Array && c.Elem != nil && c.Elem.Kind == Struct:
				fields = &c.Elem.Fields
			case c.Kind == Struct:
				fields = &c.Fields
			case !last:
				return fmt.Errorf("addition %s: %s is a %s, not a struct", a.path, name, c.Kind)
			}
		}
	}
	return nil
}
