package policy

import (
	"fmt"
	"strings"
)

func (pr *parser) conditions(s *Statement, i int, el map[string]*jsonValue) error {
	v := el["Condition"]
	if v == nil {
		return nil
	}
	k := pr.kind
	fail := func(detail string) error {
		return invalid(k, i, s.Sid, "Condition", faultSyntax, "", detail)
	}
	if v.kind != jsonObject {
		return fail("Condition must be an object of operators")
	}
	for _, op := range v.fields {
		proto, ok := parseOperator(op.key)
		if !ok {
			return fail(unknownOperator(op.key))
		}
		if op.value.kind != jsonObject || len(op.value.fields) == 0 {
			return fail(fmt.Sprintf("%s must be an object of condition keys and values", op.key))
		}
		for _, kv := range op.value.fields {
			c := proto
			if err := pr.condition(&c, kv, s, i); err != nil {
				return err
			}
			s.Condition = append(s.Condition, c)
		}
	}
	return nil
}

func (pr *parser) condition(c *Condition, kv jsonField, s *Statement, i int) error {
	k := pr.kind
	fail := func(f fault, detail string) error {
		return invalid(k, i, s.Sid, "Condition", f, "", detail)
	}
	failArg := func(f fault, arg, detail string) error {
		return invalid(k, i, s.Sid, "Condition", f, arg, detail)
	}
	c.Key, c.lkey = kv.key, strings.ToLower(kv.key)
	if vendor, rest, ok := strings.Cut(kv.key, ":"); !ok || vendor == "" || rest == "" {
		return fail(faultNoVendor, fmt.Sprintf("condition key %q is not <service>:<key>", kv.key))
	}
	if k == KeyPolicy && c.set == setAll {
		switch {
		case strings.HasPrefix(c.lkey, "kms:encryptioncontext:"):
			return failArg(faultOverlyPermissive, "", fmt.Sprintf("%s with %s: use StringEquals without ForAllValues", c.Operator, c.Key))
		case strings.HasPrefix(c.lkey, "aws:requesttag/"):
			return failArg(faultOverlyPermissive, "tag", fmt.Sprintf("%s with %s: use StringEquals without ForAllValues", c.Operator, c.Key))
		}
	}
	switch kv.value.kind {
	case jsonString, jsonNumber, jsonBool:
		c.Values, c.valueKinds = []string{kv.value.text}, []jsonKind{kv.value.kind}
	case jsonArray:
		if len(kv.value.items) == 0 {
			return fail(faultSyntax, fmt.Sprintf("%s %s has no values", c.Operator, c.Key))
		}
		for _, it := range kv.value.items {
			if it.kind != jsonString && it.kind != jsonNumber && it.kind != jsonBool {
				return fail(faultSyntax, fmt.Sprintf("%s %s: a value must be a string, number or boolean, not a %s", c.Operator, c.Key, it.kind))
			}
			c.Values = append(c.Values, it.text)
			c.valueKinds = append(c.valueKinds, it.kind)
		}
	default:
		return fail(faultSyntax, fmt.Sprintf("%s %s: the value must be a string, number, boolean or an array of them, not a %s", c.Operator, c.Key, kv.value.kind))
	}
	if detail := c.compileValues(pr.vars); detail != "" {
		return fail(faultSyntax, fmt.Sprintf("%s %s: %s", c.Operator, c.Key, detail))
	}
	return nil
}

// unknownOperator explains an operator that parseOperator rejected, suggesting the closest valid name.
func unknownOperator(name string) string {
	msg := fmt.Sprintf("%q is not a condition operator", name)
	base := name
	if _, rest, ok := strings.Cut(name, ":"); ok {
		base = rest
	}
	base = strings.TrimSuffix(base, "IfExists")
	if base == "Null" && name != "Null" {
		return msg + " (Null takes neither IfExists nor ForAnyValue/ForAllValues)"
	}
	for op := range operators {
		if strings.EqualFold(op, base) {
			return msg + fmt.Sprintf(" (operator names are case-sensitive: %q)", op)
		}
	}
	return msg
}
