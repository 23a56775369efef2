package ocsf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/ocsf/schema"
)

// Problem is one way in which an event does not conform to OCSF 1.1.0.
type Problem struct {
	// Path is the field's path ("src_endpoint.port", "observables[1].type_id"); empty for the event itself.
	Path string
	// Message says what is wrong.
	Message string
}

// String returns "path: message".
func (p Problem) String() string {
	if p.Path == "" {
		return p.Message
	}
	return p.Path + ": " + p.Message
}

// Version is the OCSF version of the events this package builds and checks.
const Version = "1.1.0"

// otherID is the enum value whose caption is the source's own ("Other"): its sibling may hold any text.
const otherID = 99

// Validate checks a typed event: it encodes the event as JSON and checks that (see ValidateJSON).
func Validate(ev Event) []Problem {
	data, err := json.Marshal(ev)
	if err != nil {
		return []Problem{{Message: "cannot encode the event as JSON: " + err.Error()}}
	}
	return ValidateJSON(data)
}

// ValidateJSON checks one OCSF event in JSON against the OCSF 1.1.0 schema: the class named by class_uid and the
// profiles in metadata.profiles. It reports, each with its field path: required attributes that are missing
// (those of a profile only when the event declares it), attributes the class or object does not have (anything
// goes under unmapped), attributes of a profile the event does not declare, values of the wrong type (integers
// and their ranges, ports, timestamps, datetimes, IP addresses, subnets, MAC addresses, host names, e-mail
// addresses, UUIDs, booleans, strings), _id values outside their enum and captions that do not match their _id,
// type_uid other than class_uid × 100 + activity_id, category_uid other than the class's, and the schema's
// constraints (at least one of, just one of). A JSON null counts as absent. It returns nil for a valid event.
func ValidateJSON(data []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []Problem{{Message: "not JSON: " + err.Error()}}
	}
	if dec.More() {
		return []Problem{{Message: "more than one JSON value"}}
	}
	ev, ok := v.(map[string]any)
	if !ok {
		return []Problem{{Message: "an event is a JSON object, not " + jsonKind(v)}}
	}
	return validateEvent(schema.Default(), ev)
}

