package awsproto

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/awserr"
)

// DecodeQuery decodes the form values of a Query-protocol request into the struct pointed to by v.
//
// A field's name on the wire is its `query:"Name"` tag, or the Go field name. Lists are "Name.member.N" (or
// "Name.N" with the tag option "flat"); lists of structures are "Name.member.N.Field". Maps are
// "Name.entry.N.key"/"Name.entry.N.value" (with "flat": "Name.N.key"; the options "key=K" and "value=V" rename the
// parts, as SQS's "Attribute.N.Name"/"Attribute.N.Value"). Supported field types: string, bool, the integer types,
// time.Time, pointers to those, slices and maps of them, and nested structs. A value that does not parse is a
// ValidationError naming the parameter.
func DecodeQuery(values url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("awsproto: DecodeQuery needs a pointer to a struct, got %T", v)
	}
	return decodeStruct(values, "", rv.Elem())
}

type queryTag struct {
	name       string
	flat       bool
	key, value string
}

func parseQueryTag(f reflect.StructField) (queryTag, bool) {
	tag := f.Tag.Get("query")
	if tag == "-" || !f.IsExported() {
		return queryTag{}, false
	}
	parts := strings.Split(tag, ",")
	t := queryTag{name: parts[0], key: "key", value: "value"}
	if t.name == "" {
		t.name = f.Name
	}
	for _, o := range parts[1:] {
		switch {
		case o == "flat":
			t.flat = true
		case strings.HasPrefix(o, "key="):
			t.key = o[4:]
		case strings.HasPrefix(o, "value="):
			t.value = o[6:]
		}
	}
	return t, true
}

