package awsproto

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/seclake/seclake/internal/awserr"
)

// REST-JSON (restJson1) operations carry members outside the body as well. A wire struct says where each field
// travels with struct tags, as botocore's models do with "location" and "locationName":
//
//	location:"uri" name:"subscriberId"     a label of the path template
//	location:"querystring" name:"regions"  a query parameter; a list repeats it (regions=a&regions=b)
//	location:"querystring"                 on a map[string]string or map[string][]string: the parameters no
//	                                       other field binds
//	location:"header" name:"Retry-After"   a header; a list is comma-separated
//	location:"headers" name:"X-Amz-Meta-"  the headers with that prefix, into a map keyed by the rest of the name
//	location:"statusCode"                  the response's HTTP status (an integer field of an output)
//
// Labels, parameters and headers hold strings, booleans, integers, floats, time.Time or Timestamp (ISO 8601 in
// paths and queries, HTTP dates in headers), pointers to those, and, except labels, lists of them. Every other
// exported field is a member of the JSON body, named as encoding/json names it. A located field must also be
// tagged `json:"-"`, so that it never travels in the body too.

// Label is a path label bound by a REST route: its name in the template and its percent-decoded value.
type Label struct {
	Name, Value string
}

// Labels are the labels of a matched path, in template order.
type Labels []Label

// Get returns the value of the named label and whether the path has it.
func (l Labels) Get(name string) (string, bool) {
	for _, x := range l {
		if x.Name == name {
			return x.Value, true
		}
	}
	return "", false
}

// RESTRequest is what the input of a REST operation is bound from.
type RESTRequest struct {
	Labels Labels
	Query  url.Values
	Header http.Header
	Body   []byte
}

// location is where a field of a REST wire struct travels.
type location uint8

const (
	locBody location = iota
	locURI
	locQuery
	locQueryMap
	locHeader
	locHeaders
	locStatus
)

// restField is a located field of a wire struct.
type restField struct {
	index int
	loc   location
	name  string // the label, parameter or canonical header name; the prefix of locHeaders
}

// restPlan is how a wire struct type is bound: its located fields, in declaration order.
type restPlan struct {
	fields []restField
	labels []string
	err    error
}

var restPlans sync.Map // reflect.Type → *restPlan

// RESTLabels returns the path labels that the REST wire struct v (a struct or a pointer to one) binds, in
// declaration order, or an error that says which tag is wrong.
func RESTLabels(v any) ([]string, error) {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("awsproto: a REST wire type must be a struct, not %v", t)
	}
	p := planOf(t)
	return p.labels, p.err
}

func planOf(t reflect.Type) *restPlan {
	if p, ok := restPlans.Load(t); ok {
		return p.(*restPlan)
	}
	p, _ := restPlans.LoadOrStore(t, buildPlan(t))
	return p.(*restPlan)
}

func buildPlan(t reflect.Type) *restPlan {
	p := &restPlan{}
	for i := range t.NumField() {
		f := t.Field(i)
		loc, name, err := fieldLocation(f)
		if err != nil {
			p.err = fmt.Errorf("awsproto: %v.%s: %w", t, f.Name, err)
			return p
		}
		if loc == locBody {
			continue
		}
		p.fields = append(p.fields, restField{index: i, loc: loc, name: name})
		if loc == locURI {
			p.labels = append(p.labels, name)
		}
	}
	return p
}

// fieldLocation reads and checks a field's location tags.
func fieldLocation(f reflect.StructField) (location, string, error) {
	tag, ok := f.Tag.Lookup("location")
	if !ok {
		return locBody, "", nil
	}
	if !f.IsExported() {
		return 0, "", errors.New("an unexported field cannot be located")
	}
	if f.Tag.Get("json") != "-" {
		return 0, "", fmt.Errorf("location:%q needs json:\"-\" as well, so the field is not also a body member", tag)
	}
	name := f.Tag.Get("name")
	t := f.Type
	var loc location
	ok = false
	switch tag {
	case "uri":
		loc, ok = locURI, name != "" && isScalar(deref(t))
	case "querystring":
		if name == "" {
			loc, ok = locQueryMap, isStringMap(t, true)
		} else {
			loc, ok = locQuery, isScalarOrList(t)
		}
	case "header":
		loc, ok, name = locHeader, name != "" && isScalarOrList(t), http.CanonicalHeaderKey(name)
	case "headers":
		loc, ok = locHeaders, isStringMap(t, false)
	case "statusCode":
		loc, ok = locStatus, isInt(t.Kind())
	default:
		return 0, "", fmt.Errorf("unknown location %q (want uri, querystring, header, headers or statusCode)", tag)
	}
	if !ok {
		return 0, "", fmt.Errorf("location:%q name:%q does not fit a field of type %v", tag, name, t)
	}
	return loc, name, nil
}

