package policy

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Parse validates doc as a policy of kind k and compiles it for evaluation. Any error is a
// *ValidationError. The rules follow the policy grammar (IAM UG reference_policies_grammar) and, per kind,
// what AWS accepts:
//
//   - Identity, Boundary, Session, SCP: no Principal or NotPrincipal; Action (or NotAction) and Resource (or
//     NotResource) required. For IAM kinds a Sid is alphanumeric and unique in the policy.
//   - Resource: Principal or NotPrincipal required; Action and Resource required; CanonicalUser allowed.
//   - KeyPolicy: Principal or NotPrincipal required; a statement without Action or Resource is accepted but
//     never applies (KMS CreateKey API: such statements are "accepted but ineffective"); ForAllValues with
//     kms:EncryptionContext:<key> is rejected (OverlyPermissiveCondition, KMS DG conditions-kms).
//   - Trust: Principal required, NotPrincipal and Resource prohibited, only sts: actions.
//   - NotPrincipal only with "Effect": "Deny" (IAM UG reference_policies_elements_notprincipal).
//
// Unknown elements, an unknown principal type (such as "AWS:"), a missing or misspelt Effect, both Action
// and NotAction, unknown condition operators and malformed condition values are rejected. Policy variables
// are compiled only for Version 2012-10-17.
func Parse(doc []byte, k Kind) (*Policy, error) {
	src := string(doc)
	if !utf8.ValidString(src) {
		return nil, invalid(k, -1, "", "", faultJSON, "", "the document is not valid UTF-8")
	}
	if k.iamWording() || k == KeyPolicy || k == SCP {
		if c, ok := validCharset(src); !ok {
			return nil, invalid(k, -1, "", "", faultSyntax, "",
				fmt.Sprintf("character %U is not allowed; a policy may contain tab, line feed, carriage return and U+0020 to U+00FF", c))
		}
	}
	root, err := parseJSON(src)
	if err != nil {
		return nil, invalid(k, -1, "", "", faultJSON, "", err.Error())
	}
	if root.kind != jsonObject {
		return nil, invalid(k, -1, "", "", faultJSON, "", "the document must be a JSON object")
	}
	p := &Policy{kind: k, source: src}
	pr := parser{kind: k, lines: lineStarts(src), src: src}
	var stmts *jsonValue
	for i := range root.fields {
		f := &root.fields[i]
		switch f.key {
		case "Version":
			if f.value.kind != jsonString || (f.value.text != Version2012 && f.value.text != Version2008) {
				return nil, invalid(k, -1, "", "Version", faultVersion, "",
					fmt.Sprintf("Version must be %q or %q", Version2012, Version2008))
			}
			p.Version = f.value.text
		case "Id":
			if f.value.kind != jsonString {
				return nil, invalid(k, -1, "", "Id", faultSyntax, "", "Id must be a string")
			}
			p.ID = f.value.text
		case "Statement":
			stmts = &f.value
		default:
			return nil, invalid(k, -1, "", f.key, faultUnknownField, f.key,
				fmt.Sprintf("%q is not a policy element; a policy has Version, Id and Statement", f.key))
		}
	}
	if err := pr.statements(p, stmts); err != nil {
		return nil, err
	}
	return p, nil
}

type parser struct {
	kind  Kind
	src   string
	lines []int
	vars  bool
}

func (pr *parser) statements(p *Policy, v *jsonValue) error {
	k := pr.kind
	if v == nil {
		return invalid(k, -1, "", "Statement", faultNoStatement, "", "the policy has no Statement")
	}
	pr.vars = p.Version == Version2012
	var items []jsonValue
	switch v.kind {
	case jsonObject:
		items, p.stmtSingle = []jsonValue{*v}, true
	case jsonArray:
		items = v.items
	default:
		return invalid(k, -1, "", "Statement", faultSyntax, "", "Statement must be an object or an array of objects")
	}
	if len(items) == 0 {
		return invalid(k, -1, "", "Statement", faultNoStatement, "", "the Statement array is empty")
	}
	p.Statements = make([]Statement, len(items))
	sids := map[string]bool{}
	for i := range items {
		s := &p.Statements[i]
		if err := pr.statement(s, i, &items[i]); err != nil {
			return err
		}
		if s.Sid != "" && (k.iamWording() || k == SCP) {
			if sids[s.Sid] {
				return invalid(k, i, s.Sid, "Sid", faultDuplicateSid, "", fmt.Sprintf("Sid %q appears twice", s.Sid))
			}
			sids[s.Sid] = true
		}
	}
	return nil
}

