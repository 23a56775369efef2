package policy

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// The policy grammar needs more of a JSON reader than encoding/json offers: IAM rejects an element that
// appears twice in one object ("Individual elements must not contain multiple instances of the same key",
// IAM UG reference_policies_grammar), SimulateCustomPolicy reports statements by row and column, and the
// scalar text of numbers and booleans ("true" vs true) must survive. This small reader builds a tree that
// keeps all three.

// jsonKind is the type of a JSON value.
type jsonKind uint8

const (
	jsonNull jsonKind = iota
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// String names the kind for error messages.
func (k jsonKind) String() string {
	return [...]string{"null", "boolean", "number", "string", "array", "object"}[k]
}

// jsonValue is one node of the tree. For scalars, text is the decoded string, or the literal text of a number
// or boolean.
type jsonValue struct {
	kind   jsonKind
	text   string
	items  []jsonValue
	fields []jsonField
	start  int // byte offset of the first character
	end    int // byte offset just past the last character
}

// jsonField is one member of an object, in document order.
type jsonField struct {
	key   string
	value jsonValue
}

// maxJSONDepth bounds nesting so a hostile document cannot exhaust the stack; policies need depth 5.
const maxJSONDepth = 32

// errJSONSyntax is wrapped by every reader error.
var errJSONSyntax = errors.New("invalid JSON")

type jsonReader struct {
	src   string
	pos   int
	depth int
}

// parseJSON reads exactly one JSON value from src, with optional white space around it.
func parseJSON(src string) (jsonValue, error) {
	r := jsonReader{src: src}
	r.skipSpace()
	v, err := r.value()
	if err != nil {
		return jsonValue{}, err
	}
	r.skipSpace()
	if r.pos != len(r.src) {
		return jsonValue{}, r.fail("unexpected data after the top-level value")
	}
	return v, nil
}

func (r *jsonReader) fail(msg string) error {
	line, col := position(r.src, r.pos)
	return fmt.Errorf("%w at line %d, column %d: %s", errJSONSyntax, line, col, msg)
}

func (r *jsonReader) skipSpace() {
	for r.pos < len(r.src) {
		switch r.src[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (jsonValue, error) {
	if r.pos >= len(r.src) {
		return jsonValue{}, r.fail("unexpected end of document")
	}
	start := r.pos
	switch c := r.src[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		s, err := r.str()
		return jsonValue{kind: jsonString, text: s, start: start, end: r.pos}, err
	case c == 't':
		return r.literal("true", jsonBool)
	case c == 'f':
		return r.literal("false", jsonBool)
	case c == 'n':
		return r.literal("null", jsonNull)
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	default:
		return jsonValue{}, r.fail(fmt.Sprintf("unexpected character %q", c))
	}
}

// open enters the object or array at r.pos; empty reports that it closes at once.
func (r *jsonReader) open(closing byte) (empty bool, err error) {
	r.depth++
	if r.depth > maxJSONDepth {
		return false, r.fail("nesting too deep")
	}
	r.pos++
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == closing {
		r.pos++
		r.depth--
		return true, nil
	}
	return false, nil
}

// separator reads the ',' or the closing character after a member or item; done reports the latter.
func (r *jsonReader) separator(closing byte, what string) (done bool, err error) {
	r.skipSpace()
	if r.pos >= len(r.src) {
		return false, r.fail("unterminated " + what)
	}
	switch r.src[r.pos] {
	case ',':
		r.pos++
		return false, nil
	case closing:
		r.pos++
		r.depth--
		return true, nil
	}
	return false, r.fail(fmt.Sprintf("expected ',' or '%c' in an %s", closing, what))
}

func (r *jsonReader) object() (jsonValue, error) {
	v := jsonValue{kind: jsonObject, start: r.pos}
	if empty, err := r.open('}'); empty || err != nil {
		v.end = r.pos
		return v, err
	}
	for {
		r.skipSpace()
		if r.pos >= len(r.src) || r.src[r.pos] != '"' {
			return v, r.fail("expected a quoted member name")
		}
		keyAt := r.pos
		key, err := r.str()
		if err != nil {
			return v, err
		}
		for _, f := range v.fields {
			if f.key == key {
				r.pos = keyAt
				return v, r.fail(fmt.Sprintf("duplicate member %q", key))
			}
		}
		r.skipSpace()
		if r.pos >= len(r.src) || r.src[r.pos] != ':' {
			return v, r.fail("expected ':' after a member name")
		}
		r.pos++
		r.skipSpace()
		val, err := r.value()
		if err != nil {
			return v, err
		}
		v.fields = append(v.fields, jsonField{key: key, value: val})
		if done, err := r.separator('}', "object"); done || err != nil {
			v.end = r.pos
			return v, err
		}
	}
}

func (r *jsonReader) array() (jsonValue, error) {
	v := jsonValue{kind: jsonArray, start: r.pos}
	if empty, err := r.open(']'); empty || err != nil {
		v.end = r.pos
		return v, err
	}
	for {
		r.skipSpace()
		item, err := r.value()
		if err != nil {
			return v, err
		}
		v.items = append(v.items, item)
		if done, err := r.separator(']', "array"); done || err != nil {
			v.end = r.pos
			return v, err
		}
	}
}

func (r *jsonReader) literal(word string, kind jsonKind) (jsonValue, error) {
	start := r.pos
	if !strings.HasPrefix(r.src[r.pos:], word) {
		return jsonValue{}, r.fail("invalid literal")
	}
	r.pos += len(word)
	return jsonValue{kind: kind, text: word, start: start, end: r.pos}, nil
}

func (r *jsonReader) number() (jsonValue, error) {
	start := r.pos
	if r.src[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.src) && r.src[r.pos] == '0':
		r.pos++
	case r.pos < len(r.src) && r.src[r.pos] >= '1' && r.src[r.pos] <= '9':
		r.digits()
	default:
		return jsonValue{}, r.fail("invalid number")
	}
	if r.pos < len(r.src) && r.src[r.pos] == '.' {
		r.pos++
		if !r.digits() {
			return jsonValue{}, r.fail("invalid number")
		}
	}
	if r.pos < len(r.src) && (r.src[r.pos] == 'e' || r.src[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.src) && (r.src[r.pos] == '+' || r.src[r.pos] == '-') {
			r.pos++
		}
		if !r.digits() {
			return jsonValue{}, r.fail("invalid number")
		}
	}
	return jsonValue{kind: jsonNumber, text: r.src[start:r.pos], start: start, end: r.pos}, nil
}

func (r *jsonReader) digits() bool {
	start := r.pos
	for r.pos < len(r.src) && r.src[r.pos] >= '0' && r.src[r.pos] <= '9' {
		r.pos++
	}
	return r.pos > start
}

// str reads a quoted string at r.pos and returns its decoded value.
func (r *jsonReader) str() (string, error) {
	r.pos++ // opening quote
	start := r.pos
	// Fast path: no escapes.
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		if c == '"' {
			s := r.src[start:r.pos]
			r.pos++
			if !utf8.ValidString(s) {
				return "", r.fail("invalid UTF-8 in a string")
			}
			return s, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		r.pos++
	}
	var b strings.Builder
	b.WriteString(r.src[start:r.pos])
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		switch {
		case c == '"':
			r.pos++
			s := b.String()
			if !utf8.ValidString(s) {
				return "", r.fail("invalid UTF-8 in a string")
			}
			return s, nil
		case c < 0x20:
			return "", r.fail("control character in a string")
		case c == '\\':
			if err := r.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
			r.pos++
		}
	}
	return "", r.fail("unterminated string")
}

func (r *jsonReader) escape(b *strings.Builder) error {
	r.pos++ // backslash
	if r.pos >= len(r.src) {
		return r.fail("unterminated escape")
	}
	c := r.src[r.pos]
	r.pos++
	switch c {
	case '"', '\\', '/':
		b.WriteByte(c)
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'u':
		r1, ok := r.hex4()
		if !ok {
			return r.fail("invalid \\u escape")
		}
		if utf16.IsSurrogate(r1) && strings.HasPrefix(r.src[r.pos:], `\u`) {
			save := r.pos
			r.pos += 2
			if r2, ok := r.hex4(); ok {
				if dec := utf16.DecodeRune(r1, r2); dec != utf8.RuneError {
					b.WriteRune(dec)
					return nil
				}
			}
			r.pos = save
		}
		b.WriteRune(r1) // a lone surrogate becomes U+FFFD
	default:
		return r.fail(fmt.Sprintf("invalid escape \\%c", c))
	}
	return nil
}

func (r *jsonReader) hex4() (rune, bool) {
	if r.pos+4 > len(r.src) {
		return 0, false
	}
	var v rune
	for _, c := range []byte(r.src[r.pos : r.pos+4]) {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			v |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			v |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	r.pos += 4
	return v, true
}

// position converts a byte offset in src to a 1-based line and column (columns count characters).
func position(src string, off int) (line, col int) {
	if off > len(src) {
		off = len(src)
	}
	line, col = 1, 1
	for _, c := range src[:off] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// writeJSONString appends s as a JSON string that uses only printable ASCII, so the result passes every
// policy character-set rule however s was written.
func writeJSONString(b *strings.Builder, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteRune(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteRune(c)
		default:
			for _, u := range utf16.Encode([]rune{c}) {
				b.WriteString(`\u`)
				b.WriteByte(hexDigits[u>>12&0xf])
				b.WriteByte(hexDigits[u>>8&0xf])
				b.WriteByte(hexDigits[u>>4&0xf])
				b.WriteByte(hexDigits[u&0xf])
			}
		}
	}
	b.WriteByte('"')
}
