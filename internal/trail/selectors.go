package trail

import (
	"slices"
	"strings"
	"time"
)

// Limits of basic event selectors.
const (
	maxSelectors     = 5
	maxDataResources = 250
)

// dataTypes are the resource types basic event selectors take, with the value that selects all of them.
var dataTypes = map[string]string{
	"AWS::S3::Object":       "arn:aws:s3",
	"AWS::Lambda::Function": "arn:aws:lambda",
	"AWS::DynamoDB::Table":  "arn:aws:dynamodb",
}

// excludableSources are the sources ExcludeManagementEventSources may name.
var excludableSources = []string{"kms.amazonaws.com", "rdsdata.amazonaws.com"}

// normalizeSelectors validates selectors as PutEventSelectors does and fills in their defaults.
func normalizeSelectors(in []EventSelector) ([]EventSelector, error) {
	if len(in) == 0 || len(in) > maxSelectors {
		return nil, errInvalidSelectors("A trail can have 1 to %d event selectors; %d were given.", maxSelectors, len(in))
	}
	out := make([]EventSelector, len(in))
	total := 0
	for i, sel := range in {
		switch sel.ReadWriteType {
		case "":
			sel.ReadWriteType = All
		case ReadOnly, WriteOnly, All:
		default:
			return nil, errInvalidSelectors("Invalid ReadWriteType %q: it must be ReadOnly, WriteOnly or All.", sel.ReadWriteType)
		}
		if sel.IncludeManagementEvents == nil {
			yes := true
			sel.IncludeManagementEvents = &yes
		}
		for _, src := range sel.ExcludeManagementEventSources {
			if !slices.Contains(excludableSources, src) {
				return nil, errInvalidSelectors("Invalid ExcludeManagementEventSources value %q: it may name only %s.", src, strings.Join(excludableSources, " and "))
			}
		}
		for _, dr := range sel.DataResources {
			if err := validDataResource(dr); err != nil {
				return nil, err
			}
			total += len(dr.Values)
		}
		out[i] = sel
	}
	if total > maxDataResources {
		return nil, errInvalidSelectors("A trail can have up to %d data resources; %d were given.", maxDataResources, total)
	}
	return out, nil
}

func validDataResource(dr DataResource) error {
	all, ok := dataTypes[dr.Type]
	if !ok {
		return errInvalidSelectors("Invalid DataResource type %q: basic event selectors take AWS::S3::Object, AWS::Lambda::Function and AWS::DynamoDB::Table.", dr.Type)
	}
	for _, v := range dr.Values {
		if v == all {
			continue
		}
		ok := strings.HasPrefix(v, all+":")
		if dr.Type == "AWS::S3::Object" {
			bucket, _, slash := strings.Cut(strings.TrimPrefix(v, "arn:aws:s3:::"), "/")
			ok = strings.HasPrefix(v, "arn:aws:s3:::") && bucket != "" && slash
		}
		if !ok {
			return errInvalidSelectors("Value %s for parameter DataResources.Values is invalid: give %s, or ARNs of %s resources (for S3 objects, arn:aws:s3:::bucket/ with an optional key prefix).", v, all, dr.Type)
		}
	}
	return nil
}

// record is what selection and delivery read from a record.
type record struct {
	EventTime          time.Time `json:"eventTime"`
	EventSource        string    `json:"eventSource"`
	AWSRegion          string    `json:"awsRegion"`
	ReadOnly           bool      `json:"readOnly"`
	EventCategory      string    `json:"eventCategory"`
	RecipientAccountID string    `json:"recipientAccountId"`
	Resources          []struct {
		Type string `json:"type"`
		ARN  string `json:"ARN"`
	} `json:"resources"`
}

// selects reports whether trail t delivers record r: one of its account's, in its region (or any region
// for a multi-region trail), global services' events only with IncludeGlobalServiceEvents, and matched by
// one of its event selectors.
func (s *Service) selects(t *Trail, r *record) bool {
	if r.RecipientAccountID != t.Account || !t.IsMultiRegionTrail && r.AWSRegion != t.HomeRegion {
		return false
	}
	if s.global[r.EventSource] && !t.IncludeGlobalServiceEvents {
		return false
	}
	for i := range t.EventSelectors {
		if t.EventSelectors[i].matches(r) {
			return true
		}
	}
	return false
}

// matches reports whether the selector selects r.
func (sel *EventSelector) matches(r *record) bool {
	switch {
	case sel.ReadWriteType == ReadOnly && !r.ReadOnly, sel.ReadWriteType == WriteOnly && r.ReadOnly:
		return false
	case r.EventCategory == "Data":
		for _, dr := range sel.DataResources {
			if dr.selects(r) {
				return true
			}
		}
		return false
	}
	return (sel.IncludeManagementEvents == nil || *sel.IncludeManagementEvents) &&
		!slices.Contains(sel.ExcludeManagementEventSources, r.EventSource)
}

// selects reports whether a data resource covers one of r's resources.
func (dr *DataResource) selects(r *record) bool {
	for _, res := range r.Resources {
		if res.Type != dr.Type {
			continue
		}
		for _, v := range dr.Values {
			if v == dataTypes[dr.Type] || strings.HasPrefix(res.ARN, v) {
				return true
			}
		}
	}
	return false
}
