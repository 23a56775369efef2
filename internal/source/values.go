package source

import (
	"errors"
	"io"
	"time"
)

// Values reads the records of a JSON object — JSON lines, pretty-printed JSON values one after the other, a
// top-level array of records, or a wrapper object whose first key holds the array of records
// ({"Findings":[…]}, {"Records":[…]}) — one record at a time, in bounded memory, without decoding them: it only
// finds where each record begins and ends, so that a record that is not valid JSON is set aside by itself and
// the rest of the object goes on.
//
// A record is a top-level JSON value, or an element of a top-level array or of a wrapper's array. A line of a
// CloudWatch Logs export ("2024-03-05T10:15:42.000Z {…}") is read as its object. Text that does not start a
// JSON object or array is a bad record up to the end of its line. Once the object's first
// record has been seen to fit on one line, the object is taken for JSON lines: a record that is still open at
// the end of its line is cut there and reported Incomplete (so a truncated line spoils only itself); before
// that, and in pretty-printed objects, records may span lines. A raw newline inside a JSON string (never valid
// JSON) also ends a record as incomplete. A record longer than MaxRecord is kept cut to its first MaxRecord
// bytes with Truncated set, and read on to its end.
type Values struct {
	r      io.Reader
	buf    []byte
	pos    int
	end    int
	eof    bool
	err    error
	unwrap []string

	rec        []byte
	n          int64
	bytes      int64
	truncated  bool
	incomplete bool
	lines      bool // JSON lines: a newline ends an open record
	decided    bool // whether lines has been decided by the first record
	multiline  bool // whether the current record spans lines
	// array is the depth of the array whose elements are records: 0 when records are top-level values, 1 for
	// a top-level array, 2 for a wrapper's array.
	array int
}

// NewValues returns a reader of the JSON records of r. unwrap are the keys of wrapper objects whose arrays
// hold the records ("Findings"): a top-level object whose first key is one of them, with an array as its
// value, yields the array's elements (the wrapper's other keys are skipped). A top-level array always yields
// its elements.
func NewValues(r io.Reader, unwrap ...string) *Values {
	return &Values{r: r, buf: make([]byte, 64<<10), unwrap: unwrap}
}

// Next advances to the next record and reports whether there is one. At the end, Err says whether reading
// failed.
func (v *Values) Next() bool {
	v.rec, v.truncated, v.incomplete, v.multiline = v.rec[:0], false, false, false
	for {
		c, ok := v.skipSpace()
		if !ok {
			return false
		}
		if v.array > 0 {
			switch c {
			case ',':
				v.pos++
				continue
			case ']':
				v.pos++
				v.leaveArray()
				continue
			}
		}
		v.n++
		switch {
		case c == '{' && v.array == 0 && len(v.unwrap) > 0:
			v.wrapper()
			if v.array == 2 && len(v.rec) == 0 {
				v.n--
				continue
			}
		case c == '{' || c == '[':
			if c == '[' && v.array == 0 {
				v.pos++
				v.array = 1
				v.n--
				continue
			}
			v.value(0, false)
		case v.array > 0:
			v.scalar()
		case c >= '0' && c <= '9':
			v.stamped()
		default:
			v.junk()
		}
		if !v.decided && v.array == 0 && !v.incomplete {
			// The first whole record tells JSON lines from pretty-printed JSON.
			v.decided, v.lines = true, !v.multiline
		}
		return true
	}
}

// leaveArray ends the array of records: for a wrapper, the rest of the wrapper object is skipped.
func (v *Values) leaveArray() {
	if v.array == 2 {
		v.value(1, true)
	}
	v.array = 0
}

// wrapper reads the start of a top-level object: when its first key is one of v.unwrap and holds an array,
// it enters the array (v.array = 2, nothing kept); otherwise it reads the object as a record.
func (v *Values) wrapper() {
	v.keep('{')
	v.pos++
	depth := 1
	c, ok := v.skipSpaceKeep()
	if !ok || c != '"' {
		v.value(depth, false)
		return
	}
	keyStart := len(v.rec)
	v.keep(c)
	v.pos++
	if !v.str() {
		return
	}
	key := string(v.rec[keyStart:])
	c, ok = v.skipSpaceKeep()
	if !ok || c != ':' {
		v.value(depth, false)
		return
	}
	v.keep(c)
	v.pos++
	c, ok = v.skipSpaceKeep()
	if ok && c == '[' {
		for _, u := range v.unwrap {
			if key == `"`+u+`"` {
				v.pos++
				v.array = 2
				v.rec, v.truncated = v.rec[:0], false
				return
			}
		}
	}
	v.value(depth, false)
}

