// Package jsonrec reads JSON records: Reader cuts an object (a log file of any size) into records without
// holding more than one — the elements of a wrapper's array ({"Records":[…]}), of a top-level array, or
// top-level objects one after the other (JSON lines) — and Tree parses one record into a small DOM whose
// strings are views of the record, reused from record to record, so that sources read JSON vendor formats
// fast and in bounded memory.
package jsonrec

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the type of a JSON value.
type Kind uint8

const (
	Null Kind = iota
	Bool
	Number
	String
	Object
	Array
)

// value is one JSON value of a parsed record. Values live in the tree's slice and refer to each other by index,
// so that parsing a record allocates nothing once the tree's slices have grown.
type value struct {
	kind Kind
	// text is a string's decoded bytes, a number's or a boolean's literal, or an object's or array's raw JSON
	// (the span of the record it was read from).
	text []byte
	// lo and hi bound the members of an object or the elements of an array in tree.members.
	lo, hi int32
}

// Value is a value of a parsed record: an index into its Tree. None stands for a value that is absent.
type Value int32

// None is the Value of an absent member.
const None Value = -1

// Member is an object's member (Key set) or an array's element (Key nil).
type Member struct {
	Key []byte
	Val Value
}

// Tree is a parsed JSON record: a small DOM over the record's bytes, reused from record to record.
type Tree struct {
	vals    []value
	members []Member
	stack   []Member
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

// Parse parses one JSON value, the whole of data, and returns the index of its root value. Strings stay views
// of data (or of the tree's scratch space when they had escapes): valid until the next parse.
func (t *Tree) Parse(data []byte) (Value, error) {
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

func (t *Tree) space() {
	for t.pos < len(t.data) {
		switch t.data[t.pos] {
		case ' ', '\t', '\n', '\r':
			t.pos++
		default:
			return
		}
	}
}

func (t *Tree) add(v value) Value {
	t.vals = append(t.vals, v)
	return Value(len(t.vals) - 1)
}

func (t *Tree) value(depth int) (Value, error) {
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
		return t.add(value{kind: String, text: s}), nil
	case 't':
		return t.literal("true", Bool)
	case 'f':
		return t.literal("false", Bool)
	case 'n':
		return t.literal("null", Null)
	default:
		return t.number()
	}
}

func (t *Tree) literal(word string, k Kind) (Value, error) {
	end := t.pos + len(word)
	if end > len(t.data) || string(t.data[t.pos:end]) != word {
		return 0, errSyntax
	}
	v := value{kind: k, text: t.data[t.pos:end]}
	t.pos = end
	return t.add(v), nil
}

func (t *Tree) number() (Value, error) {
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
	return t.add(value{kind: Number, text: text}), nil
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

func (t *Tree) container(open byte, depth int) (Value, error) {
	start := t.pos
	t.pos++
	mark := len(t.stack)
	closing := byte('}')
	k := Object
	if open == '[' {
		closing, k = ']', Array
	}
	t.space()
	if t.pos < len(t.data) && t.data[t.pos] == closing {
		t.pos++
		return t.add(value{kind: k, text: t.data[start:t.pos]}), nil
	}
	for {
		var key []byte
		if k == Object {
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
		t.stack = append(t.stack, Member{Key: key, Val: v})
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
func (t *Tree) str() ([]byte, error) {
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
func (t *Tree) escaped(start int) ([]byte, error) {
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

func (t *Tree) hex4() (rune, bool) {
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

// Get returns the member of object v named key, None when v is not an object or has no such member.
func (t *Tree) Get(v Value, key string) Value {
	if v < 0 || t.vals[v].kind != Object {
		return None
	}
	val := &t.vals[v]
	for _, m := range t.members[val.lo:val.hi] {
		if string(m.Key) == key {
			return m.Val
		}
	}
	return None
}

// Kind returns the kind of v; Null for None.
func (t *Tree) Kind(v Value) Kind {
	if v < 0 {
		return Null
	}
	return t.vals[v].kind
}

// Text returns the decoded text of a string value, nil for other values and None.
func (t *Tree) Text(v Value) []byte {
	if v < 0 || t.vals[v].kind != String {
		return nil
	}
	return t.vals[v].text
}

// Raw returns a value's JSON: a number's or a boolean's literal, an object's or array's text as the record has
// it; for a string, its decoded text (as Text). Nil for None.
func (t *Tree) Raw(v Value) []byte {
	if v < 0 {
		return nil
	}
	return t.vals[v].text
}

// Members returns the members of an object or the elements of an array (nil for other values).
func (t *Tree) Members(v Value) []Member {
	if v < 0 {
		return nil
	}
	val := &t.vals[v]
	if val.kind != Object && val.kind != Array {
		return nil
	}
	return t.members[val.lo:val.hi]
}
