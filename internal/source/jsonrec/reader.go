package jsonrec

import (
	"bytes"
	"errors"
	"io"

	"github.com/seclake/seclake/internal/source"
)

// Reader cuts an object into JSON records without holding more than one in memory: the elements of the array of
// a wrapper object whose first key is the wrapper's ({"Records":[…]} for CloudTrail), the elements of a
// top-level array, or top-level objects one after the other (JSON lines; a line that begins with '{' ends a
// record that has not closed, so that one cut short does not swallow the rest). Text between values that is
// not JSON is a bad record up to the end of its line. A record is at most source.MaxRecord bytes: the rest of
// a longer one is skipped and the record marked truncated.
type Reader struct {
	r     io.Reader
	buf   []byte
	pos   int // next byte to read in buf
	end   int // end of the bytes read into buf
	err   error
	eof   bool
	empty int // reads in a row that returned nothing

	// record is the current record: a view of buf, or of long for a record that did not fit.
	record    []byte
	long      []byte
	truncated bool
	bad       string // why the current record is not a JSON value, when it is not
	n         int64
	bytes     int64

	wrapper string // the wrapper's key, quoted

	// state: 0 top level, 1 inside the wrapper's array, 2 inside a top-level array.
	state int
}

const readBuffer = 256 << 10

// NewReader returns a Reader of r; wrapper is the key of the array that holds the records in a wrapper object
// ("Records"), "" when there is none.
func NewReader(r io.Reader, wrapper string) *Reader {
	return &Reader{r: r, buf: make([]byte, readBuffer), wrapper: `"` + wrapper + `"`}
}

// fill moves buf[keep:end] to the front of buf and reads more input after it; it returns false at the end of
// the input (or on an error). Callers' offsets into buf move back by keep.
func (s *Reader) fill(keep int) bool {
	if keep > 0 {
		copy(s.buf, s.buf[keep:s.end])
		s.end -= keep
		s.pos -= keep
	}
	if s.eof {
		return false
	}
	if s.end == len(s.buf) {
		return true // full: the caller keeps part of a long record and calls again
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	s.bytes += int64(n)
	if n == 0 && err == nil {
		if s.empty++; s.empty >= 100 {
			err = io.ErrNoProgress
		}
	} else {
		s.empty = 0
	}
	if err != nil {
		s.eof = true
		if !errors.Is(err, io.EOF) {
			s.err = err
		}
		return n > 0
	}
	return true
}

// peek skips white space (and, inside arrays, commas) and returns the next byte, false at the end.
func (s *Reader) peek(commas bool) (byte, bool) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if isSpace(c) || (commas && c == ',') {
				s.pos++
				continue
			}
			if c == 0xEF && s.end-s.pos >= 3 && s.buf[s.pos+1] == 0xBB && s.buf[s.pos+2] == 0xBF {
				s.pos += 3 // a UTF-8 byte order mark
				continue
			}
			return c, true
		}
		if !s.fill(s.pos) {
			return 0, false
		}
	}
}

// Next advances to the next record and reports whether there is one; Err says whether reading failed.
func (s *Reader) Next() bool {
	s.truncated, s.bad, s.long, s.record = false, "", s.long[:0], nil
	for {
		c, ok := s.peek(s.state != 0)
		if !ok {
			return false
		}
		switch {
		case s.state != 0 && c == ']':
			s.pos++
			if s.state == 1 {
				s.closeWrapper()
			}
			s.state = 0
			continue
		case s.state == 0 && c == '{' && s.wrapper != `""` && s.wrapperKey():
			s.state = 1
			continue
		case s.state == 0 && c == '[':
			s.pos++
			s.state = 2
			continue
		case s.state == 0 && c != '{':
			s.n++
			s.line()
			s.bad = "not a JSON object"
			return true
		}
		s.n++
		s.value()
		return true
	}
}

