package policy

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Condition is one condition key under one operator of a statement's Condition block, such as
// "StringEquals": {"aws:SourceAccount": "111122223333"}. The keys of a block are ANDed; the values of one key
// are ORed (NORed for negated operators) (IAM UG reference_policies_multi-value-conditions).
type Condition struct {
	// Operator is the operator as written, with its set prefix and IfExists suffix:
	// "ForAnyValue:StringLike", "StringEqualsIfExists", "Null", ….
	Operator string
	// Key is the condition key as written ("aws:SourceArn", "kms:EncryptionContext:aws:s3:arn").
	Key string
	// Values are the policy values as written (numbers and booleans in their literal text).
	Values []string

	valueKinds []jsonKind // string, number or boolean, for Normalized

	fam      family
	cmp      comparison
	negated  bool
	ifExists bool
	set      setOp
	lkey     string // lowercased Key: context lookups are case-insensitive

	strs  []pattern // string, ARN and Bool values (ARN values without variables are also split into arns)
	arns  [][]pattern
	nums  []number
	dates []time.Time
	bools []bool
	bins  [][]byte
	nets  []netip.Prefix
}

type family uint8

const (
	famString family = iota
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

type comparison uint8

const (
	cmpEq comparison = iota
	cmpEqFold
	cmpLike
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setOp uint8

const (
	setNone setOp = iota
	setAny
	setAll
)

type opInfo struct {
	fam     family
	cmp     comparison
	negated bool
}

// operators are the base condition operators (IAM UG reference_policies_elements_condition_operators).
var operators = map[string]opInfo{
	"StringEquals":              {famString, cmpEq, false},
	"StringNotEquals":           {famString, cmpEq, true},
	"StringEqualsIgnoreCase":    {famString, cmpEqFold, false},
	"StringNotEqualsIgnoreCase": {famString, cmpEqFold, true},
	"StringLike":                {famString, cmpLike, false},
	"StringNotLike":             {famString, cmpLike, true},
	"NumericEquals":             {famNumeric, cmpEq, false},
	"NumericNotEquals":          {famNumeric, cmpEq, true},
	"NumericLessThan":           {famNumeric, cmpLt, false},
	"NumericLessThanEquals":     {famNumeric, cmpLe, false},
	"NumericGreaterThan":        {famNumeric, cmpGt, false},
	"NumericGreaterThanEquals":  {famNumeric, cmpGe, false},
	"DateEquals":                {famDate, cmpEq, false},
	"DateNotEquals":             {famDate, cmpEq, true},
	"DateLessThan":              {famDate, cmpLt, false},
	"DateLessThanEquals":        {famDate, cmpLe, false},
	"DateGreaterThan":           {famDate, cmpGt, false},
	"DateGreaterThanEquals":     {famDate, cmpGe, false},
	"Bool":                      {famBool, cmpEq, false},
	"BinaryEquals":              {famBinary, cmpEq, false},
	"IpAddress":                 {famIP, cmpEq, false},
	"NotIpAddress":              {famIP, cmpEq, true},
	"ArnEquals":                 {famARN, cmpLike, false},
	"ArnLike":                   {famARN, cmpLike, false},
	"ArnNotEquals":              {famARN, cmpLike, true},
	"ArnNotLike":                {famARN, cmpLike, true},
	"Null":                      {famNull, cmpEq, false},
}

// parseOperator splits "ForAllValues:StringLikeIfExists" into its parts. IfExists may follow any operator
// but Null; the set prefixes may precede any operator but Null.
func parseOperator(name string) (c Condition, ok bool) {
	c.Operator = name
	base := name
	if rest, found := strings.CutPrefix(base, "ForAnyValue:"); found {
		c.set, base = setAny, rest
	} else if rest, found := strings.CutPrefix(base, "ForAllValues:"); found {
		c.set, base = setAll, rest
	}
	if rest, found := strings.CutSuffix(base, "IfExists"); found {
		c.ifExists, base = true, rest
	}
	info, ok := operators[base]
	if !ok || (info.fam == famNull && (c.ifExists || c.set != setNone)) {
		return c, false
	}
	c.fam, c.cmp, c.negated = info.fam, info.cmp, info.negated
	return c, true
}

// compileValues checks the policy values against the operator and compiles them. vars is set for documents
// of Version 2012-10-17: only string, ARN and Bool operators take policy variables.
func (c *Condition) compileValues(vars bool) string {
	for _, v := range c.Values {
		if detail := c.compileValue(v, vars); detail != "" {
			return detail
		}
	}
	return ""
}

func (c *Condition) compileValue(v string, vars bool) string {
	switch c.fam {
	case famString:
		c.strs = append(c.strs, compilePattern(v, c.cmp == cmpLike, vars, false))
	case famARN:
		p := compilePattern(v, true, vars, false)
		c.strs = append(c.strs, p)
		if !p.hasVariables() {
			c.arns = append(c.arns, compileARN(v))
		} else {
			c.arns = append(c.arns, nil)
		}
	case famBool:
		p := compilePattern(v, false, vars, false)
		b, ok := parseBool(v)
		if !ok && !p.hasVariables() {
			return fmt.Sprintf("%q is not true or false", v)
		}
		c.strs, c.bools = append(c.strs, p), append(c.bools, b)
	case famNull:
		b, ok := parseBool(v)
		if !ok {
			return fmt.Sprintf("%q is not true or false", v)
		}
		c.bools = append(c.bools, b)
	case famNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return fmt.Sprintf("%q is not a number (Numeric operators take no wildcards or variables)", v)
		}
		c.nums = append(c.nums, n)
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return fmt.Sprintf("%q is not an ISO 8601 date or epoch time (Date operators take no wildcards or variables)", v)
		}
		c.dates = append(c.dates, t)
	case famBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return fmt.Sprintf("%q is not base64", v)
		}
		c.bins = append(c.bins, b)
	case famIP:
		p, ok := parseCIDR(v)
		if !ok {
			return fmt.Sprintf("%q is not an IP address or CIDR range", v)
		}
		c.nets = append(c.nets, p)
	}
	return ""
}

// compileARN splits an ARN pattern into its six colon-separated fields, each matched separately (ArnLike
// and ArnEquals "check each of the six colon-delimited components of the ARN separately"). A value with fewer
// fields, such as "*", is matched against the whole ARN.
func compileARN(v string) []pattern {
	f := strings.SplitN(v, ":", 6)
	if len(f) != 6 {
		return []pattern{compilePattern(v, true, false, false)}
	}
	out := make([]pattern, 6)
	for i, s := range f {
		out[i] = compilePattern(s, true, false, false)
	}
	return out
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, false
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), true
}
