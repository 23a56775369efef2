package ocsf

import "unsafe"

// Slab hands out values of type T from blocks, one allocation per block instead of one per value: a source that
// builds thousands of events uses one Slab per object type (and Scalars for optional numbers) so that building an
// event costs a few allocations per block of events rather than one per object. What a Slab hands out stays
// valid for as long as anything points at it; a Slab is not safe for concurrent use.
type Slab[T any] struct {
	free []T
	// Block is the number of values allocated at a time; 0 means 128.
	Block int
}

// New returns a pointer to a zero T.
func (s *Slab[T]) New() *T {
	if len(s.free) == 0 {
		n := s.Block
		if n <= 0 {
			n = 128
		}
		s.free = make([]T, n)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}

// Scalars hands out pointers to the optional numbers and booleans of events from blocks (see Slab).
type Scalars struct {
	i32 Slab[int32]
	i64 Slab[int64]
	f64 Slab[float64]
	b   Slab[bool]
}

// Int32 returns a pointer to v.
func (s *Scalars) Int32(v int32) *int32 { p := s.i32.New(); *p = v; return p }

// Int64 returns a pointer to v.
func (s *Scalars) Int64(v int64) *int64 { p := s.i64.New(); *p = v; return p }

// Float64 returns a pointer to v.
func (s *Scalars) Float64(v float64) *float64 { p := s.f64.New(); *p = v; return p }

// Bool returns a pointer to v.
func (s *Scalars) Bool(v bool) *bool { p := s.b.New(); *p = v; return p }

// Strings hands out strings copied from bytes into blocks, one allocation per block instead of one per string
// (see Slab): for the many short values of records (addresses, IDs). A block stays in memory while any of its
// strings is used. Strings is not safe for concurrent use.
type Strings struct {
	buf []byte
}

// stringBlock is the size of a block; longer values get a block of their own.
const stringBlock = 32 << 10

// Of returns v as a string.
func (s *Strings) Of(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	if len(v) > cap(s.buf)-len(s.buf) {
		s.buf = make([]byte, 0, max(stringBlock, len(v)))
	}
	start := len(s.buf)
	s.buf = append(s.buf, v...)
	// The bytes are never written again: the block only grows past them.
	return unsafe.String(&s.buf[start], len(v))
}

// Interner hands out strings copied from bytes like Strings, and shares equal values: records repeat accounts,
// regions, names and addresses. It remembers at most Max distinct values (0 means 1<<16); past them values are
// copied without being shared, so memory stays bounded. An Interner is not safe for concurrent use.
type Interner struct {
	Strings
	seen map[string]string
	// Max is the most distinct values remembered.
	Max int
}

// Intern returns v as a string, the same string as for an earlier equal value when there was one.
func (in *Interner) Intern(v []byte) string {
	if s, ok := in.seen[string(v)]; ok {
		return s
	}
	s := in.Of(v)
	limit := in.Max
	if limit <= 0 {
		limit = 1 << 16
	}
	if in.seen == nil {
		in.seen = map[string]string{}
	}
	if len(in.seen) < limit {
		in.seen[s] = s
	}
	return s
}
