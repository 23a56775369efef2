package eventpattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unsafe"
)

// errMalformed is the error of an event that is not a JSON object.
var errMalformed = errors.New("event is not a well-formed JSON object")

// scanner walks an event once, recording the leaf values at the paths of the trie and skipping the rest.
type scanner struct {
	data []byte
	st   *state
}

func (s *scanner) top(t *trieNode) error {
	i := s.ws(0)
	if i >= len(s.data) || s.data[i] != '{' {
		return errMalformed
	}
	i, err := s.object(i, t)
	if err != nil {
		return err
	}
	if s.ws(i) != len(s.data) {
		return errMalformed
	}
	return nil
}

func (s *scanner) ws(i int) int {
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// object reads the object at data[i] == '{' and returns the offset after it.
func (s *scanner) object(i int, t *trieNode) (int, error) {
	i = s.ws(i + 1)
	if i < len(s.data) && s.data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(s.data) || s.data[i] != '"' {
			return 0, errMalformed
		}
		key, end, err := s.str(i, false)
		if err != nil {
			return 0, err
		}
		i = s.ws(end)
		if i >= len(s.data) || s.data[i] != ':' {
			return 0, errMalformed
		}
		i = s.ws(i + 1)
		if k := t.kid(key); k != nil {
			i, err = s.value(i, k)
		} else {
			i, err = s.skip(i)
		}
		if err != nil {
			return 0, err
		}
		i = s.ws(i)
		if i >= len(s.data) {
			return 0, errMalformed
		}
		switch s.data[i] {
		case ',':
			i = s.ws(i + 1)
		case '}':
			return i + 1, nil
		default:
			return 0, errMalformed
		}
	}
}

// value reads the value at data[i] for the trie node t.
func (s *scanner) value(i int, t *trieNode) (int, error) {
	if i >= len(s.data) {
		return 0, errMalformed
	}
	switch c := s.data[i]; {
	case c == '{':
		if t.kids == nil {
			return s.skip(i)
		}
		return s.object(i, t)
	case c == '[':
		i = s.ws(i + 1)
		if i < len(s.data) && s.data[i] == ']' {
			return i + 1, nil
		}
		for {
			var err error
			if i, err = s.value(i, t); err != nil {
				return 0, err
			}
			i = s.ws(i)
			if i >= len(s.data) {
				return 0, errMalformed
			}
			if s.data[i] == ']' {
				return i + 1, nil
			}
			if s.data[i] != ',' {
				return 0, errMalformed
			}
			i = s.ws(i + 1)
		}
	case c == '"':
		str, end, err := s.str(i, t.id >= 0)
		if err != nil {
			return 0, err
		}
		s.record(t, value{kind: kindString, str: str})
		return end, nil
	default:
		end := i
		for end < len(s.data) && isScalarByte(s.data[end]) {
			end++
		}
		lit := s.data[i:end]
		v := value{str: unsafe.String(unsafe.SliceData(lit), len(lit))}
		switch {
		case v.str == "true" || v.str == "false":
			v.kind = kindBool
		case v.str == "null":
			v.kind = kindNull
		default:
			f, err := strconv.ParseFloat(v.str, 64)
			if err != nil || !validNumber(lit) {
				return 0, errMalformed
			}
			v.kind, v.num, v.ok = kindNumber, f, true
		}
		s.record(t, v)
		return end, nil
	}
}

func (s *scanner) record(t *trieNode, v value) {
	if t.id < 0 {
		return
	}
	st := s.st
	if len(st.vals[t.id]) == 0 {
		st.used = append(st.used, t.id)
	}
	st.vals[t.id] = append(st.vals[t.id], v)
}

func isScalarByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '-' || c == '+' || c == '.' || c == 'E'
}

// validNumber checks JSON's number grammar, which ParseFloat alone does not (it accepts "Inf", "0x1p3", "01").
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch n := digits(b, i); {
	case n == i:
		return false
	case b[i] == '0' && n > i+1:
		return false
	default:
		i = n
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(b, i+1); b[i-1] == '.' {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		n := digits(b, i)
		if n == i {
			return false
		}
		i = n
	}
	return i == len(b)
}

// digits returns the offset after the run of digits at b[i].
func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// str reads the string at data[i] == '"', returning its text and the offset after it. Text without escapes
// points into the event. With check, raw control characters are refused as JSON requires; strings the scanner
// only passes over are not checked.
func (s *scanner) str(i int, check bool) (string, int, error) {
	data := s.data
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return "", 0, errMalformed
		}
		j += k
		if data[j-1] != '\\' {
			break
		}
		bs := 0
		for b := j - 1; b > i && data[b] == '\\'; b-- {
			bs++
		}
		if bs%2 == 0 {
			break
		}
		j++
	}
	raw := data[i+1 : j]
	if bytes.IndexByte(raw, '\\') < 0 {
		if check {
			for _, c := range raw {
				if c < 0x20 {
					return "", 0, errMalformed
				}
			}
		}
		return unsafe.String(unsafe.SliceData(raw), len(raw)), j + 1, nil
	}
	var out string
	if err := json.Unmarshal(data[i:j+1], &out); err != nil {
		return "", 0, errMalformed
	}
	return out, j + 1, nil
}

// strEnd returns the offset after the string at data[i] == '"', without decoding it.
func (s *scanner) strEnd(i int) (int, error) {
	data := s.data
	j := i + 1
	for {
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, errMalformed
		}
		j += k
		bs := 0
		for b := j - 1; b > i && data[b] == '\\'; b-- {
			bs++
		}
		if bs%2 == 0 {
			return j + 1, nil
		}
		j++
	}
}

// skip passes over the value at data[i].
func (s *scanner) skip(i int) (int, error) {
	if i >= len(s.data) {
		return 0, errMalformed
	}
	switch s.data[i] {
	case '"':
		return s.strEnd(i)
	case '{', '[':
		depth := 0
		for i < len(s.data) {
			switch s.data[i] {
			case '"':
				end, err := s.strEnd(i)
				if err != nil {
					return 0, err
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
			i++
		}
		return 0, errMalformed
	default:
		end := i
		for end < len(s.data) && isScalarByte(s.data[end]) {
			end++
		}
		if end == i {
			return 0, errMalformed
		}
		return end, nil
	}
}
