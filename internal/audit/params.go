package audit

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Params turns a request or response value (usually a struct) into the JSON object CloudTrail writes as
// requestParameters or responseElements. It returns nil (JSON null) for a nil value.
//
// Rules:
//   - A struct field's key is its name in lowerCamelCase with initialisms folded as CloudTrail spells them
//     (KeyID → keyId, RoleARN → roleArn, KMSKeyID → kmsKeyId). A tag `audit:"name"` sets the key;
//     `audit:"-"` leaves the field out. Unexported fields are skipped; embedded structs are flattened.
//   - Fields tagged `sensitive:"true"` are left out at any depth, and so are fields named like secrets
//     whatever their tag (Plaintext, SecretAccessKey, SessionToken, Password, …; see secretFieldNames), so
//     the AWS SDK's input types, which carry no tags, are safe too.
//   - Byte slices and arrays are always left out: they are ciphertexts, plaintexts or key material.
//   - Nil pointers, nil or empty slices and maps, and zero scalars are left out; a non-nil pointer is written
//     even when it points to a zero value (so *bool false is kept).
//   - Map keys are written verbatim (encryption contexts keep their keys as the caller sent them), sorted.
//   - time.Time is written as CloudTrail writes times (UTC, RFC 3339, whole seconds); json.RawMessage is
//     written as it is; other encoding.TextMarshaler values as their text.
func Params(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(v)
	if (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) && rv.IsNil() {
		return nil, nil
	}
	var buf bytes.Buffer
	if !writeParam(&buf, rv, 0) {
		return nil, nil
	}
	if buf.Len() > 0 && !json.Valid(buf.Bytes()) {
		return nil, fmt.Errorf("audit params of %T: produced invalid JSON", v)
	}
	return json.RawMessage(buf.Bytes()), nil
}

// maxParamDepth bounds recursion, so a cyclic value ends instead of overflowing the stack.
const maxParamDepth = 32

// secretFieldNames are field names that are never written, tagged or not.
var secretFieldNames = map[string]bool{
	"plaintext": true, "secretaccesskey": true, "sessiontoken": true, "password": true, "newpassword": true,
	"oldpassword": true, "privatekey": true, "privatekeyplaintext": true, "keymaterial": true,
	"ciphertextblob": true, "ciphertextforrecipient": true, "secret": true, "secretstring": true,
	"secretbinary": true, "sessionkey": true, "importtoken": true, "encryptedkeymaterial": true,
}

var (
	typeTime        = reflect.TypeFor[time.Time]()
	typeRawMessage  = reflect.TypeFor[json.RawMessage]()
	typeTextMarshal = reflect.TypeFor[encoding.TextMarshaler]()
)

// writeParam writes v's JSON to buf and reports whether it wrote anything (false: v is to be left out).
func writeParam(buf *bytes.Buffer, v reflect.Value, depth int) bool {
	if depth > maxParamDepth || !v.CanInterface() {
		return false
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	t := v.Type()
	switch {
	case t == typeTime:
		writeString(buf, v.Interface().(time.Time).UTC().Truncate(time.Second).Format(time.RFC3339))
		return true
	case t == typeRawMessage:
		raw := v.Bytes()
		if len(raw) == 0 || !json.Valid(raw) {
			return false
		}
		buf.Write(raw)
		return true
	case t.Implements(typeTextMarshal) && t.Kind() != reflect.Slice && t.Kind() != reflect.Array:
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return false
		}
		writeString(buf, string(text))
		return true
	}
	switch v.Kind() {
	case reflect.Struct:
		return writeStruct(buf, v, depth)
	case reflect.Map:
		return writeMap(buf, v, depth)
	case reflect.Slice, reflect.Array:
		return writeList(buf, v, depth)
	}
	return writeScalar(buf, v)
}

// writeScalar writes a string, number or bool.
func writeScalar(buf *bytes.Buffer, v reflect.Value) bool {
	switch v.Kind() {
	case reflect.String:
		writeString(buf, v.String())
	case reflect.Bool:
		buf.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		buf.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		buf.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		b, err := json.Marshal(v.Float())
		if err != nil { // NaN and infinities have no JSON form
			return false
		}
		buf.Write(b)
	default: // channels, functions, complex numbers
		return false
	}
	return true
}

func writeStruct(buf *bytes.Buffer, v reflect.Value, depth int) bool {
	buf.WriteByte('{')
	n := 0
	for _, f := range structFields(v.Type()) {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || isEmptyParam(fv) {
			continue
		}
		mark := buf.Len()
		if n > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, f.key)
		buf.WriteByte(':')
		if !writeParam(buf, fv, depth+1) {
			buf.Truncate(mark)
			continue
		}
		n++
	}
	buf.WriteByte('}')
	return true
}

func writeMap(buf *bytes.Buffer, v reflect.Value, depth int) bool {
	if v.Len() == 0 {
		return false
	}
	type kv struct {
		key string
		val reflect.Value
	}
	entries := make([]kv, 0, v.Len())
	for it := v.MapRange(); it.Next(); {
		key, ok := mapKey(it.Key())
		if !ok {
			continue
		}
		entries = append(entries, kv{key, it.Value()})
	}
	slices.SortFunc(entries, func(a, b kv) int { return strings.Compare(a.key, b.key) })
	buf.WriteByte('{')
	n := 0
	for _, e := range entries {
		mark := buf.Len()
		if n > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, e.key)
		buf.WriteByte(':')
		if !writeParam(buf, e.val, depth+1) {
			buf.Truncate(mark)
			continue
		}
		n++
	}
	buf.WriteByte('}')
	return true
}

