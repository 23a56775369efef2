package cloudtrail

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// kind is the type of a JSON value.
type kind uint8

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kObject
	kArray
)

// value is one JSON value of a parsed record. Values live in the tree's slice and refer to each other by index,
// so that parsing a record allocates nothing once the tree's slices have grown.
type value struct {
	kind kind
	// text is a string's decoded bytes, a number's or a boolean's literal, or an object's or array's raw JSON
	// (the span of the record it was read from).
	text []byte
	// lo and hi bound the members of an object or the elements of an array in tree.members.
	lo, hi int32
}

// member is an object's member (key set) or an array's element (key nil).
type member struct {
	key []byte
	val int32
}

// tree is a parsed JSON record: a small DOM over the record's bytes, reused from record to record.
type tree struct {
	vals    []value
	members []member
	stack   []member
	scratch []byte
	data    []byte
	pos     int
}

// maxDepth bounds the nesting of a record: deeper records are set aside.
const maxDepth = 64

var (
	errSyntax = errors.New("invalid JSON")
	errDepth  = errors.New("JSON nested deeper than 64 levels")
)

// parse parses one JSON value, the whole of data, and returns the index of its root value. Strings stay views
// of data (or of the tree's scratch space when they had escapes): valid until the next parse.
func (t *tree) parse(data []byte) (int32, error) {
	t.vals, t.members, t.stack, t.scratch = t.vals[:0], t.members[:0], t.stack[:0], t.scratch[:0]
	t.data, t.pos = data, 0
	// Escaped strings are decoded into scratch: reserve room for all of them so that it never moves.
	if cap(t.scratch) < len(data) {
		t.scratch = make([]byte, 0, len(data))
	}
	root, err := t.value(0)
	if err != nil {
		return 0, err
	}
	t.space()
	if t.pos != len(t.data) {
		return 0, errSyntax
	}
	return root, nil
}

func (t *tree) space() {
	for t.pos < len(t.data) {
		switch t.data[t.pos] {
		case ' ', '\t', '\n', '\r':
			t.pos++
		default:
			return
		}
	}
}

func (t *tree) add(v value) int32 {
	t.vals = append(t.vals, v)
	return int32(len(t.vals) - 1)
}

func (t *tree) value(depth int) (int32, error) {
	if depth > maxDepth {
		return 0, errDepth
	}
	t.space()
	if t.pos >= len(t.data) {
		return 0, errSyntax
	}
	switch c := t.data[t.pos]; c {
	case '{', '[':
		return t.container(c, depth)
	case '"':
		s, err := t.str()
		if err != nil {
			return 0, err
		}
		return t.add(value{kind: kString, text: s}), nil
	case 't':
		return t.literal("true", kBool)
	case 'f':
		return t.literal("false", kBool)
	case 'n':
		return t.literal("null", kNull)
	default:
		return t.number()
	}
}

func (t *tree) literal(word string, k kind) (int32, error) {
	end := t.pos + len(word)
	if end > len(t.data) || string(t.data[t.pos:end]) != word {
		return 0, errSyntax
	}
	v := value{kind: k, text: t.data[t.pos:end]}
	t.pos = end
	return t.add(v), nil
}

func (t *tree) number() (int32, error) {
	start := t.pos
	for t.pos < len(t.data) {
		c := t.data[t.pos]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			t.pos++
			continue
		}
		break
	}
	text := t.data[start:t.pos]
	if !validNumber(text) {
		return 0, errSyntax
	}
	return t.add(value{kind: kNumber, text: text}), nil
}

// validNumber checks JSON's number grammar.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(b)
}