// statementFields are the elements a statement may have.
var statementFields = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
	"NotResource", "Condition"}

func (pr *parser) statement(s *Statement, i int, v *jsonValue) error {
	k := pr.kind
	if v.kind != jsonObject {
		return invalid(k, i, "", "Statement", faultSyntax, "", "a statement must be an object, not a "+v.kind.String())
	}
	s.Start, s.End = pr.position(v.start), pr.position(v.end-1)
	el := map[string]*jsonValue{}
	for j := range v.fields {
		f := &v.fields[j]
		if !slices.Contains(statementFields, f.key) {
			return invalid(k, i, "", f.key, faultUnknownField, f.key,
				fmt.Sprintf("%q is not a statement element; the elements are %s", f.key, strings.Join(statementFields, ", ")))
		}
		el[f.key] = &f.value
	}
	if sid := el["Sid"]; sid != nil {
		if sid.kind != jsonString {
			return invalid(k, i, "", "Sid", faultSyntax, "", "Sid must be a string")
		}
		s.Sid = sid.text
		if k.iamWording() && !isAlnum(s.Sid) {
			return invalid(k, i, s.Sid, "Sid", faultSidCharset, "", fmt.Sprintf("Sid %q has characters other than A-Z, a-z, 0-9", s.Sid))
		}
	}
	s.ref = statementRef(s.Sid, i)
	steps := []func(*Statement, int, map[string]*jsonValue) error{pr.effect, pr.principals, pr.actions, pr.resourceList, pr.conditions}
	for _, step := range steps {
		if err := step(s, i, el); err != nil {
			return err
		}
	}
	return nil
}

func (pr *parser) effect(s *Statement, i int, el map[string]*jsonValue) error {
	e := el["Effect"]
	switch {
	case e == nil:
		return invalid(pr.kind, i, s.Sid, "Effect", faultMissingEffect, "", "every statement needs \"Effect\": \"Allow\" or \"Deny\"")
	case e.kind == jsonString && e.text == "Allow":
		s.Effect = Allow
	case e.kind == jsonString && e.text == "Deny":
		s.Effect = Deny
	default:
		return invalid(pr.kind, i, s.Sid, "Effect", faultInvalidEffect, e.text,
			fmt.Sprintf("Effect is %q; it must be exactly \"Allow\" or \"Deny\"", e.text))
	}
	return nil
}

func (pr *parser) principals(s *Statement, i int, el map[string]*jsonValue) error {
	k := pr.kind
	pv, nv := el["Principal"], el["NotPrincipal"]
	if !k.hasPrincipal() {
		if pv != nil || nv != nil {
			return invalid(k, i, s.Sid, "Principal", faultPrincipalProhibited, "",
				fmt.Sprintf("a %s names no principals: it applies to whoever it is attached to", k.defaultName()))
		}
		return nil
	}
	switch {
	case pv != nil && nv != nil:
		return invalid(k, i, s.Sid, "NotPrincipal", faultSyntax, "", "a statement cannot have both Principal and NotPrincipal")
	case pv == nil && nv == nil:
		return invalid(k, i, s.Sid, "Principal", faultMissingPrincipal, "", fmt.Sprintf("every statement of a %s names a Principal", k.defaultName()))
	case nv != nil && s.Effect == Allow:
		return invalid(k, i, s.Sid, "NotPrincipal", faultNotPrincipalAllow, "", "NotPrincipal can only be used with \"Effect\": \"Deny\"")
	case nv != nil && k == Trust:
		return invalid(k, i, s.Sid, "NotPrincipal", faultNotPrincipalTrust, "", "a role trust policy cannot use NotPrincipal")
	}
	name, v := "Principal", pv
	if nv != nil {
		name, v = "NotPrincipal", nv
	}
	ps, f, arg, detail := parsePrincipalSet(*v, k)
	if ps == nil {
		return invalid(k, i, s.Sid, name, f, arg, detail)
	}
	if nv != nil {
		s.NotPrincipal = ps
	} else {
		s.Principal = ps
	}
	return nil
}

// either returns the element name or its negated form (NotAction, NotResource, …), which may not both be
// present; v is nil when neither is.
func (pr *parser) either(s *Statement, i int, el map[string]*jsonValue, name string) (v *jsonValue, elName string, not bool, err error) {
	pos, neg := el[name], el["Not"+name]
	switch {
	case pos != nil && neg != nil:
		return nil, "", false, invalid(pr.kind, i, s.Sid, "Not"+name, faultSyntax, "", "a statement cannot have both "+name+" and Not"+name)
	case neg != nil:
		return neg, "Not" + name, true, nil
	}
	return pos, name, false, nil
}

