// Package ocsf holds OCSF 1.1.0 events as Go values and checks events against the schema.
//
// # Events
//
// Every OCSF 1.1.0 object and event class has a Go struct here, generated from the schema by tools/ocsfgen
// (zz_*.go; `go generate ./internal/ocsf`): NetworkActivity (4001), APIActivity (6003), Authentication (3002),
// DetectionFinding (2004) and the rest, and NetworkEndpoint, Cloud, Metadata and the other objects. Field names
// follow the attribute names (src_endpoint → SrcEndpoint, type_uid → TypeUID) and carry JSON and Parquet tags
// with OCSF's names, so an event encodes as OCSF JSON with encoding/json and writes as a Parquet row by name.
// The rules of the field types:
//
//   - objects are pointers, arrays are slices; nil is absent;
//   - strings are values, "" is absent;
//   - time attributes (timestamp_t) are int64 milliseconds since the epoch and datetime attributes (the
//     datetime profile's *_dt) are Datetime, also milliseconds, encoded as RFC 3339 text in JSON and as a
//     millisecond TIMESTAMP in Parquet, as Security Lake writes them; 0 is absent;
//   - other numbers and booleans are values when the attribute is required (activity_id, severity_id) and
//     pointers otherwise, so that an optional 0 or false (an ICMP port 0, DNS rcode_id 0 "NoError", mfa false)
//     is kept and told apart from a value the source did not have (Int32, Int64, Bool and Float64 make them; a
//     Slab hands them out without an allocation each);
//   - unmapped (OCSF type object) is a map[string]string, as Security Lake's tables store it;
//   - json_t attributes are JSON: raw JSON text.
//
// Each class has SetActivity, which sets class_uid, class_name, category_uid, category_name, activity_id,
// activity_name, type_uid and type_name together, and SetSeverity. Some objects refer to themselves
// (process.parent_process), so the types are recursive: a Parquet writer must be given the table's schema
// (internal/ocsf/shape) rather than derive one from the type (parquet.NewGenericWriter[any] with the table
// schema; parquet-go recurses forever deriving a schema from a recursive type).
//
// # Validation
//
// Validate and ValidateJSON check an event against its class and the profiles it declares and report every
// problem with the path of the field: see validate.go.
package ocsf

//go:generate go run ../../tools/ocsfgen -out .

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Event is an OCSF event: a pointer to one of the generated class structs.
type Event interface {
	// EventClass returns the class_uid of the event's class.
	EventClass() int32
}

// Datetime is a datetime_t attribute: milliseconds since the Unix epoch, in UTC. It encodes in JSON as RFC 3339
// text with milliseconds ("2022-04-12T00:02:12.000Z") and in Parquet as an int64 for a millisecond TIMESTAMP
// column. Zero is absent.
type Datetime int64

// DatetimeOf returns the Datetime of t, to the millisecond.
func DatetimeOf(t time.Time) Datetime { return Datetime(t.UnixMilli()) }

// Time returns d as a time in UTC.
func (d Datetime) Time() time.Time { return time.UnixMilli(int64(d)).UTC() }

// datetimeLayout is how Security Lake writes datetimes in its JSON renderings.
const datetimeLayout = "2006-01-02T15:04:05.000Z07:00"

// AppendText appends d in RFC 3339 form with milliseconds, in UTC.
func (d Datetime) AppendText(b []byte) ([]byte, error) {
	return d.Time().AppendFormat(b, datetimeLayout), nil
}

// MarshalJSON encodes d as an RFC 3339 string.
func (d Datetime) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(b, '"')
	b, _ = d.AppendText(b)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes an RFC 3339 string, or a number of milliseconds.
func (d *Datetime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] != '"' {
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return errors.New("ocsf: a datetime is an RFC 3339 string")
		}
		*d = Datetime(n)
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*d = DatetimeOf(t)
	return nil
}

// JSON is a json_t attribute: any JSON value, kept as its text. An empty JSON is absent.
type JSON string

// MarshalJSON writes the JSON text as it is, or as a JSON string when it is not valid JSON.
func (j JSON) MarshalJSON() ([]byte, error) {
	if json.Valid([]byte(j)) {
		return []byte(j), nil
	}
	return json.Marshal(string(j))
}

// UnmarshalJSON keeps the JSON text.
func (j *JSON) UnmarshalJSON(b []byte) error {
	*j = JSON(b)
	return nil
}

// Int32 returns a pointer to v, for optional integer attributes.
func Int32(v int32) *int32 { return &v }

// Int64 returns a pointer to v, for optional long attributes.
func Int64(v int64) *int64 { return &v }

// Float64 returns a pointer to v, for optional float attributes.
func Float64(v float64) *float64 { return &v }

// Bool returns a pointer to v, for optional boolean attributes.
func Bool(v bool) *bool { return &v }

// actionIDs are the action_id values of the security_control profile, for events to share.
var actionIDs = [...]int32{0, 1, 2, 99}

// ActionID returns a pointer to action_id id (0 Unknown, 1 Allowed, 2 Denied, 99 Other), shared between
// events without an allocation: events are read-only. action_id is a pointer because only the
// security_control profile requires it, and events without the profile leave it out.
func ActionID(id int32) *int32 {
	switch id {
	case 0, 1, 2:
		return &actionIDs[id]
	case 99:
		return &actionIDs[3]
	}
	return Int32(id)
}
