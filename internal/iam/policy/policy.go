package policy

import "strings"

// Versions of the policy language (IAM UG reference_policies_elements_version).
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect, or the outcome of a decision.
type Effect uint8

const (
	// ImplicitDeny is the outcome when no statement allows the request (the zero value: deny by default).
	ImplicitDeny Effect = iota
	// Allow is a statement effect, and the outcome of an allowed request.
	Allow
	// Deny is a statement effect; as an outcome it is an explicit deny.
	Deny
)

// ExplicitDeny is the outcome when a statement denies the request.
const ExplicitDeny = Deny

// String returns "Allow", "Deny" or "ImplicitDeny".
func (e Effect) String() string {
	switch e {
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return "ImplicitDeny"
}

// EvalDecision returns the outcome as IAM's policy simulator spells it: "allowed", "explicitDeny" or
// "implicitDeny" (PolicyEvaluationDecisionType in the IAM API).
func (e Effect) EvalDecision() string {
	switch e {
	case Allow:
		return "allowed"
	case Deny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// Position is a place in a policy document: 1-based line and column (columns count characters), as
// SimulateCustomPolicy reports StartPosition and EndPosition.
type Position struct {
	Line, Column int
}

// Policy is a parsed, validated and compiled policy document. It is immutable once parsed and safe for
// concurrent use by any number of Evaluate calls; only Name may be set, before the policy is shared.
type Policy struct {
	// Version is the policy language version as written ("" when absent).
	Version string
	// ID is the Id element.
	ID string
	// Statements are the statements in document order.
	Statements []Statement
	// Name labels the policy in decision reasons, for example "bucket policy of logs-bucket" or "inline
	// policy AllowDecrypt of role/Subscriber". Empty means the kind's generic name ("key policy", …).
	Name string

	kind       Kind
	source     string
	stmtSingle bool // Statement was written as one object
}

// Statement is one statement of a policy. Elements that are absent are nil.
type Statement struct {
	// Sid is the statement ID.
	Sid string
	// Effect is Allow or Deny.
	Effect Effect
	// Principal and NotPrincipal are the principals of a resource-based statement.
	Principal    *PrincipalSet
	NotPrincipal *PrincipalSet
	// Action and NotAction list actions as written ("kms:GenerateDataKey*").
	Action    []string
	NotAction []string
	// Resource and NotResource list resources as written.
	Resource    []string
	NotResource []string
	// Condition holds one entry per operator and key, in document order.
	Condition []Condition
	// Start and End are the positions of the statement's opening and closing braces in the source.
	Start, End Position

	actions     []pattern
	resources   []pattern
	notAction   bool
	notResource bool
	noAction    bool // no Action/NotAction: the statement is accepted but never applies (KMS key policies)
	noResource  bool // no Resource/NotResource: applies to any resource (trust), never applies (key policies)
	anyResource bool
	ref         string // how reasons name the statement: `statement "Sid"` or `statement #3`
}

// Kind returns the kind the policy was parsed as.
func (p *Policy) Kind() Kind { return p.kind }

// String returns the document exactly as it was parsed.
func (p *Policy) String() string { return p.source }

// label names the policy in reasons.
func (p *Policy) label() string {
	if p.Name != "" {
		return p.Name
	}
	if p.ID != "" && p.kind != KeyPolicy {
		return p.kind.defaultName() + " " + quote(p.ID)
	}
	return p.kind.defaultName()
}

// Principals returns every principal the policy's Principal and NotPrincipal elements name ("*" is not
// listed), so a caller can check that they exist before accepting the policy, as AWS does ("Invalid principal
// in policy", KMS "Policy contains a statement with one or more invalid principals."). Named accounts come as
// Type Root, named roles as Type Role.
func (p *Policy) Principals() []Principal {
	var out []Principal
	for i := range p.Statements {
		out = append(out, p.Statements[i].Principals()...)
	}
	return out
}

// Principals returns the principals the statement's Principal and NotPrincipal elements name.
func (s *Statement) Principals() []Principal {
	var out []Principal
	for _, ps := range []*PrincipalSet{s.Principal, s.NotPrincipal} {
		if ps != nil {
			out = append(out, ps.principals()...)
		}
	}
	return out
}

// ContextKeys returns the condition keys the policy uses, including those referenced as policy variables,
// as written and without duplicates (compared case-insensitively), in document order — what
// GetContextKeysForCustomPolicy reports.
func (p *Policy) ContextKeys() []string {
	var out []string
	seen := map[string]bool{}
	add := func(k, lower string) {
		if !seen[lower] {
			seen[lower] = true
			out = append(out, k)
		}
	}
	addVars := func(pats []pattern) {
		for i := range pats {
			for _, t := range pats[i].toks {
				if t.kind == tokVar {
					add(t.name, t.key)
				}
			}
		}
	}
	for i := range p.Statements {
		s := &p.Statements[i]
		addVars(s.resources)
		for j := range s.Condition {
			c := &s.Condition[j]
			add(c.Key, c.lkey)
			addVars(c.strs)
		}
	}
	return out
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
