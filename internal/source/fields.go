package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"time"
)

// Fields is a JSON record decoded for a source that maps it field by field: each Take removes a field, so
// that what is left at the end goes under unmapped (Rest), and the first problem with a field's type is kept
// (Problem) for the record to be set aside with. Numbers are kept as written (json.Number).
type Fields struct {
	m       map[string]any
	prefix  string
	problem *string
}

// DecodeFields decodes a record that must be a JSON object.
func DecodeFields(b []byte) (Fields, error) {
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return Fields{}, fmt.Errorf("not a JSON object")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return Fields{}, fmt.Errorf("not valid JSON: %v", err)
	}
	if m == nil {
		return Fields{}, fmt.Errorf("not a JSON object")
	}
	if d.More() {
		return Fields{}, fmt.Errorf("not valid JSON: more after the object")
	}
	return FieldsOf(m), nil
}

// FieldsOf returns the fields of a decoded object.
func FieldsOf(m map[string]any) Fields {
	var p string
	return Fields{m: m, problem: &p}
}

// Problem returns the first problem found with a field taken, "" when there is none.
func (f Fields) Problem() string {
	if f.problem == nil {
		return ""
	}
	return *f.problem
}

func (f Fields) fail(key, format string, args ...any) {
	if f.problem != nil && *f.problem == "" {
		*f.problem = f.prefix + key + " " + fmt.Sprintf(format, args...)
	}
}

// Has reports whether the field is present and not null.
func (f Fields) Has(key string) bool { return f.m[key] != nil }

// Map returns the fields not taken yet, as decoded.
func (f Fields) Map() map[string]any { return f.m }

// Get returns a field's value without taking it, nil when absent.
func (f Fields) Get(key string) any { return f.m[key] }

// Keys returns the names of the fields not taken yet, sorted.
func (f Fields) Keys() []string {
	keys := make([]string, 0, len(f.m))
	for k := range f.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Take removes a field and returns its value, nil when absent.
func (f Fields) Take(key string) any {
	v, ok := f.m[key]
	if ok {
		delete(f.m, key)
	}
	return v
}

// String takes a field that is a string (numbers and booleans as written); "" when absent or null.
func (f Fields) String(key string) string {
	switch x := f.Take(key).(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	default:
		f.fail(key, "is not a string")
		return ""
	}
}

// Object takes a field that is an object; ok is false when it is absent or null.
func (f Fields) Object(key string) (Fields, bool) {
	switch x := f.Take(key).(type) {
	case nil:
		return Fields{}, false
	case map[string]any:
		return Fields{m: x, prefix: f.prefix + key + ".", problem: f.problem}, true
	default:
		f.fail(key, "is not an object")
		return Fields{}, false
	}
}

// Objects takes a field that is an array of objects (a single object counts as an array of one).
func (f Fields) Objects(key string) []Fields {
	var out []Fields
	switch x := f.Take(key).(type) {
	case nil:
	case map[string]any:
		out = append(out, Fields{m: x, prefix: f.prefix + key + ".", problem: f.problem})
	case []any:
		for _, el := range x {
			m, ok := el.(map[string]any)
			if !ok {
				f.fail(key, "is not an array of objects")
				return nil
			}
			out = append(out, Fields{m: m, prefix: f.prefix + key + "[].", problem: f.problem})
		}
	default:
		f.fail(key, "is not an array of objects")
	}
	return out
}

// Strings takes a field that is an array of strings (a single string counts as an array of one).
func (f Fields) Strings(key string) []string {
	var out []string
	switch x := f.Take(key).(type) {
	case nil:
	case string:
		out = append(out, x)
	case []any:
		for _, el := range x {
			s, ok := el.(string)
			if !ok {
				f.fail(key, "is not an array of strings")
				return nil
			}
			out = append(out, s)
		}
	default:
		f.fail(key, "is not an array of strings")
	}
	return out
}

// Int takes a field that is an integer from lo to hi, written as a number or as a string of one; ok is false
// when it is absent, null or "".
func (f Fields) Int(key string, lo, hi int64) (int64, bool) {
	text, ok := f.numberText(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		// 1.0 and 1e3 are integers too.
		fl, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || fl != math.Trunc(fl) || fl < math.MinInt64 || fl > math.MaxInt64 {
			f.fail(key, "%q is not an integer", text)
			return 0, false
		}
		n = int64(fl)
	}
	if n < lo || n > hi {
		f.fail(key, "%d is not from %d to %d", n, lo, hi)
		return 0, false
	}
	return n, true
}

// numberText takes a field that is a number or a string, and returns its text; false when it is absent, null,
// "" or of another type.
func (f Fields) numberText(key string) (string, bool) {
	switch x := f.Take(key).(type) {
	case nil:
	case json.Number:
		return string(x), true
	case string:
		return x, x != ""
	default:
		f.fail(key, "is not a number")
	}
	return "", false
}

// Float takes a field that is a number, written as a number or as a string of one.
func (f Fields) Float(key string) (float64, bool) {
	text, ok := f.numberText(key)
	if !ok {
		return 0, false
	}
	fl, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(fl, 0) || math.IsNaN(fl) {
		f.fail(key, "%q is not a number", text)
		return 0, false
	}
	return fl, true
}

// IP takes a field that is an IP address; "" when absent, null or "".
func (f Fields) IP(key string) string {
	s := f.String(key)
	if s == "" {
		return ""
	}
	if _, err := netip.ParseAddr(s); err != nil {
		f.fail(key, "%q is not an IP address", s)
		return ""
	}
	return s
}

// timeLayouts are the layouts of the times vendors write: RFC 3339, and the same with a space and no zone
// (UTC).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

// Time takes a field that is a date and time (RFC 3339; "2006-01-02 15:04:05" is UTC) and returns it in
// milliseconds since 1970; ok is false when it is absent, null or "".
func (f Fields) Time(key string) (int64, bool) {
	s := f.String(key)
	if s == "" {
		return 0, false
	}
	ms, ok := ParseTime(s)
	if !ok {
		f.fail(key, "%q is not a date and time", s)
	}
	return ms, ok
}

// ParseTime parses a date and time as Fields.Time does, to milliseconds since 1970: from 1970 to 9999 (OCSF
// times are not negative).
func ParseTime(s string) (int64, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMilli(), t.UnixMilli() >= 0
		}
	}
	return 0, false
}

// Rest adds the fields not taken under unmapped, flattened as Flatten does with the path of these fields as
// prefix ("srcids.other"), and returns m (made when nil and there is something to add).
func (f Fields) Rest(m map[string]string) map[string]string {
	if len(f.m) == 0 {
		return m
	}
	if m == nil {
		m = make(map[string]string, len(f.m))
	}
	prefix := f.prefix
	if len(prefix) > 0 {
		prefix = prefix[:len(prefix)-1]
	}
	Flatten(m, prefix, f.m)
	if len(m) == 0 {
		return nil
	}
	return m
}
