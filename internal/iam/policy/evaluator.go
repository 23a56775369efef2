package policy

import "strings"

// evaluator holds the state of one Evaluate call. It lives on Evaluate's stack.
type evaluator struct {
	in          Input
	hasBoundary bool
	src         Source // the source being evaluated

	identity, boundary, session sideResult
	resource                    sideResult
	scpMissing                  int // first SCP level without an allow, or -1
	scpDeny                     bool

	matches []Match
	missing []string
	near    [2]nearMiss // 0: resource policy, 1: identity policies
	derived [len(derivedKeys)][1]string
}

// sideResult summarizes one kind of policy.
type sideResult struct {
	allow, deny bool
	grants      [grantDirect + 1]bool // resource policy: how Allow statements named the principal
}

// nearMiss is the first Allow statement whose action, resource and principal matched but whose condition did
// not hold: the statement a person most likely meant to apply.
type nearMiss struct {
	pol  *Policy
	stmt int
	cond int
}

func (ev *evaluator) run() {
	in := &ev.in
	for i, pol := range in.Identity {
		ev.policy(&ev.identity, SourceIdentity, 0, i, pol)
	}
	if in.Resource != nil {
		ev.policy(&ev.resource, SourceResource, 0, 0, in.Resource)
	}
	for i, pol := range in.Boundary {
		ev.policy(&ev.boundary, SourceBoundary, 0, i, pol)
	}
	for i, pol := range in.Session {
		ev.policy(&ev.session, SourceSession, 0, i, pol)
	}
	ev.scpMissing = -1
	if in.SCPs != nil && ev.pr().isIAM() {
		for level, pols := range in.SCPs {
			var r sideResult
			for i, pol := range pols {
				ev.policy(&r, SourceSCP, level, i, pol)
			}
			ev.scpDeny = ev.scpDeny || r.deny
			if !r.allow && ev.scpMissing < 0 {
				ev.scpMissing = level
			}
		}
	}
}

// policy evaluates every statement of pol, recording the ones that apply.
func (ev *evaluator) policy(r *sideResult, src Source, level, idx int, pol *Policy) {
	if pol == nil {
		return
	}
	ev.src = src
	for si := range pol.Statements {
		st := &pol.Statements[si]
		g, ok := ev.applies(pol, si, st)
		if !ok {
			continue
		}
		if st.Effect == Deny {
			r.deny = true
		} else {
			r.allow = true
			r.grants[g] = true
		}
		if ev.matches == nil {
			ev.matches = make([]Match, 0, 4)
		}
		ev.matches = append(ev.matches, Match{Source: src, Level: level, Policy: idx, PolicyID: pol.ID, PolicyName: pol.Name,
			Statement: si, Sid: st.Sid, Effect: st.Effect})
	}
}

// applies reports whether statement st of pol applies to the request, and for resource policies how it
// names the principal.
func (ev *evaluator) applies(pol *Policy, si int, st *Statement) (grant, bool) {
	req := &ev.in.Request
	if st.noAction || (st.noResource && pol.kind == KeyPolicy) {
		return grantNone, false
	}
	if !ev.matchActions(st, req.Action) {
		return grantNone, false
	}
	if !st.noResource && !ev.matchResources(st, req.Resource) {
		return grantNone, false
	}
	g := grantDirect
	if pol.kind.hasPrincipal() {
		switch {
		case st.Principal != nil:
			if g = st.Principal.match(ev.pr()); g == grantNone {
				return grantNone, false
			}
		case st.NotPrincipal != nil:
			// A principal with a permissions boundary is never exempted by NotPrincipal with Deny (IAM UG
			// access_policies_boundaries: "will always deny any IAM principal that has a permissions boundary
			// policy attached, regardless of the values specified in the NotPrincipal element").
			if st.NotPrincipal.excludes(ev.pr()) && !(ev.hasBoundary && ev.pr().isIAM()) {
				return grantNone, false
			}
		}
	}
	for ci := range st.Condition {
		if !st.Condition[ci].holds(ev) {
			ev.notePending(st.Condition[ci+1:])
			if st.Effect == Allow && (ev.src == SourceResource || ev.src == SourceIdentity) {
				ev.noteNear(si, pol, ci)
			}
			return grantNone, false
		}
	}
	return g, true
}

func (ev *evaluator) matchActions(st *Statement, action string) bool {
	for i := range st.actions {
		if m, _ := st.actions[i].match(action, nil); m {
			return !st.notAction
		}
	}
	return st.notAction
}

// matchResources matches the request's resource. An unresolvable variable never matches in Resource, and
// makes a NotResource statement inapplicable.
func (ev *evaluator) matchResources(st *Statement, resource string) bool {
	if st.anyResource && !st.notResource {
		return true
	}
	for i := range st.resources {
		m, ok := st.resources[i].match(resource, ev)
		if !ok && st.notResource {
			return false
		}
		if m {
			return !st.notResource
		}
	}
	return st.notResource
}

// lookup returns the request's values of a lowercased condition key: from the context, else derived from
// the principal. A key with no values is absent.
func (ev *evaluator) lookup(lkey string) ([]string, bool) {
	if v, ok := ev.in.Request.Context.lookup(lkey); ok {
		return v, len(v) > 0
	}
	if !strings.HasPrefix(lkey, "aws:") {
		return nil, false
	}
	for i, k := range derivedKeys {
		if k == lkey {
			v, ok := derivedValue(ev.pr(), lkey)
			if !ok {
				return nil, false
			}
			ev.derived[i][0] = v
			return ev.derived[i][:], true
		}
	}
	return nil, false
}

// variable resolves a policy variable; multivalued keys cannot be variables (IAM UG
// reference_policies_condition-single-vs-multi-valued-context-keys).
func (ev *evaluator) variable(lkey string) (string, bool) {
	v, ok := ev.lookup(lkey)
	if !ok || len(v) != 1 {
		return "", false
	}
	return v[0], true
}

func (ev *evaluator) noteMissing(key string) {
	for _, k := range ev.missing {
		if strings.EqualFold(k, key) {
			return
		}
	}
	ev.missing = append(ev.missing, key)
}

// notePending records absent keys of the conditions that were not evaluated because an earlier one failed,
// so MissingContextKeys lists every key the statement needs.
func (ev *evaluator) notePending(rest []Condition) {
	for i := range rest {
		if _, ok := ev.lookup(rest[i].lkey); !ok && rest[i].fam != famNull {
			ev.noteMissing(rest[i].Key)
		}
	}
}

func (ev *evaluator) noteNear(si int, pol *Policy, ci int) {
	slot := 1
	if ev.src == SourceResource {
		slot = 0
	}
	if ev.near[slot].pol == nil {
		ev.near[slot] = nearMiss{pol: pol, stmt: si, cond: ci}
	}
}

// pr returns the requesting principal. (The evaluator keeps no pointer into itself, so it stays on the stack.)
func (ev *evaluator) pr() *Principal { return &ev.in.Request.Principal }