// list reads an Action or Resource list: a string or a non-empty array of strings.
func (pr *parser) list(s *Statement, i int, name string, v *jsonValue, missing fault) ([]string, error) {
	list, _, ok := stringList(*v)
	if !ok || len(list) == 0 {
		return nil, invalid(pr.kind, i, s.Sid, name, missing, "", name+" must be a string or a non-empty array of strings")
	}
	return list, nil
}

func (pr *parser) actions(s *Statement, i int, el map[string]*jsonValue) error {
	k := pr.kind
	v, name, not, err := pr.either(s, i, el, "Action")
	switch {
	case err != nil:
		return err
	case v == nil && k == KeyPolicy:
		s.noAction = true
		return nil
	case v == nil:
		return invalid(k, i, s.Sid, "Action", faultMissingAction, "", "the statement has no Action")
	}
	list, err := pr.list(s, i, name, v, faultMissingAction)
	if err != nil {
		return err
	}
	for _, a := range list {
		if f, arg, detail := checkAction(a, k); detail != "" {
			return invalid(k, i, s.Sid, name, f, arg, detail)
		}
		s.actions = append(s.actions, compilePattern(a, true, false, true))
	}
	if s.notAction = not; not {
		s.NotAction = list
	} else {
		s.Action = list
	}
	return nil
}

// checkAction validates one action: "*" or "<service>:<action>" with wildcards allowed in the action part.
func checkAction(a string, k Kind) (fault, string, string) {
	if k == Trust && !(len(a) > 4 && strings.EqualFold(a[:4], "sts:")) {
		return faultTrustAction, "", fmt.Sprintf("%q: a trust policy allows only sts: actions such as sts:AssumeRole", a)
	}
	if a == "*" {
		return 0, "", ""
	}
	vendor, name, ok := strings.Cut(a, ":")
	switch {
	case !ok:
		return faultNoVendor, "", fmt.Sprintf("%q is not <service>:<action>", a)
	case strings.Contains(name, ":"):
		return faultActionColons, "", fmt.Sprintf("%q has more than one colon", a)
	case vendor == "" || strings.Trim(vendor, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != "":
		return faultInvalidVendor, vendor, fmt.Sprintf("%q is not a service prefix", vendor)
	case name == "":
		return faultNoVendor, "", fmt.Sprintf("%q names no action", a)
	}
	return 0, "", ""
}

func (pr *parser) resourceList(s *Statement, i int, el map[string]*jsonValue) error {
	k := pr.kind
	switch {
	case k == Trust && el["Resource"] != nil:
		return invalid(k, i, s.Sid, "Resource", faultResourceProhibited, "", "a role trust policy applies to its role and names no Resource")
	case k == Trust && el["NotResource"] != nil:
		return invalid(k, i, s.Sid, "NotResource", faultNotResourceProhibited, "", "a role trust policy applies to its role and names no NotResource")
	}
	v, name, not, err := pr.either(s, i, el, "Resource")
	switch {
	case err != nil:
		return err
	case v == nil && (k == Trust || k == KeyPolicy):
		s.noResource = true
		return nil
	case v == nil:
		return invalid(k, i, s.Sid, "Resource", faultMissingResource, "", "the statement has no Resource")
	}
	list, err := pr.list(s, i, name, v, faultMissingResource)
	if err != nil {
		return err
	}
	for _, r := range list {
		if !validResource(r) {
			return invalid(k, i, s.Sid, name, faultInvalidResource, r, fmt.Sprintf("%q is neither \"*\" nor an ARN", r))
		}
		p := compilePattern(r, true, pr.vars, false)
		if p.mode == patAny {
			s.anyResource = true
		}
		s.resources = append(s.resources, p)
	}
	if s.notResource = not; not {
		s.NotResource = list
	} else {
		s.Resource = list
	}
	return nil
}

// validResource accepts "*" and ARN-shaped strings (IAM accepts any value with a colon; an "arn:" value must
// have all six fields).
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	if strings.HasPrefix(r, "arn:") {
		return strings.Count(r, ":") >= 5
	}
	return strings.Contains(r, ":")
}

func (pr *parser) position(off int) Position {
	line := sort.Search(len(pr.lines), func(n int) bool { return pr.lines[n] > off })
	start := pr.lines[line-1]
	return Position{Line: line, Column: utf8.RuneCountInString(pr.src[start:off]) + 1}
}

// lineStarts returns the byte offset at which each line begins.
func lineStarts(src string) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
