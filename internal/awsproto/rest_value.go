package awsproto

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/awserr"
)

var timestampType = reflect.TypeFor[Timestamp]()

// isScalar reports whether a label, parameter or header can hold a value of type t.
func isScalar(t reflect.Type) bool {
	if t == timeType || t == timestampType {
		return true
	}
	switch k := t.Kind(); {
	case k == reflect.String, k == reflect.Bool, isInt(k), isUint(k), k == reflect.Float32, k == reflect.Float64:
		return true
	}
	return false
}

func isInt(k reflect.Kind) bool {
	return k == reflect.Int || k == reflect.Int8 || k == reflect.Int16 || k == reflect.Int32 || k == reflect.Int64
}

func isUint(k reflect.Kind) bool {
	return k == reflect.Uint || k == reflect.Uint8 || k == reflect.Uint16 || k == reflect.Uint32 || k == reflect.Uint64
}

// setParsed parses s into the scalar (or pointer to scalar) fv. The error says where s came from and what it
// should have been.
func setParsed(fv reflect.Value, s string, f restField, inList bool) error {
	if fv.Kind() == reflect.Pointer {
		p := reflect.New(fv.Type().Elem())
		if err := setParsed(p.Elem(), s, f, inList); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	t := fv.Type()
	if t == timeType || t == timestampType {
		tm, ok := parseTime(s, f.loc == locHeader)
		if !ok {
			return badValue(f, s, timeWant(f.loc == locHeader), inList)
		}
		fv.Set(reflect.ValueOf(tm).Convert(t))
		return nil
	}
	switch k := fv.Kind(); {
	case k == reflect.String:
		fv.SetString(s)
	case k == reflect.Bool:
		if s != "true" && s != "false" {
			return badValue(f, s, `"true" or "false"`, inList)
		}
		fv.SetBool(s == "true")
	case isInt(k):
		i, err := strconv.ParseInt(s, 10, t.Bits())
		if err != nil {
			lo, hi := int64(-1)<<(t.Bits()-1), int64(1)<<(t.Bits()-1)-1
			return badValue(f, s, fmt.Sprintf("an integer from %d to %d", lo, hi), inList)
		}
		fv.SetInt(i)
	case isUint(k):
		u, err := strconv.ParseUint(s, 10, t.Bits())
		if err != nil {
			return badValue(f, s, fmt.Sprintf("an integer from 0 to %d", uint64(math.MaxUint64)>>(64-t.Bits())), inList)
		}
		fv.SetUint(u)
	case k == reflect.Float32 || k == reflect.Float64:
		x, err := strconv.ParseFloat(s, t.Bits())
		if err != nil {
			return badValue(f, s, "a number", inList)
		}
		fv.SetFloat(x)
	default:
		return fmt.Errorf("awsproto: cannot bind a value to a field of type %v", t)
	}
	return nil
}

// parseTime parses a timestamp as restJson1 sends it: ISO 8601 in paths and queries, an HTTP date in headers.
// Epoch seconds are accepted in either.
func parseTime(s string, header bool) (time.Time, bool) {
	if header {
		if t, err := http.ParseTime(s); err == nil {
			return t.UTC(), true
		}
	} else if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	return epoch(f), true
}

func timeWant(header bool) string {
	if header {
		return "an HTTP date (Mon, 02 Jan 2006 15:04:05 GMT)"
	}
	return "an ISO 8601 timestamp (2006-01-02T15:04:05Z)"
}

// badValue is the error for a located value that does not parse.
func badValue(f restField, s, want string, inList bool) error {
	var where string
	switch f.loc {
	case locURI:
		where = "The path label {" + f.name + "}"
	case locHeader:
		where = fmt.Sprintf("The header %s", f.name)
	default:
		where = fmt.Sprintf("The query parameter %q", f.name)
	}
	if inList {
		where = "Each value of " + strings.ToLower(where[:1]) + where[1:]
	}
	return awserr.New("SerializationException", http.StatusBadRequest, "%s must be %s; got %q.", where, want, s)
}

// formatValue renders a header value of an output; it reports false for a value to leave out (nil, zero or
// an empty list).
func formatValue(v reflect.Value) (string, bool) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "", false
		}
		return formatScalar(v.Elem()), true
	}
	if v.Kind() == reflect.Slice {
		if v.Len() == 0 {
			return "", false
		}
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = formatScalar(v.Index(i))
		}
		return strings.Join(parts, ", "), true
	}
	if v.IsZero() {
		return "", false
	}
	return formatScalar(v), true
}

func formatScalar(v reflect.Value) string {
	if t := v.Type(); t == timeType || t == timestampType {
		return v.Convert(timeType).Interface().(time.Time).UTC().Format(http.TimeFormat)
	}
	switch k := v.Kind(); {
	case k == reflect.String:
		return v.String()
	case k == reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case isInt(k):
		return strconv.FormatInt(v.Int(), 10)
	case isUint(k):
		return strconv.FormatUint(v.Uint(), 10)
	}
	return strconv.FormatFloat(v.Float(), 'g', -1, v.Type().Bits())
}

// RESTOutput is an encoded REST-JSON response: its status, the headers its output binds, and its JSON body.
type RESTOutput struct {
	Status int
	Header http.Header
	Body   []byte
}

// EncodeREST encodes an operation's output: fields located in headers and the status code go to the
// response's head, the others to the JSON body. The status is 200 unless a statusCode field says otherwise;
// a 204 or 304 response has no body.
func EncodeREST(out any) (*RESTOutput, error) {
	body, err := EncodeJSON(out)
	if err != nil {
		return nil, err
	}
	res := &RESTOutput{Status: http.StatusOK, Body: body}
	rv := reflect.ValueOf(out)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return res, nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return res, nil
	}
	p := planOf(rv.Type())
	if p.err != nil {
		return nil, p.err
	}
	for _, f := range p.fields {
		if err := encodeField(res, f, rv.Field(f.index)); err != nil {
			return nil, fmt.Errorf("encode %v: %w", rv.Type(), err)
		}
	}
	if res.Status == http.StatusNoContent || res.Status == http.StatusNotModified {
		res.Body = nil // these statuses have no body
	}
	return res, nil
}

func encodeField(res *RESTOutput, f restField, fv reflect.Value) error {
	switch f.loc {
	case locHeader:
		if s, ok := formatValue(fv); ok {
			res.header().Set(f.name, s)
		}
	case locHeaders:
		for it := fv.MapRange(); it.Next(); {
			res.header().Set(f.name+it.Key().String(), it.Value().String())
		}
	case locStatus:
		if n := fv.Int(); n != 0 {
			if n < 100 || n > 599 {
				return fmt.Errorf("status code %d is not an HTTP status", n)
			}
			res.Status = int(n)
		}
	}
	return nil
}

func (r *RESTOutput) header() http.Header {
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	return r.Header
}