func deref(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

func isScalarOrList(t reflect.Type) bool {
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		return isScalar(t.Elem())
	}
	return isScalar(deref(t))
}

func isStringMap(t reflect.Type, lists bool) bool {
	if t.Kind() != reflect.Map || t.Key().Kind() != reflect.String {
		return false
	}
	e := t.Elem()
	return e.Kind() == reflect.String || lists && e == stringsType
}

var stringsType = reflect.TypeFor[[]string]()

// DecodeREST binds a REST-JSON request to the struct that v points to: the body as DecodeJSON decodes it, then
// the located fields. A value that does not parse is a SerializationException, and an empty path label a
// ValidationException, each naming where the value came from.
func DecodeREST(req RESTRequest, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("awsproto: DecodeREST needs a pointer to a struct, got %T", v)
	}
	p := planOf(rv.Elem().Type())
	if p.err != nil {
		return p.err
	}
	if err := DecodeJSON(req.Body, v); err != nil {
		return err
	}
	sv := rv.Elem()
	for _, f := range p.fields {
		if err := bindField(req, p, f, sv.Field(f.index)); err != nil {
			return err
		}
	}
	return nil
}

func bindField(req RESTRequest, p *restPlan, f restField, fv reflect.Value) error {
	switch f.loc {
	case locURI:
		s, _ := req.Labels.Get(f.name)
		if s == "" {
			return awserr.Validation("The path label {%s} is empty; the request path must give it a value.", f.name)
		}
		return setParsed(fv, s, f, false)
	case locQuery:
		vals := req.Query[f.name]
		if len(vals) == 0 {
			return nil
		}
		return setValues(fv, vals, f)
	case locQueryMap:
		bindQueryMap(req.Query, p, fv)
	case locHeader:
		vals := req.Header.Values(f.name)
		if len(vals) == 0 {
			return nil
		}
		if fv.Kind() == reflect.Slice {
			vals = splitHeaderList(vals)
		} else {
			vals = []string{strings.Join(vals, ", ")}
		}
		return setValues(fv, vals, f)
	case locHeaders:
		bindHeaderMap(req.Header, f.name, fv)
	}
	return nil
}

// setValues sets a scalar, pointer or list field from the values given for it; a scalar takes the first.
func setValues(fv reflect.Value, vals []string, f restField) error {
	if fv.Kind() != reflect.Slice {
		return setParsed(fv, vals[0], f, false)
	}
	out := reflect.MakeSlice(fv.Type(), len(vals), len(vals))
	for i, s := range vals {
		if err := setParsed(out.Index(i), s, f, true); err != nil {
			return err
		}
	}
	fv.Set(out)
	return nil
}

func bindQueryMap(q url.Values, p *restPlan, fv reflect.Value) {
	m := reflect.MakeMapWithSize(fv.Type(), len(q))
	kt, et := fv.Type().Key(), fv.Type().Elem()
	for k, vals := range q {
		if len(vals) == 0 || p.bindsQuery(k) {
			continue
		}
		v := reflect.ValueOf(vals[0])
		if et == stringsType {
			v = reflect.ValueOf(append([]string(nil), vals...))
		}
		m.SetMapIndex(reflect.ValueOf(k).Convert(kt), v.Convert(et))
	}
	if m.Len() > 0 {
		fv.Set(m)
	}
}

func (p *restPlan) bindsQuery(name string) bool {
	for _, f := range p.fields {
		if f.loc == locQuery && f.name == name {
			return true
		}
	}
	return false
}

func bindHeaderMap(h http.Header, prefix string, fv reflect.Value) {
	m := reflect.MakeMap(fv.Type())
	for k, vals := range h {
		if len(vals) == 0 || len(k) < len(prefix) || !strings.EqualFold(k[:len(prefix)], prefix) {
			continue
		}
		m.SetMapIndex(reflect.ValueOf(strings.ToLower(k[len(prefix):])).Convert(fv.Type().Key()),
			reflect.ValueOf(strings.Join(vals, ", ")).Convert(fv.Type().Elem()))
	}
	if m.Len() > 0 {
		fv.Set(m)
	}
}

// splitHeaderList splits comma-separated header lists, trimming the spaces around each item.
func splitHeaderList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for item := range strings.SplitSeq(v, ",") {
			out = append(out, strings.TrimSpace(item))
		}
	}
	return out
}