// wrapperKey reports whether the object at pos begins with the wrapper's key and an array, and then moves past
// the '['. The object's other members are skipped when the array ends.
func (s *Reader) wrapperKey() bool {
	for s.end-s.pos < 256 && s.fill(s.pos) {
	}
	rest := s.buf[s.pos:s.end]
	i := skipSpace(rest, 1)
	if !bytes.HasPrefix(rest[i:], []byte(s.wrapper)) {
		return false
	}
	i = skipSpace(rest, i+len(s.wrapper))
	if i >= len(rest) || rest[i] != ':' {
		return false
	}
	i = skipSpace(rest, i+1)
	if i >= len(rest) || rest[i] != '[' {
		return false
	}
	s.pos += i + 1
	return true
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// value reads the JSON value at pos as the current record: an object or array whole, anything else up to the
// next comma, bracket or line end.
func (s *Reader) value() {
	if c := s.buf[s.pos]; c != '{' && c != '[' {
		s.upTo(func(c byte) bool { return c == ',' || c == ']' || c == '\n' })
		s.bad = "not a JSON object"
		return
	}
	st := scanState{lines: s.state == 0}
	depth := 0
	if !s.take(func(b []byte) (int, bool) { return st.scan(b, &depth) }) {
		s.bad = "the input ends inside the record"
	} else if st.cut {
		s.bad = "the record ends before it closes (a line beginning with { follows)"
	}
}

// line reads the rest of the line as the record.
func (s *Reader) line() {
	s.upTo(func(c byte) bool { return c == '\n' })
	if s.pos < s.end {
		s.pos++ // the line end
	}
}

// upTo reads up to the first byte for which stop is true (not included) as the record.
func (s *Reader) upTo(stop func(byte) bool) {
	s.take(func(b []byte) (int, bool) {
		for i, c := range b {
			if stop(c) {
				return i, true
			}
		}
		return len(b), false
	})
}

// take reads the record that starts at pos: scan consumes bytes and says where the record ends. It reports
// false when the input ends first; the record is then what there was.
func (s *Reader) take(scan func([]byte) (int, bool)) bool {
	start := s.pos
	for {
		i, done := scan(s.buf[s.pos:s.end])
		s.pos += i
		if done {
			s.keep(start, s.pos, true)
			return true
		}
		if s.pos-start >= len(s.buf)/2 {
			s.keep(start, s.pos, false)
			start = s.pos
		}
		more := s.fill(start)
		start = 0
		if !more {
			s.keep(start, s.pos, true)
			return false
		}
	}
}

// keep takes buf[from:to] as the next part of the record; last says it is the last part. A record in one part
// stays a view of buf; longer ones are copied to long, up to source.MaxRecord bytes.
func (s *Reader) keep(from, to int, last bool) {
	part := s.buf[from:to]
	if last && len(s.long) == 0 && !s.truncated {
		s.record = part
		return
	}
	room := source.MaxRecord - len(s.long)
	if len(part) > room {
		part, s.truncated = part[:room], true
	}
	s.long = append(s.long, part...)
	s.record = s.long
}

// closeWrapper skips what follows the Records array up to the end of the log file's object.
func (s *Reader) closeWrapper() {
	var st scanState
	depth := 1
	for {
		i, done := st.scan(s.buf[s.pos:s.end], &depth)
		s.pos += i
		if done || !s.fill(s.pos) {
			return
		}
	}
}

// scanState is where a scan stopped inside a string, across reads.
type scanState struct {
	inString, escape bool
	// lines makes a line that begins with '{' end an unclosed record (cut set): at the top level records are
	// lines, and one cut short must not swallow the records after it.
	lines, newline, cut bool
}

// scan moves through b until the brackets opened close (depth 0); it returns the bytes consumed and whether
// the value ended.
func (st *scanState) scan(b []byte, depth *int) (int, bool) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if st.inString {
			switch {
			case st.escape:
				st.escape = false
			case c == '\\':
				st.escape = true
			case c == '"':
				st.inString = false
			default:
				// Jump to the next quote or backslash.
				j := indexQuoteOrBackslash(b[i:])
				if j < 0 {
					return len(b), false
				}
				i += j - 1
			}
			continue
		}
		if c == '\n' {
			st.newline = true
			continue
		}
		if st.newline && c == '{' && st.lines && *depth > 0 {
			st.cut = true
			return i, true
		}
		st.newline = false
		switch c {
		case '"':
			st.inString = true
		case '{', '[':
			*depth++
		case '}', ']':
			*depth--
			if *depth <= 0 {
				return i + 1, true
			}
		}
	}
	return len(b), false
}

func indexQuoteOrBackslash(b []byte) int {
	for i, c := range b {
		if c == '"' || c == '\\' {
			return i
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// Record returns the current record, valid until the next call of Next.
func (s *Reader) Record() []byte { return s.record }

// Number returns the current record's number in the object, from 1.
func (s *Reader) Number() int64 { return s.n }

// Truncated reports whether the current record was longer than source.MaxRecord and cut.
func (s *Reader) Truncated() bool { return s.truncated }

// Bad says why the current record is not a whole JSON object or array ("" when it is one).
func (s *Reader) Bad() string { return s.bad }

// Bytes returns the number of bytes read so far.
func (s *Reader) Bytes() int64 { return s.bytes }

// Err returns the error that ended reading, nil at the end of the input.
func (s *Reader) Err() error { return s.err }