func decodeStruct(values url.Values, prefix string, sv reflect.Value) error {
	st := sv.Type()
	for i := 0; i < st.NumField(); i++ {
		tag, ok := parseQueryTag(st.Field(i))
		if !ok {
			continue
		}
		if err := decodeField(values, prefix+tag.name, tag, sv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

func decodeField(values url.Values, name string, tag queryTag, fv reflect.Value) error {
	switch fv.Kind() {
	case reflect.Slice:
		return decodeList(values, name, tag, fv)
	case reflect.Map:
		return decodeMap(values, name, tag, fv)
	case reflect.Struct:
		if fv.Type() != timeType {
			return decodeStruct(values, name+".", fv)
		}
	case reflect.Pointer:
		et := fv.Type().Elem()
		if et.Kind() == reflect.Struct && et != timeType {
			if !hasPrefix(values, name+".") {
				return nil
			}
			p := reflect.New(et)
			if err := decodeStruct(values, name+".", p.Elem()); err != nil {
				return err
			}
			fv.Set(p)
			return nil
		}
	}
	raw, ok := values[name]
	if !ok || len(raw) == 0 {
		return nil
	}
	return setScalar(fv, name, raw[0])
}

func decodeList(values url.Values, name string, tag queryTag, fv reflect.Value) error {
	base := name + ".member."
	if tag.flat {
		base = name + "."
	}
	n := maxIndex(values, base)
	if n == 0 {
		if _, empty := values[name]; empty { // "Name=" is an explicitly empty list
			fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		}
		return nil
	}
	out := reflect.MakeSlice(fv.Type(), n, n)
	et := fv.Type().Elem()
	for i := 0; i < n; i++ {
		key := base + strconv.Itoa(i+1)
		ev := out.Index(i)
		if et.Kind() == reflect.Struct && et != timeType {
			if err := decodeStruct(values, key+".", ev); err != nil {
				return err
			}
			continue
		}
		if raw, ok := values[key]; ok && len(raw) > 0 {
			if err := setScalar(ev, key, raw[0]); err != nil {
				return err
			}
		}
	}
	fv.Set(out)
	return nil
}

func decodeMap(values url.Values, name string, tag queryTag, fv reflect.Value) error {
	base := name + ".entry."
	if tag.flat {
		base = name + "."
	}
	n := maxIndex(values, base)
	if n == 0 {
		return nil
	}
	m := reflect.MakeMapWithSize(fv.Type(), n)
	for i := 1; i <= n; i++ {
		p := base + strconv.Itoa(i) + "."
		k, ok := values[p+tag.key]
		if !ok || len(k) == 0 || k[0] == "" { // an entry without a key names nothing
			continue
		}
		kv := reflect.New(fv.Type().Key()).Elem()
		if err := setScalar(kv, p+tag.key, k[0]); err != nil {
			return err
		}
		vv := reflect.New(fv.Type().Elem()).Elem()
		if et := fv.Type().Elem(); et.Kind() == reflect.Struct && et != timeType { // SQS's MessageAttribute.N.Value.StringValue
			if err := decodeStruct(values, p+tag.value+".", vv); err != nil {
				return err
			}
		} else if raw, ok := values[p+tag.value]; ok && len(raw) > 0 {
			if err := setScalar(vv, p+tag.value, raw[0]); err != nil {
				return err
			}
		}
		m.SetMapIndex(kv, vv)
	}
	fv.Set(m)
	return nil
}

// maxIndex returns the highest N such that some key starts with base+N (and is followed by "." or ends there).
func maxIndex(values url.Values, base string) int {
	n := 0
	for k := range values {
		if !strings.HasPrefix(k, base) {
			continue
		}
		rest := k[len(base):]
		if j := strings.IndexByte(rest, '.'); j >= 0 {
			rest = rest[:j]
		}
		i, err := strconv.Atoi(rest)
		if err == nil && i > n && i <= 10000 {
			n = i
		}
	}
	return n
}

func hasPrefix(values url.Values, p string) bool {
	for k := range values {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

var timeType = reflect.TypeOf(time.Time{})

func setScalar(fv reflect.Value, name, s string) error {
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		if err := setScalar(p.Elem(), name, s); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	bad := func(want string) error {
		return awserr.New("ValidationError", http.StatusBadRequest, "Value '%s' at '%s' failed to satisfy constraint: Member must be %s", s, name, want)
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return bad("a boolean")
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(s, 10, fv.Type().Bits())
		if err != nil {
			return bad("an integer")
		}
		fv.SetInt(i)
	case reflect.Struct:
		if fv.Type() != timeType {
			return fmt.Errorf("awsproto: unsupported query field type %s", fv.Type())
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return bad("an ISO 8601 timestamp")
		}
		fv.Set(reflect.ValueOf(t))
	default:
		return fmt.Errorf("awsproto: unsupported query field type %s", fv.Type())
	}
	return nil
}

// EncodeQuery returns the XML body of a successful Query-protocol response:
// <OpResponse xmlns=ns><OpResult>…result…</OpResult><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>.
// result is marshaled with encoding/xml under the element OpResult; a nil result omits the element.
func EncodeQuery(op, ns string, result any, requestID string) ([]byte, error) {
	b := make([]byte, 0, 512)
	b = append(b, '<')
	b = append(b, op...)
	b = append(b, `Response xmlns="`...)
	b = appendEscaped(b, ns)
	b = append(b, `">`...)
	if result != nil {
		r, err := xml.Marshal(wrapped{name: op + "Result", v: result})
		if err != nil {
			return nil, fmt.Errorf("encode %s result: %w", op, err)
		}
		b = append(b, r...)
	}
	b = append(b, "<ResponseMetadata>"...)
	b = appendElem(b, "RequestId", requestID)
	b = append(b, "</ResponseMetadata></"...)
	b = append(b, op...)
	b = append(b, "Response>"...)
	return b, nil
}

type wrapped struct {
	name string
	v    any
}

func (w wrapped) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.EncodeElement(w.v, xml.StartElement{Name: xml.Name{Local: w.name}})
}

// WriteXML writes a successful XML response (Query or REST-XML) with the request ID header.
func WriteXML(w http.ResponseWriter, status int, body []byte, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("x-amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
