package eventpattern

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// matchObject reads a match object ({"prefix": …}, {"numeric": […]}, …) whose '{' was read.
func (p *parser) matchObject(c *cond) error {
	tok, err := p.next()
	if err != nil {
		return err
	}
	kind, ok := tok.(string)
	if !ok {
		return p.fail("a match object must name its match type")
	}
	var m matcher
	switch kind {
	case "prefix", "suffix":
		m, err = p.affix(kind, opPrefix, opPrefixFold)
		if kind == "suffix" {
			m.op += opSuffix - opPrefix
		}
	case "equals-ignore-case":
		var s string
		s, err = p.str("equals-ignore-case")
		m = matcher{op: opFold, str: s}
	case "wildcard":
		var s string
		s, err = p.str("wildcard")
		if err == nil {
			m, err = p.wildcard(s, opWildcard)
		}
	case "cidr":
		m, err = p.cidr()
	case "exists":
		tok, err = p.next()
		if err != nil {
			return err
		}
		b, ok := tok.(bool)
		if !ok {
			return p.fail("exists match pattern must be either true or false")
		}
		if b {
			c.presence = true
		} else {
			c.absentOK = true
		}
		return p.closeObject("exists")
	case "numeric":
		m, err = p.numeric()
	case "anything-but":
		m, err = p.anythingBut()
	default:
		return p.fail(fmt.Sprintf("Unrecognized match type %s", kind))
	}
	if err != nil {
		return err
	}
	c.matchers = append(c.matchers, m)
	return p.closeObject(kind)
}

// affix reads the operand of prefix or suffix: a string, or {"equals-ignore-case": string}.
func (p *parser) affix(kind string, plain, fold op) (matcher, error) {
	tok, err := p.next()
	if err != nil {
		return matcher{}, err
	}
	switch v := tok.(type) {
	case string:
		return matcher{op: plain, str: v}, nil
	case json.Delim:
		if v == '{' {
			inner, err := p.str("the match type")
			if err != nil {
				return matcher{}, err
			}
			if inner != "equals-ignore-case" {
				return matcher{}, p.fail(fmt.Sprintf("Unsupported %s pattern: %s", kind, inner))
			}
			s, err := p.str("equals-ignore-case")
			if err != nil {
				return matcher{}, err
			}
			return matcher{op: fold, str: strings.ToLower(s)}, p.closeObject("equals-ignore-case")
		}
	}
	return matcher{}, p.fail(kind + " match pattern must be a string")
}

// wildcard compiles a wildcard operand: '*' matches any run of characters, "\*" a star and "\\" a backslash.
func (p *parser) wildcard(s string, o op) (matcher, error) {
	var segs []string
	var cur strings.Builder
	prevStar := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return matcher{}, p.fail("Invalid escape character in wildcard pattern")
			}
			i++
			cur.WriteByte(s[i])
			prevStar = false
		case '*':
			if prevStar {
				return matcher{}, p.fail("Consecutive wildcard characters are not allowed")
			}
			segs = append(segs, cur.String())
			cur.Reset()
			prevStar = true
		default:
			cur.WriteByte(s[i])
			prevStar = false
		}
	}
	segs = append(segs, cur.String())
	return matcher{op: o, segs: segs}, nil
}

func (p *parser) cidr() (matcher, error) {
	s, err := p.str("cidr")
	if err != nil {
		return matcher{}, err
	}
	pfx, perr := netip.ParsePrefix(s)
	if perr != nil {
		return matcher{}, p.fail(fmt.Sprintf("Malformed CIDR, one '/' required: %s", s))
	}
	return matcher{op: opCIDR, prefix: pfx.Masked()}, nil
}

// numeric reads [op, n] or [lowerOp, n, upperOp, m].
func (p *parser) numeric() (matcher, error) {
	tok, err := p.next()
	if err != nil {
		return matcher{}, err
	}
	if tok != json.Delim('[') {
		return matcher{}, p.fail("Value of numeric must be an array.")
	}
	m := matcher{op: opNumeric}
	for i := 0; ; i++ {
		tok, err := p.next()
		if err != nil {
			return matcher{}, err
		}
		if tok == json.Delim(']') {
			if i == 0 {
				return matcher{}, p.fail("Empty numeric match")
			}
			if i%2 == 1 {
				return matcher{}, p.fail("Value of numeric match must be a number")
			}
			return m, nil
		}
		opName, ok := tok.(string)
		if !ok || i >= 4 {
			return matcher{}, p.fail("Too many elements in numeric expression")
		}
		tok, err = p.next()
		if err != nil {
			return matcher{}, err
		}
		n, ok := tok.(json.Number)
		if !ok {
			return matcher{}, p.fail("Value of " + opName + " must be numeric")
		}
		f, err := p.number(n)
		if err != nil {
			return matcher{}, err
		}
		if f < -numericLimit || f > numericLimit {
			return matcher{}, p.fail(fmt.Sprintf("Value %s is out of range: numeric matching accepts -5.0e9 to 5.0e9", n))
		}
		if err := p.bound(&m, opName, f, i); err != nil {
			return matcher{}, err
		}
		i++
	}
}