// value reads the rest of a JSON object or array that is depth levels deep so far (0: not started yet), up to
// its end. With skip, nothing is kept.
func (v *Values) value(depth int, skip bool) {
	for {
		if v.pos == v.end && !v.fill() {
			v.incomplete = true
			return
		}
		c := v.buf[v.pos]
		v.pos++
		if !skip {
			v.keep(c)
		}
		switch c {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth <= 0 {
				return
			}
		case '"':
			if !v.strSkip(skip) {
				return
			}
		case '\n':
			v.multiline = true
			if v.lines && !skip {
				v.rec = v.rec[:len(v.rec)-1]
				v.incomplete = true
				return
			}
		}
	}
}

// str reads the rest of a string whose opening quote is kept, keeping it; false when the record ended inside it.
func (v *Values) str() bool { return v.strSkip(false) }

func (v *Values) strSkip(skip bool) bool {
	escaped := false
	for {
		if v.pos == v.end && !v.fill() {
			v.incomplete = true
			return false
		}
		c := v.buf[v.pos]
		if c == '\n' {
			// A raw newline cannot be inside a JSON string: the record ends, incomplete, before it.
			v.incomplete = true
			return false
		}
		v.pos++
		if !skip {
			v.keep(c)
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			return true
		}
	}
}

// scalar reads an element of the array of records that is not an object or array, up to the next comma, end
// of the array or space.
func (v *Values) scalar() {
	for {
		if v.pos == v.end && !v.fill() {
			return
		}
		c := v.buf[v.pos]
		switch c {
		case ',', ']', ' ', '\t', '\r', '\n':
			return
		case '"':
			v.keep(c)
			v.pos++
			if !v.str() {
				return
			}
			continue
		}
		v.keep(c)
		v.pos++
	}
}

// stamped reads a line of a CloudWatch Logs export, "<RFC 3339 time> <JSON object>": the time is dropped and
// the object is the record. A line that is not one is junk.
func (v *Values) stamped() {
	var stamp [40]byte
	n := 0
	for n < len(stamp) {
		if v.pos == v.end && !v.fill() {
			break
		}
		c := v.buf[v.pos]
		if c == ' ' || c == '\n' {
			break
		}
		stamp[n] = c
		n++
		v.pos++
	}
	if _, err := time.Parse(time.RFC3339Nano, string(stamp[:n])); err == nil && (v.pos < v.end || v.fill()) && v.buf[v.pos] == ' ' {
		v.pos++
		for (v.pos < v.end || v.fill()) && v.buf[v.pos] == ' ' {
			v.pos++
		}
		if (v.pos < v.end || v.fill()) && v.buf[v.pos] == '{' {
			v.value(0, false)
			return
		}
		stamp[n] = ' '
		n++
	}
	for _, c := range stamp[:n] {
		v.keep(c)
	}
	v.junk()
}

// junk reads text that does not start a record, to the end of its line.
func (v *Values) junk() {
	for {
		if v.pos == v.end && !v.fill() {
			return
		}
		c := v.buf[v.pos]
		v.pos++
		if c == '\n' {
			return
		}
		v.keep(c)
	}
}

// skipSpace skips white space and reports the next byte without consuming it; false at the end of the input.
func (v *Values) skipSpace() (byte, bool) {
	for {
		if v.pos == v.end && !v.fill() {
			return 0, false
		}
		c := v.buf[v.pos]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, true
		}
		v.pos++
	}
}

// skipSpaceKeep is skipSpace inside a record: the white space is kept, and a newline in JSON lines ends the
// record as incomplete.
func (v *Values) skipSpaceKeep() (byte, bool) {
	for {
		if v.pos == v.end && !v.fill() {
			v.incomplete = true
			return 0, false
		}
		c := v.buf[v.pos]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, true
		}
		v.pos++
		v.keep(c)
		if c == '\n' {
			v.multiline = true
		}
	}
}

func (v *Values) keep(c byte) {
	if len(v.rec) < MaxRecord {
		v.rec = append(v.rec, c)
		return
	}
	v.truncated = true
}

// fill reads more input; false at the end or on an error.
func (v *Values) fill() bool {
	if v.eof {
		return false
	}
	for {
		n, err := v.r.Read(v.buf)
		v.pos, v.end = 0, n
		v.bytes += int64(n)
		if err != nil {
			v.eof = true
			if !errors.Is(err, io.EOF) {
				v.err = err
			}
		}
		if n > 0 {
			return true
		}
		if v.eof {
			return false
		}
	}
}

// Value returns the current record's bytes. It is valid until the next call of Next.
func (v *Values) Value() []byte { return v.rec }

// Number returns the current record's number in the object, from 1.
func (v *Values) Number() int64 { return v.n }

// Truncated reports whether the current record was longer than MaxRecord and cut.
func (v *Values) Truncated() bool { return v.truncated }

// Incomplete reports whether the current record ended before its JSON value did (at the end of the input, or
// at the end of its line in JSON lines).
func (v *Values) Incomplete() bool { return v.incomplete }

// Bytes returns the number of bytes read so far.
func (v *Values) Bytes() int64 { return v.bytes }

// Err returns the error that ended reading, nil at the end of the input.
func (v *Values) Err() error { return v.err }