// mapKey renders a map key as JSON does: strings verbatim, integers in decimal, TextMarshalers as text.
func mapKey(k reflect.Value) (string, bool) {
	if k.Kind() == reflect.String {
		return k.String(), true
	}
	if tm, ok := k.Interface().(encoding.TextMarshaler); ok {
		b, err := tm.MarshalText()
		return string(b), err == nil
	}
	switch k.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(k.Int(), 10), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(k.Uint(), 10), true
	}
	return "", false
}

func writeList(buf *bytes.Buffer, v reflect.Value, depth int) bool {
	if v.Type().Elem().Kind() == reflect.Uint8 { // []byte and [N]byte: never written
		return false
	}
	if v.Len() == 0 {
		return false
	}
	buf.WriteByte('[')
	for i := range v.Len() {
		if i > 0 {
			buf.WriteByte(',')
		}
		if !writeParam(buf, v.Index(i), depth+1) {
			buf.WriteString("null") // keep positions: a list element left out would shift the rest
		}
	}
	buf.WriteByte(']')
	return true
}

// isEmptyParam reports whether a field's value is left out: nil pointers and interfaces, empty slices and
// maps, zero scalars and zero structs. Non-nil pointers are never empty.
func isEmptyParam(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return v.IsZero()
}

// writeString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD, as encoding/json does.
func writeString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case c == '\n':
				buf.WriteString(`\n`)
			case c == '\r':
				buf.WriteString(`\r`)
			case c == '\t':
				buf.WriteString(`\t`)
			case c < 0x20:
				fmt.Fprintf(buf, `\u%04x`, c)
			default:
				buf.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(`\ufffd`)
		} else {
			buf.WriteString(s[i : i+size])
		}
		i += size
	}
	buf.WriteByte('"')
}

// paramField is a struct field that Params writes.
type paramField struct {
	key   string
	index []int
}

var fieldCache sync.Map // reflect.Type → []paramField

// structFields returns the fields of t that Params writes, in declaration order, flattening embedded structs
// (an outer field hides an embedded one with the same key).
func structFields(t reflect.Type) []paramField {
	if c, ok := fieldCache.Load(t); ok {
		return c.([]paramField)
	}
	var out []paramField
	seen := map[string]bool{}
	var walk func(t reflect.Type, index []int, depth int)
	walk = func(t reflect.Type, index []int, depth int) {
		var embedded []reflect.StructField
		for i := range t.NumField() {
			f := t.Field(i)
			key, ok := fieldKey(f)
			if !ok {
				continue
			}
			idx := append(slices.Clone(index), i)
			if f.Anonymous && f.Tag.Get("audit") == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && depth < maxParamDepth {
					f.Index = idx
					embedded = append(embedded, f)
					continue
				}
			}
			if !f.IsExported() || seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, paramField{key: key, index: idx})
		}
		for _, f := range embedded {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			walk(ft, f.Index, depth+1)
		}
	}
	walk(t, nil, 0)
	fieldCache.Store(t, out)
	return out
}

// fieldKey returns the key a struct field is written under, or false if it is never written.
func fieldKey(f reflect.StructField) (string, bool) {
	if f.Tag.Get("sensitive") == "true" || secretFieldNames[strings.ToLower(f.Name)] {
		return "", false
	}
	tag := f.Tag.Get("audit")
	if tag == "-" {
		return "", false
	}
	if tag != "" {
		return tag, true
	}
	return lowerCamel(f.Name), true
}

// fieldByIndex is reflect.Value.FieldByIndex that stops (false) at a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 {
			if v.Kind() == reflect.Pointer {
				if v.IsNil() {
					return reflect.Value{}, false
				}
				v = v.Elem()
			}
		}
		v = v.Field(x)
	}
	return v, true
}

// lowerCamel turns a Go field name into CloudTrail's key: words split at case changes (an initialism is one
// word: KMSKeyID → KMS, Key, ID), the first word lower-cased, the others capitalized (kmsKeyId).
func lowerCamel(name string) string {
	rs := []rune(name)
	var b strings.Builder
	start := 0
	word := 0
	flush := func(end int) {
		if end <= start {
			return
		}
		for i, r := range rs[start:end] {
			if word > 0 && i == 0 {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
		word++
		start = end
	}
	for i := 1; i < len(rs); i++ {
		prev, cur := rs[i-1], rs[i]
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		switch {
		case unicode.IsUpper(cur) && !unicode.IsUpper(prev):
			flush(i)
		case unicode.IsUpper(cur) && unicode.IsUpper(prev) && unicode.IsLower(next) && !pluralInitialism(rs, i):
			flush(i)
		}
	}
	flush(len(rs))
	return b.String()
}

// pluralInitialism reports whether rs[i+1] is the "s" that ends a plural initialism (KeyIDs, RoleARNs).
func pluralInitialism(rs []rune, i int) bool {
	return rs[i+1] == 's' && (i+2 == len(rs) || unicode.IsUpper(rs[i+2]))
}
