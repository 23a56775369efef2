package policy

// Cause classifies why a request was denied, as AWS's AccessDenied messages do.
type Cause uint8

const (
	// CauseNone means the request is allowed.
	CauseNone Cause = iota
	// CauseExplicitDenyIdentity is a Deny statement in an identity-based policy.
	CauseExplicitDenyIdentity
	// CauseExplicitDenyResource is a Deny statement in the resource-based policy.
	CauseExplicitDenyResource
	// CauseExplicitDenyBoundary is a Deny statement in the permissions boundary.
	CauseExplicitDenyBoundary
	// CauseExplicitDenySession is a Deny statement in a session policy.
	CauseExplicitDenySession
	// CauseExplicitDenySCP is a Deny statement in a service control policy.
	CauseExplicitDenySCP
	// CauseNoSCPAllow means some level of service control policies allows nothing that matches.
	CauseNoSCPAllow
	// CauseNoIdentityAllow means no identity-based policy allows the request (where one must).
	CauseNoIdentityAllow
	// CauseNoResourceAllow means the resource-based policy does not allow the request (where it must).
	CauseNoResourceAllow
	// CauseNoBoundaryAllow means the permissions boundary does not allow what the other policies allow.
	CauseNoBoundaryAllow
	// CauseNoSessionAllow means the session policy does not allow what the other policies allow.
	CauseNoSessionAllow
)

// Suffix returns the ending AWS appends to "User: <arn> is not authorized to perform: <action> on resource:
// <resource>", for example "because no resource-based policy allows the kms:Decrypt action" or "with an
// explicit deny in an identity-based policy" (IAM UG troubleshoot_access-denied). It is "" for CauseNone.
func (c Cause) Suffix(action string) string {
	switch c {
	case CauseExplicitDenyIdentity:
		return "with an explicit deny in an identity-based policy"
	case CauseExplicitDenyResource:
		return "with an explicit deny in a resource-based policy"
	case CauseExplicitDenyBoundary:
		return "with an explicit deny in a permissions boundary"
	case CauseExplicitDenySession:
		return "with an explicit deny in a session policy"
	case CauseExplicitDenySCP:
		return "with an explicit deny in a service control policy"
	case CauseNoSCPAllow:
		return "because no service control policy allows the " + action + " action"
	case CauseNoIdentityAllow:
		return "because no identity-based policy allows the " + action + " action"
	case CauseNoResourceAllow:
		return "because no resource-based policy allows the " + action + " action"
	case CauseNoBoundaryAllow:
		return "because no permissions boundary allows the " + action + " action"
	case CauseNoSessionAllow:
		return "because no session policy allows the " + action + " action"
	}
	return ""
}

var denyCauses = [...]Cause{SourceIdentity: CauseExplicitDenyIdentity, SourceResource: CauseExplicitDenyResource,
	SourceBoundary: CauseExplicitDenyBoundary, SourceSession: CauseExplicitDenySession, SourceSCP: CauseExplicitDenySCP}

// decide combines the per-policy results into the decision.
func (ev *evaluator) decide() Decision {
	d := Decision{MissingContextKeys: ev.missing}
	if ev.identity.deny || ev.resource.deny || ev.boundary.deny || ev.session.deny || ev.scpDeny {
		denies := ev.matches[:0]
		for _, m := range ev.matches {
			if m.Effect == Deny {
				denies = append(denies, m)
			}
		}
		d.Effect, d.Matched, d.Cause = ExplicitDeny, denies, denyCauses[denies[0].Source]
		d.Reason = ev.denyReason(denies[0])
		return d
	}
	d.Matched = ev.matches
	if ev.scpMissing >= 0 {
		d.Cause = CauseNoSCPAllow
		d.Reason = ev.scpReason()
		return d
	}
	side, cause := ev.combine()
	if cause != CauseNone {
		d.Cause = cause
		d.Reason = ev.implicitReason(cause)
		return d
	}
	d.Allowed, d.Effect = true, Allow
	d.Reason = ev.allowReason(side)
	return d
}

// combine applies the cross-policy rules. It returns the source whose allow decided, or the cause of the
// implicit deny.
func (ev *evaluator) combine() (Source, Cause) {
	in, p := &ev.in, ev.pr()
	g := ev.resource.grants
	direct, issuer, account := g[grantDirect], g[grantIssuer], g[grantAccount]
	if !p.isIAM() {
		// Services, identity-provider users and anonymous callers have no identity side.
		if direct {
			return SourceResource, CauseNone
		}
		return 0, CauseNoResourceAllow
	}
	boundaryOK := !ev.hasBoundary || ev.boundary.allow
	sessionOK := true
	switch p.Type {
	case AssumedRole:
		sessionOK = in.Session == nil || ev.session.allow
	case FederatedUser:
		// "If there is no session policy … if the principal is a role session, then the request is allowed.
		// Otherwise, the request is implicitly denied" (IAM UG reference_policies_evaluation-logic).
		sessionOK = in.Session != nil && ev.session.allow
	}
	idAllow := p.Type == Root || ev.identity.allow
	identity := idAllow && boundaryOK && sessionOK
	limited := func() Cause {
		switch {
		case !idAllow:
			return CauseNoIdentityAllow
		case !boundaryOK:
			return CauseNoBoundaryAllow
		}
		return CauseNoSessionAllow
	}
	issuerOK := issuer && boundaryOK && sessionOK
	same := in.ResourceAccount == "" || in.ResourceAccount == p.Account
	switch {
	case same && !in.RequireResourcePolicy:
		switch {
		case identity:
			return SourceIdentity, CauseNone
		case direct || issuerOK:
			return SourceResource, CauseNone
		case issuer && !boundaryOK:
			return 0, CauseNoBoundaryAllow
		case issuer:
			return 0, CauseNoSessionAllow
		}
		return 0, limited()
	case same:
		switch {
		case direct || issuerOK:
			return SourceResource, CauseNone
		case account && identity:
			return SourceIdentity, CauseNone
		case account:
			return 0, limited()
		case issuer && !boundaryOK:
			return 0, CauseNoBoundaryAllow
		case issuer:
			return 0, CauseNoSessionAllow
		}
		return 0, CauseNoResourceAllow
	}
	// Cross-account: "the identity-based policy in the trusted account and the resource-based policy in the
	// trusting account must both allow the request" (IAM UG reference_policies_evaluation-logic-cross-account).
	if !(direct || issuer || account) {
		return 0, CauseNoResourceAllow
	}
	if !identity {
		return 0, limited()
	}
	return SourceIdentity, CauseNone
}

var causeNames = [...]string{"None", "ExplicitDenyIdentity", "ExplicitDenyResource", "ExplicitDenyBoundary",
	"ExplicitDenySession", "ExplicitDenySCP", "NoSCPAllow", "NoIdentityAllow", "NoResourceAllow",
	"NoBoundaryAllow", "NoSessionAllow"}

// String returns the cause's name without the "Cause" prefix ("NoResourceAllow", …).
func (c Cause) String() string {
	if int(c) < len(causeNames) {
		return causeNames[c]
	}
	return "Unknown"
}
