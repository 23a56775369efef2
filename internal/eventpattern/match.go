package eventpattern

import (
	"net/netip"
	"slices"
	"strings"
)

// op is a matcher's kind.
type op uint8

const (
	opExact op = iota
	opExactNum
	opExactBool
	opExactNull
	opFold
	opWildcard
	opCIDR
	opNumeric
	opPrefix
	opPrefixFold
	opSuffix
	opSuffixFold
	opBut // anything-but a list of strings or of numbers
	opButFold
	opButWildcard
	opButPrefix
	opButPrefixFold
	opButSuffix
	opButSuffixFold
)

// matcher is one alternative of a leaf.
type matcher struct {
	op     op
	str    string
	strs   []string
	nums   []float64
	num    float64
	b      bool
	segs   []string  // wildcard: the literal runs between stars
	alts   []matcher // anything-but wildcard: the wildcards refused
	prefix netip.Prefix

	lo, hi                       float64
	hasLo, hasHi, loIncl, hiIncl bool
	exactEq                      bool
}

// kind is the JSON type of an event value.
type kind uint8

const (
	kindString kind = iota
	kindNumber
	kindBool
	kindNull
)

// value is one leaf value of an event. str holds a string's text, a number's or a literal's source; it may
// point into the event and must not outlive the match.
type value struct {
	kind kind
	str  string
	num  float64
	ok   bool // a number EventBridge can compare
	// addr is the string parsed as an IP address, once a cidr matcher has asked (ipParsed), ipOK when it is one.
	addr           netip.Addr
	ipParsed, ipOK bool
}

func (m *matcher) match(v *value) bool {
	switch m.op {
	case opExact:
		return v.kind == kindString && v.str == m.str
	case opExactNum:
		return v.kind == kindNumber && v.ok && v.num == m.num
	case opExactBool:
		return v.kind == kindBool && (v.str == "true") == m.b
	case opExactNull:
		return v.kind == kindNull
	case opFold:
		return v.kind == kindString && strings.EqualFold(v.str, m.str)
	case opWildcard:
		return v.kind == kindString && wildMatch(m.segs, v.str)
	case opCIDR:
		return v.kind == kindString && v.inPrefix(m.prefix)
	case opNumeric:
		return v.kind == kindNumber && v.ok && m.inRange(v.num)
	case opPrefix:
		return v.kind == kindString && strings.HasPrefix(v.str, m.str)
	case opPrefixFold:
		return v.kind == kindString && hasPrefixFold(v.str, m.str)
	case opSuffix:
		return v.kind == kindString && strings.HasSuffix(v.str, m.str)
	case opSuffixFold:
		return v.kind == kindString && hasSuffixFold(v.str, m.str)
	case opBut:
		switch v.kind {
		case kindString:
			return !slices.Contains(m.strs, v.str)
		case kindNumber:
			return !v.ok || !slices.Contains(m.nums, v.num)
		}
		return true
	case opButFold:
		return v.kind != kindString || !slices.ContainsFunc(m.strs, func(s string) bool { return strings.EqualFold(s, v.str) })
	case opButWildcard:
		return v.kind != kindString || !slices.ContainsFunc(m.alts, func(w matcher) bool { return wildMatch(w.segs, v.str) })
	case opButPrefix:
		return v.kind != kindString || !strings.HasPrefix(v.str, m.str)
	case opButPrefixFold:
		return v.kind != kindString || !hasPrefixFold(v.str, m.str)
	case opButSuffix:
		return v.kind != kindString || !strings.HasSuffix(v.str, m.str)
	case opButSuffixFold:
		return v.kind != kindString || !hasSuffixFold(v.str, m.str)
	}
	return false
}

func (m *matcher) inRange(f float64) bool {
	if m.hasLo && (f < m.lo || (f == m.lo && !m.loIncl)) {
		return false
	}
	if m.hasHi && (f > m.hi || (f == m.hi && !m.hiIncl)) {
		return false
	}
	return true
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

func hasSuffixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[len(s)-len(p):], p)
}

// wildMatch reports whether s matches the runs of a wildcard: the first at the start, the last at the end,
// the others in order between them.
func wildMatch(segs []string, s string) bool {
	if len(segs) == 1 {
		return s == segs[0]
	}
	first, last := segs[0], segs[len(segs)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		i := strings.Index(s, seg)
		if i < 0 {
			return false
		}
		s = s[i+len(seg):]
	}
	return true
}

// inPrefix reports whether a string value is an IP address in p; the address is parsed once per value.
func (v *value) inPrefix(p netip.Prefix) bool {
	if !v.ipParsed {
		a, err := netip.ParseAddr(v.str)
		v.addr, v.ipOK, v.ipParsed = a.Unmap(), err == nil, true
	}
	return v.ipOK && p.Contains(v.addr)
}

// holds reports whether the values found at a condition's path satisfy it.
func (c *cond) holds(vals []value) bool {
	if len(vals) == 0 {
		return c.absentOK
	}
	if c.presence {
		return true
	}
	for i := range vals {
		for j := range c.matchers {
			if c.matchers[j].match(&vals[i]) {
				return true
			}
		}
	}
	return false
}

// holds reports whether a node is satisfied by the values of an event (indexed by path number).
func (n *node) holds(vals [][]value) bool {
	for _, c := range n.conds {
		if !c.holds(vals[c.id]) {
			return false
		}
	}
	for _, branches := range n.ors {
		if !slices.ContainsFunc(branches, func(b *node) bool { return b.holds(vals) }) {
			return false
		}
	}
	return true
}