func (p *parser) bound(m *matcher, opName string, f float64, i int) error {
	switch opName {
	case "=":
		if i != 0 {
			return p.fail("\"=\" must be the only operator of a numeric match")
		}
		m.lo, m.hi, m.hasLo, m.hasHi, m.loIncl, m.hiIncl = f, f, true, true, true, true
		m.exactEq = true
	case ">", ">=":
		if m.hasLo {
			return p.fail("Bad numeric range operator: " + opName)
		}
		m.lo, m.hasLo, m.loIncl = f, true, opName == ">="
	case "<", "<=":
		if m.hasHi {
			return p.fail("Bad numeric range operator: " + opName)
		}
		m.hi, m.hasHi, m.hiIncl = f, true, opName == "<="
	default:
		return p.fail("Unrecognized numeric range operator: " + opName)
	}
	if m.exactEq && i > 0 {
		return p.fail("\"=\" must be the only operator of a numeric match")
	}
	if m.hasLo && m.hasHi && !m.exactEq && m.lo >= m.hi {
		return p.fail("Bad numeric range: the lower bound must be below the upper bound")
	}
	return nil
}

// anythingBut reads the operand of anything-but: a value, a list of strings or of numbers, or an object naming
// prefix, suffix, equals-ignore-case or wildcard.
func (p *parser) anythingBut() (matcher, error) {
	tok, err := p.next()
	if err != nil {
		return matcher{}, err
	}
	m := matcher{op: opBut}
	switch v := tok.(type) {
	case string:
		m.strs = []string{v}
		return m, nil
	case json.Number:
		f, err := p.number(v)
		m.nums = []float64{f}
		return m, err
	case json.Delim:
		switch v {
		case '[':
			return p.butList()
		case '{':
			return p.butObject()
		}
	}
	return matcher{}, p.fail("Value of anything-but must be an array or single string/number value.")
}

func (p *parser) butList() (matcher, error) {
	m := matcher{op: opBut}
	for {
		tok, err := p.next()
		if err != nil {
			return matcher{}, err
		}
		switch v := tok.(type) {
		case string:
			if len(m.nums) > 0 {
				return matcher{}, p.fail("Inside anything but list, start|null|boolean is not supported; mixed strings and numbers")
			}
			m.strs = append(m.strs, v)
			continue
		case json.Number:
			if len(m.strs) > 0 {
				return matcher{}, p.fail("Inside anything but list, mixed strings and numbers are not supported")
			}
			f, err := p.number(v)
			if err != nil {
				return matcher{}, err
			}
			m.nums = append(m.nums, f)
			continue
		}
		if tok == json.Delim(']') && len(m.strs)+len(m.nums) > 0 {
			return m, nil
		}
		return matcher{}, p.fail("Inside anything but list, only strings or only numbers are allowed")
	}
}

func (p *parser) butObject() (matcher, error) {
	kind, err := p.str("the match type")
	if err != nil {
		return matcher{}, err
	}
	var m matcher
	switch kind {
	case "prefix", "suffix":
		m, err = p.affix(kind, opButPrefix, opButPrefixFold)
		if kind == "suffix" {
			m.op += opButSuffix - opButPrefix
		}
	case "equals-ignore-case", "wildcard":
		var vals []string
		vals, err = p.strOrList(kind)
		if err != nil {
			return matcher{}, err
		}
		if kind == "equals-ignore-case" {
			m = matcher{op: opButFold, strs: vals}
			break
		}
		m = matcher{op: opButWildcard}
		for _, s := range vals {
			w, werr := p.wildcard(s, opWildcard)
			if werr != nil {
				return matcher{}, werr
			}
			m.alts = append(m.alts, w)
		}
	default:
		return matcher{}, p.fail("Unsupported anything-but pattern: " + kind)
	}
	if err != nil {
		return matcher{}, err
	}
	return m, p.closeObject(kind)
}

// strOrList reads a string or a non-empty array of strings.
func (p *parser) strOrList(what string) ([]string, error) {
	tok, err := p.next()
	if err != nil {
		return nil, err
	}
	if s, ok := tok.(string); ok {
		return []string{s}, nil
	}
	if tok != json.Delim('[') {
		return nil, p.fail(what + " must be a string or an array of strings")
	}
	var out []string
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') && len(out) > 0 {
			return out, nil
		}
		s, ok := tok.(string)
		if !ok {
			return nil, p.fail(what + " must be a string or an array of strings")
		}
		out = append(out, s)
	}
}
