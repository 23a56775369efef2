package policy

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strings"
)

// holds evaluates the condition against the request (IAM UG reference_policies_elements_condition_operators
// and reference_policies_multi-value-conditions):
//
//   - a key absent from the request makes the condition false, except with …IfExists ("If the key is not
//     present, evaluate the condition element as true"), ForAllValues ("If the key values in the request
//     resolve to an empty data set … ForAllValues returns true") and negated operators without a set
//     operator (true); ForAnyValue on an absent key is false;
//   - Null is true when the key's presence is the opposite of the value ("true" = absent);
//   - without a set operator, a request value matching any policy value makes the condition true, and
//     negated operators are true only when no request value matches any policy value (NOR);
//   - ForAnyValue is true when some request value satisfies the operator, ForAllValues when every one does;
//     with a negated operator a request value satisfies it when it matches none of the policy values.
//
// A policy variable that cannot be resolved makes the condition false whatever the operator: AWS treats the
// statement as not matching.
func (c *Condition) holds(ev *evaluator) bool {
	vals, present := ev.lookup(c.lkey)
	if c.fam == famNull {
		for _, wantAbsent := range c.bools {
			if wantAbsent != present {
				return true
			}
		}
		return false
	}
	if !present {
		ev.noteMissing(c.Key)
		switch {
		case c.ifExists || c.set == setAll:
			return true
		case c.set == setAny:
			return false
		}
		return c.negated
	}
	switch c.set {
	case setAny:
		for _, v := range vals {
			m, ok := c.matchAny(ev, v)
			if !ok {
				return false
			}
			if m != c.negated {
				return true
			}
		}
		return false
	case setAll:
		for _, v := range vals {
			m, ok := c.matchAny(ev, v)
			if !ok || m == c.negated {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		m, ok := c.matchAny(ev, v)
		if !ok {
			return false
		}
		if m {
			return !c.negated
		}
	}
	return c.negated
}

// matchAny reports whether the request value v matches any policy value under the operator's positive
// comparison. ok is false when a policy variable could not be resolved.
func (c *Condition) matchAny(ev *evaluator, v string) (matched, ok bool) {
	switch c.fam {
	case famString:
		return c.matchString(ev, v)
	case famARN:
		return c.matchARN(ev, v)
	case famBool:
		return c.matchBool(ev, v)
	case famNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return false, true
		}
		for _, pn := range c.nums {
			if c.cmp.holds(n.compare(pn)) {
				return true, true
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return false, true
		}
		for _, pt := range c.dates {
			if c.cmp.holds(t.Compare(pt)) {
				return true, true
			}
		}
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false, true
		}
		a = a.Unmap()
		for _, n := range c.nets {
			if n.Contains(a) {
				return true, true
			}
		}
	case famBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			b = []byte(v)
		}
		for _, pb := range c.bins {
			if bytes.Equal(b, pb) {
				return true, true
			}
		}
	}
	return false, true
}

// holds reports whether a comparison result (request value against policy value) satisfies cmp.
func (cmp comparison) holds(r int) bool {
	switch cmp {
	case cmpLt:
		return r < 0
	case cmpLe:
		return r <= 0
	case cmpGt:
		return r > 0
	case cmpGe:
		return r >= 0
	}
	return r == 0
}

func (c *Condition) matchString(ev *evaluator, v string) (bool, bool) {
	for i := range c.strs {
		p := &c.strs[i]
		if c.cmp == cmpLike {
			m, ok := p.match(v, ev)
			if !ok {
				return false, false
			}
			if m {
				return true, true
			}
			continue
		}
		pv, ok := p.value(ev)
		if !ok {
			return false, false
		}
		if pv == v || (c.cmp == cmpEqFold && strings.EqualFold(pv, v)) {
			return true, true
		}
	}
	return false, true
}

func (c *Condition) matchARN(ev *evaluator, v string) (bool, bool) {
	for i := range c.strs {
		parts := c.arns[i]
		if parts == nil {
			pv, ok := c.strs[i].value(ev)
			if !ok {
				return false, false
			}
			parts = compileARN(pv)
		}
		if matchARNParts(parts, v) {
			return true, true
		}
	}
	return false, true
}

// matchARNParts matches v field by field against the six compiled fields of an ARN pattern, or as a whole
// against a pattern that is not an ARN.
func matchARNParts(parts []pattern, v string) bool {
	if len(parts) == 1 {
		m, _ := parts[0].match(v, nil)
		return m
	}
	rest := v
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false
		}
		if m, _ := parts[i].match(rest[:j], nil); !m {
			return false
		}
		rest = rest[j+1:]
	}
	m, _ := parts[5].match(rest, nil)
	return m
}

func (c *Condition) matchBool(ev *evaluator, v string) (bool, bool) {
	b, ok := parseBool(v)
	if !ok {
		return false, true
	}
	for i, want := range c.bools {
		if c.strs[i].hasVariables() {
			pv, ok := c.strs[i].value(ev)
			if !ok {
				return false, false
			}
			if want, ok = parseBool(pv); !ok {
				continue
			}
		}
		if b == want {
			return true, true
		}
	}
	return false, true
}