type validator struct {
	s        *schema.Schema
	profiles map[string]bool
	problems []Problem
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func validateEvent(s *schema.Schema, ev map[string]any) []Problem {
	v := &validator{s: s, profiles: map[string]bool{}}
	class := v.class(ev)
	if class == nil {
		return v.problems
	}
	v.declaredProfiles(ev, class)
	v.object("", class.Caption+" ("+class.Name+")", class.Attributes, class.Required, class.Constraints, ev)
	v.classification(ev, class)
	if m, ok := ev["metadata"].(map[string]any); ok {
		if ver, ok := m["version"].(string); ok && ver != Version {
			v.add("metadata.version", "this is OCSF %s; the schema checked here is %s", ver, Version)
		}
	}
	sort.SliceStable(v.problems, func(i, j int) bool { return v.problems[i].Path < v.problems[j].Path })
	return v.problems
}

// class returns the class of the event; nil, with the problem noted, when class_uid is missing or unknown.
func (v *validator) class(ev map[string]any) *schema.Class {
	raw := ev["class_uid"]
	if raw == nil {
		v.add("class_uid", "required attribute is missing; it names the event's class")
		return nil
	}
	n, ok := integer(raw)
	if !ok {
		v.add("class_uid", "want an integer, got %s", jsonKind(raw))
		return nil
	}
	c, ok := v.s.ClassByUID(int(n))
	if !ok {
		v.add("class_uid", "%d is not an OCSF %s event class", n, Version)
		return nil
	}
	return c
}

func (v *validator) declaredProfiles(ev map[string]any, class *schema.Class) {
	m, _ := ev["metadata"].(map[string]any)
	list, _ := m["profiles"].([]any)
	for i, p := range list {
		name, ok := p.(string)
		if !ok {
			continue // the walk reports the type
		}
		path := fmt.Sprintf("metadata.profiles[%d]", i)
		switch {
		case v.s.Profiles[name] == nil:
			v.add(path, "%q is not an OCSF %s profile", name, Version)
		case !contains(class.Profiles, name):
			v.add(path, "class %s does not take profile %q (it takes %s)", class.Caption, name, strings.Join(class.Profiles, ", "))
		default:
			v.profiles[name] = true
		}
	}
}

// lakeLeavesOut are attributes that OCSF 1.1.0 requires of a class but that Security Lake's 2.0 tables have no
// column for and Amazon's output never has: subscribers expect Amazon's shape, so events without them pass.
// The key is the class as the validator names it ("HTTP Activity (http_activity)").
var lakeLeavesOut = map[string]map[string]bool{
	// The waf table: a web ACL log describes the request only (the WAF sits before the destination, and its
	// response is responseCodeSent, http_status).
	"HTTP Activity (http_activity)": {"dst_endpoint": true, "http_response": true},
}

// classification checks what ties the classification attributes together.
func (v *validator) classification(ev map[string]any, class *schema.Class) {
	if cat, ok := integer(ev["category_uid"]); ok && int(cat) != class.Category.UID {
		v.add("category_uid", "%d, but class %s is in category %d (%s)", cat, class.Caption, class.Category.UID, class.Category.Caption)
	}
	act, okA := integer(ev["activity_id"])
	typ, okT := integer(ev["type_uid"])
	if okA && okT && typ != int64(class.UID)*100+act {
		v.add("type_uid", "%d is not class_uid × 100 + activity_id = %d", typ, int64(class.UID)*100+act)
	}
}

// object checks the attributes of one object (or of the event itself).
func (v *validator) object(path, what string, attrs map[string]*schema.Attribute, required []*schema.Attribute,
	c schema.Constraints, obj map[string]any) {
	keys := sortedKeys(obj)
	for _, name := range keys {
		val := obj[name]
		p := join(path, name)
		a, ok := attrs[name]
		if !ok {
			v.add(p, "%s has no attribute %q; vendor fields without an OCSF home go under unmapped", what, name)
			continue
		}
		if a.Profile != "" && !v.profiles[a.Profile] {
			v.add(p, "attribute of profile %q, which metadata.profiles does not declare", a.Profile)
		}
		if val != nil {
			v.value(p, a, val)
		}
	}
	for _, a := range required {
		if path == "" && lakeLeavesOut[what][a.Name] {
			continue
		}
		if (a.Profile == "" || v.profiles[a.Profile]) && obj[a.Name] == nil {
			v.add(join(path, a.Name), "required attribute is missing")
		}
	}
	v.constraints(path, c, obj)
	v.siblings(path, attrs, keys, obj)
}

func (v *validator) constraints(path string, c schema.Constraints, obj map[string]any) {
	if len(c.AtLeastOne) > 0 && present(obj, c.AtLeastOne) == 0 {
		v.add(path, "needs at least one of %s", strings.Join(c.AtLeastOne, ", "))
	}
	if len(c.JustOne) > 0 && present(obj, c.JustOne) != 1 {
		v.add(path, "needs exactly one of %s", strings.Join(c.JustOne, ", "))
	}
}

// siblings checks each caption against its _id: the caption of an enum value other than 99 (Other) is the
// schema's.
func (v *validator) siblings(path string, attrs map[string]*schema.Attribute, keys []string, obj map[string]any) {
	for _, name := range keys {
		a := attrs[name]
		if a == nil || a.Enum == nil || a.Sibling == "" || a.Array {
			continue
		}
		id, ok := integer(obj[name])
		caption, hasCaption := obj[a.Sibling].(string)
		if !ok || !hasCaption || id == otherID || (name == "type_uid" && id%100 == otherID) {
			continue
		}
		if want, known := a.Enum.Caption(id); known && caption != want && caption != plainCaption(want) {
			v.add(join(path, a.Sibling), "%q, but %s %d is %q", caption, name, id, want)
		}
	}
}

func (v *validator) value(path string, a *schema.Attribute, val any) {
	if !a.Array {
		v.one(path, a, val)
		return
	}
	list, ok := val.([]any)
	if !ok {
		v.add(path, "want an array, got %s", jsonKind(val))
		return
	}
	for i, el := range list {
		if el == nil {
			v.add(fmt.Sprintf("%s[%d]", path, i), "null in an array")
			continue
		}
		v.one(fmt.Sprintf("%s[%d]", path, i), a, el)
	}
}

func (v *validator) one(path string, a *schema.Attribute, val any) {
	switch {
	case a.Any:
		if _, ok := val.(map[string]any); !ok {
			v.add(path, "want an object, got %s", jsonKind(val))
		}
	case a.Object != nil:
		obj, ok := val.(map[string]any)
		if !ok {
			v.add(path, "want a %s object, got %s", a.Object.Name, jsonKind(val))
			return
		}
		v.object(path, a.Object.Caption+" ("+a.Object.Name+")", a.Object.Attributes, a.Object.Required, a.Object.Constraints, obj)
	default:
		if msg := scalar(a.Type, val); msg != "" {
			v.add(path, "%s", msg)
			return
		}
		if a.Enum != nil && (a.Type.Kind == schema.Integer || a.Type.Kind == schema.Long) {
			if n, _ := integer(val); a.Enum.Ints[n].Caption == "" {
				v.add(path, "%d is not one of the values of %s (%s)", n, a.Name, enumList(a.Enum))
			}
		}
	}
}

// scalar checks a scalar value against its type and returns what is wrong, or "".
func scalar(t *schema.Type, val any) string {
	switch t.Kind {
	case schema.JSON:
		return ""
	case schema.Boolean:
		if _, ok := val.(bool); !ok {
			return "want true or false (" + t.Name + "), got " + jsonKind(val)
		}
		return ""
	case schema.Float:
		if _, ok := val.(json.Number); !ok {
			return "want a number (" + t.Name + "), got " + jsonKind(val)
		}
		return ""
	case schema.Integer, schema.Long:
		return integerValue(t, val)
	}
	s, ok := val.(string)
	if !ok {
		return "want a string (" + t.Name + "), got " + jsonKind(val)
	}
	return stringValue(t, s)
}

func integerValue(t *schema.Type, val any) string {
	num, ok := val.(json.Number)
	if !ok {
		return "want an integer (" + t.Name + "), got " + jsonKind(val)
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	if err != nil {
		return "want an integer (" + t.Name + "), got " + string(num)
	}
	if t.Kind == schema.Integer && (n < math.MinInt32 || n > math.MaxInt32) {
		return fmt.Sprintf("%d does not fit a 32-bit integer (%s)", n, t.Name)
	}
	if t.HasRange && (n < t.Min || n > t.Max) {
		return fmt.Sprintf("%d is outside %d–%d (%s)", n, t.Min, t.Max, t.Name)
	}
	if t.Name == "timestamp_t" && n < 0 {
		return fmt.Sprintf("%d is before the epoch; a timestamp_t is milliseconds since 1970", n)
	}
	return ""
}

func stringValue(t *schema.Type, s string) string {
	switch t.Name {
	case "ip_t":
		if _, err := netip.ParseAddr(s); err != nil {
			return fmt.Sprintf("%q is not an IP address", s)
		}
		return ""
	case "subnet_t":
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Sprintf("%q is not a subnet in CIDR notation", s)
		}
		return ""
	case "hostname_t":
		if !hostname.MatchString(s) {
			return fmt.Sprintf("%q is not a host name", s)
		}
		return ""
	case "datetime_t":
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil || !t.Regex.MatchString(s) {
			return fmt.Sprintf("%q is not an RFC 3339 date-time", s)
		}
		return ""
	}
	if t.Regex != nil && !t.Regex.MatchString(s) {
		return fmt.Sprintf("%q is not a valid %s (%s)", s, t.Caption, t.Name)
	}
	return ""
}

// plainCaption drops the suffix the schema export adds to the captions of observable.type_id ("IP Address
// (Dictionary Type)", "User (Object)"): Security Lake writes the plain caption ("IP Address"), as the OCSF
// documentation does, and both are accepted.
func plainCaption(c string) string {
	c = strings.TrimSuffix(c, " (Dictionary Type)")
	return strings.TrimSuffix(c, " (Object)")
}

// hostname matches host names as DNS logs carry them: dot-separated labels of printable ASCII (RFC 2181 allows
// any octet in a label: SRV and DKIM names such as _ldap._tcp.example.com, and the base64 and "=" of DNS
// tunnelling that a security lake must keep) and the trailing dot of an absolute name (Route 53 Resolver's
// query_name), which Security Lake writes into hostname_t attributes as they come. Empty labels, spaces and
// control characters are refused.
var hostname = regexp.MustCompile(`^(?:[\x21-\x2d\x2f-\x7e]+\.)*[\x21-\x2d\x2f-\x7e]+\.?$`)

// IsHostname reports whether s is a host name as hostname_t attributes take it (see hostname above): sources
// check the names they take from vendor fields with it, and keep the others under unmapped.
func IsHostname(s string) bool { return hostname.MatchString(s) }

// integer returns an integral JSON number.
func integer(v any) (int64, bool) {
	num, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(num), 10, 64)
	return n, err == nil
}

func enumList(e *schema.Enum) string {
	keys := make([]int64, 0, len(e.Ints))
	for k := range e.Ints {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", k, e.Ints[k].Caption)
	}
	return strings.Join(parts, ", ")
}

func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "the number " + string(x)
	case string:
		return strconv.Quote(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// present counts the attributes of names that obj has; a name may be a path into nested objects
// ("device.os.sp_name").
func present(obj map[string]any, names []string) int {
	n := 0
	for _, name := range names {
		var cur any = obj
		for _, part := range strings.Split(name, ".") {
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		if cur != nil {
			n++
		}
	}
	return n
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