func (t *tree) container(open byte, depth int) (int32, error) {
	start := t.pos
	t.pos++
	mark := len(t.stack)
	closing := byte('}')
	k := kObject
	if open == '[' {
		closing, k = ']', kArray
	}
	t.space()
	if t.pos < len(t.data) && t.data[t.pos] == closing {
		t.pos++
		return t.add(value{kind: k, text: t.data[start:t.pos]}), nil
	}
	for {
		var key []byte
		if k == kObject {
			t.space()
			if t.pos >= len(t.data) || t.data[t.pos] != '"' {
				return 0, errSyntax
			}
			s, err := t.str()
			if err != nil {
				return 0, err
			}
			key = s
			t.space()
			if t.pos >= len(t.data) || t.data[t.pos] != ':' {
				return 0, errSyntax
			}
			t.pos++
		}
		v, err := t.value(depth + 1)
		if err != nil {
			return 0, err
		}
		t.stack = append(t.stack, member{key: key, val: v})
		t.space()
		if t.pos >= len(t.data) {
			return 0, errSyntax
		}
		c := t.data[t.pos]
		t.pos++
		if c == ',' {
			continue
		}
		if c != closing {
			return 0, errSyntax
		}
		break
	}
	lo := int32(len(t.members))
	t.members = append(t.members, t.stack[mark:]...)
	t.stack = t.stack[:mark]
	return t.add(value{kind: k, text: t.data[start:t.pos], lo: lo, hi: int32(len(t.members))}), nil
}

// str reads a string and returns its decoded bytes.
func (t *tree) str() ([]byte, error) {
	t.pos++ // the opening quote
	start := t.pos
	for t.pos < len(t.data) {
		c := t.data[t.pos]
		switch {
		case c == '"':
			s := t.data[start:t.pos]
			t.pos++
			return s, nil
		case c == '\\':
			return t.escaped(start)
		case c < 0x20:
			return nil, errSyntax
		}
		t.pos++
	}
	return nil, errSyntax
}

// escaped decodes a string with escapes into scratch, from start (the first byte after the quote).
func (t *tree) escaped(start int) ([]byte, error) {
	out := len(t.scratch)
	t.scratch = append(t.scratch, t.data[start:t.pos]...)
	for t.pos < len(t.data) {
		c := t.data[t.pos]
		switch {
		case c == '"':
			t.pos++
			return t.scratch[out:len(t.scratch):len(t.scratch)], nil
		case c < 0x20:
			return nil, errSyntax
		case c != '\\':
			t.scratch = append(t.scratch, c)
			t.pos++
			continue
		}
		if t.pos+1 >= len(t.data) {
			return nil, errSyntax
		}
		e := t.data[t.pos+1]
		t.pos += 2
		switch e {
		case '"', '\\', '/':
			t.scratch = append(t.scratch, e)
		case 'b':
			t.scratch = append(t.scratch, '\b')
		case 'f':
			t.scratch = append(t.scratch, '\f')
		case 'n':
			t.scratch = append(t.scratch, '\n')
		case 'r':
			t.scratch = append(t.scratch, '\r')
		case 't':
			t.scratch = append(t.scratch, '\t')
		case 'u':
			r, ok := t.hex4()
			if !ok {
				return nil, errSyntax
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if t.pos+1 < len(t.data) && t.data[t.pos] == '\\' && t.data[t.pos+1] == 'u' {
					save := t.pos
					t.pos += 2
					if low, ok := t.hex4(); ok && utf16.DecodeRune(r, low) != utf8.RuneError {
						r2 = utf16.DecodeRune(r, low)
					} else {
						t.pos = save
					}
				}
				r = r2
			}
			t.scratch = utf8.AppendRune(t.scratch, r)
		default:
			return nil, errSyntax
		}
	}
	return nil, errSyntax
}

func (t *tree) hex4() (rune, bool) {
	if t.pos+4 > len(t.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(t.data[t.pos:t.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	t.pos += 4
	return rune(n), true
}

// get returns the member of object v named key, -1 when absent.
func (t *tree) get(v int32, key string) int32 {
	if v < 0 || t.vals[v].kind != kObject {
		return -1
	}
	val := &t.vals[v]
	for _, m := range t.members[val.lo:val.hi] {
		if string(m.key) == key {
			return m.val
		}
	}
	return -1
}

// text returns the text of a string value, nil for other values and for -1.
func (t *tree) text(v int32) []byte {
	if v < 0 || t.vals[v].kind != kString {
		return nil
	}
	return t.vals[v].text
}

// kids returns the members of an object or the elements of an array.
func (t *tree) kids(v int32) []member {
	if v < 0 {
		return nil
	}
	val := &t.vals[v]
	if val.kind != kObject && val.kind != kArray {
		return nil
	}
	return t.members[val.lo:val.hi]
}
