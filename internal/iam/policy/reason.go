package policy

import (
	"strconv"
	"strings"
)

// Reasons are built only after the decision, from what the evaluation recorded.

func (ev *evaluator) label(src Source, level, idx int) string {
	pol := ev.in.PolicyOf(Match{Source: src, Level: level, Policy: idx})
	if pol == nil {
		return src.String() + " policy"
	}
	return pol.label()
}

func statementRef(sid string, idx int) string {
	if sid != "" {
		return "statement " + strconv.Quote(sid)
	}
	return "statement #" + strconv.Itoa(idx)
}

// ref names the statement a Match refers to.
func (ev *evaluator) ref(m Match) string {
	if pol := ev.in.PolicyOf(m); pol != nil && m.Statement < len(pol.Statements) {
		return pol.Statements[m.Statement].ref
	}
	return statementRef(m.Sid, m.Statement)
}

func (ev *evaluator) denyReason(m Match) string {
	return "explicitly denied by " + ev.ref(m) + " in the " + ev.label(m.Source, m.Level, m.Policy)
}

func (ev *evaluator) allowReason(side Source) string {
	for _, m := range ev.matches {
		if m.Source == side && m.Effect == Allow {
			return "allowed by " + ev.ref(m) + " in the " + ev.label(m.Source, m.Level, m.Policy)
		}
	}
	return "allowed"
}

func (ev *evaluator) scpReason() string {
	return "no service control policy at level " + strconv.Itoa(ev.scpMissing) + " of the organization allows " +
		ev.in.Request.Action + " (every level must allow it)"
}

// what is "<principal> to perform <action> on <resource>".
func (ev *evaluator) what() string {
	req := &ev.in.Request
	s := ev.pr().String() + " to perform " + req.Action
	if req.Resource != "" && req.Resource != "*" {
		s += " on " + req.Resource
	}
	return s
}

func (ev *evaluator) implicitReason(c Cause) string {
	in := &ev.in
	var b strings.Builder
	resLabel := "resource-based policy"
	if in.Resource != nil {
		resLabel = in.Resource.label()
	}
	switch c {
	case CauseNoResourceAllow:
		switch {
		case in.Resource == nil && in.RequireResourcePolicy:
			b.WriteString("there is no " + resLabel + ", and identity-based policies alone cannot allow " + ev.what())
		case in.Resource == nil:
			b.WriteString("the resource is in account " + in.ResourceAccount + " and has no resource-based policy that allows " + ev.what())
		case in.RequireResourcePolicy && ev.identity.allow && (in.ResourceAccount == "" || in.ResourceAccount == ev.pr().Account):
			b.WriteString("the " + resLabel + " does not allow " + ev.what() + ", and does not allow account " +
				ev.pr().Account + " to delegate to IAM policies (identity-based policies that allow it count only when the " +
				resLabel + " allows the account)")
		default:
			b.WriteString("no statement in the " + resLabel + " allows " + ev.what())
		}
		ev.writeNear(&b, 0)
	case CauseNoIdentityAllow:
		if ev.resource.grants[grantAccount] {
			b.WriteString("the " + resLabel + " delegates to account " + ev.pr().Account + ", but ")
		} else if in.ResourceAccount != "" && in.ResourceAccount != ev.pr().Account {
			b.WriteString("the " + resLabel + " of account " + in.ResourceAccount + " allows it, but cross-account access also needs an identity-based policy in account " + ev.pr().Account + "; ")
		}
		b.WriteString("no identity-based policy allows " + ev.what())
		ev.writeNear(&b, 1)
	case CauseNoBoundaryAllow:
		b.WriteString("the permissions boundary does not allow " + ev.what() + " (a boundary limits what identity-based policies and role grants allow)")
	case CauseNoSessionAllow:
		if ev.pr().Type == FederatedUser && in.Session == nil {
			b.WriteString("a federated user session without a session policy has no permissions of its own, so nothing allows " + ev.what())
		} else {
			b.WriteString("the session policy does not allow " + ev.what())
		}
	}
	return b.String()
}

// writeNear appends the statement that would have applied but for its condition.
func (ev *evaluator) writeNear(b *strings.Builder, slot int) {
	nm := ev.near[slot]
	if nm.pol == nil {
		return
	}
	st := &nm.pol.Statements[nm.stmt]
	c := &st.Condition[nm.cond]
	b.WriteString("; " + st.ref + " in the " + nm.pol.label() + " would, but its condition " +
		c.Operator + " " + c.Key + " is not met")
	vals, ok := ev.lookup(c.lkey)
	switch {
	case !ok:
		b.WriteString(" (the request has no " + c.Key + ")")
	case len(vals) == 1:
		b.WriteString(" (the request has " + c.Key + " = " + strconv.Quote(vals[0]) + ")")
	default:
		b.WriteString(" (the request has " + c.Key + " = " + strconv.Quote(strings.Join(vals, ", ")) + ")")
	}
}
