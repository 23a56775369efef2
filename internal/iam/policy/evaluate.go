package policy

// Request is one authorization question: may Principal perform Action on Resource, given Context?
type Request struct {
	// Principal is who asks.
	Principal Principal
	// Action is the action, "<service>:<Action>" ("kms:Decrypt"); matched case-insensitively.
	Action string
	// Resource is the resource ARN, or "*" for actions that take no resource; matched case-sensitively.
	Resource string
	// Context holds the request's condition keys.
	Context Context
}

// Input is everything Evaluate needs: the request and every policy that applies to it.
type Input struct {
	Request Request
	// Identity are the principal's identity-based policies (user, group and role policies, inline and
	// managed). Nil entries are skipped.
	Identity []*Policy
	// Resource is the resource's policy (bucket, queue, key or role trust policy), or nil.
	Resource *Policy
	// ResourceAccount is the account that owns the resource; empty means the principal's own account.
	ResourceAccount string
	// Boundary is the principal's permissions boundary; nil means none. (A non-nil empty slice is a boundary
	// that allows nothing.)
	Boundary []*Policy
	// Session are the session policies of a role or federated-user session (inline and managed); nil means
	// none.
	Session []*Policy
	// SCPs are the service control policies that apply to the principal's account, one slice per level of
	// the organization (root, each OU, the account); every level must allow. Nil means no SCPs.
	SCPs [][]*Policy
	// RequireResourcePolicy is set for KMS keys and role trust policies: identity-based policies alone
	// never allow; the resource policy must allow the principal itself, or allow its account (delegation, in
	// which case the identity side must also allow) (IAM UG reference_policies_evaluation-logic: "IAM role
	// trust policies and KMS key policies are exceptions … they must explicitly allow access for
	// principals").
	RequireResourcePolicy bool
}

// Source says which kind of policy a Match is in.
type Source uint8

const (
	// SourceIdentity is Input.Identity.
	SourceIdentity Source = iota
	// SourceResource is Input.Resource.
	SourceResource
	// SourceBoundary is Input.Boundary.
	SourceBoundary
	// SourceSession is Input.Session.
	SourceSession
	// SourceSCP is Input.SCPs.
	SourceSCP
)

var sourceNames = [...]string{"identity", "resource", "boundary", "session", "scp"}

// String returns "identity", "resource", "boundary", "session" or "scp".
func (s Source) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// Match is a statement that applied to the request.
type Match struct {
	// Source is the kind of policy the statement is in.
	Source Source
	// Level is the SCP level (index in Input.SCPs); 0 for other sources.
	Level int
	// Policy is the index of the policy in its Input slice (0 for the resource policy).
	Policy int
	// PolicyID is the policy's Id element.
	PolicyID string
	// PolicyName is the name the policy was given when it was gathered ("managed policy arn:…", "key policy
	// of …"), for the audit trail and messages.
	PolicyName string
	// Statement is the index of the statement in the policy.
	Statement int
	// Sid is the statement's Sid.
	Sid string
	// Effect is the statement's effect.
	Effect Effect
}

// Decision is Evaluate's answer.
type Decision struct {
	// Allowed reports whether the request is allowed.
	Allowed bool
	// Effect is Allow, ExplicitDeny or ImplicitDeny.
	Effect Effect
	// Cause classifies a denial the way AWS's AccessDenied messages do (CauseNone when allowed).
	Cause Cause
	// Matched are the statements that decided: for an explicit deny the denying statements only (as the
	// IAM policy simulator reports); otherwise every allowing statement that applied.
	Matched []Match
	// MissingContextKeys are condition keys that statements needed but the request did not have, as
	// written in the policies (SimulatePrincipalPolicy's MissingContextValues).
	MissingContextKeys []string
	// Reason is one sentence a person can act on.
	Reason string
}

// PolicyOf returns the policy a Match refers to.
func (in *Input) PolicyOf(m Match) *Policy {
	var list []*Policy
	switch m.Source {
	case SourceResource:
		return in.Resource
	case SourceIdentity:
		list = in.Identity
	case SourceBoundary:
		list = in.Boundary
	case SourceSession:
		list = in.Session
	case SourceSCP:
		if m.Level < len(in.SCPs) {
			list = in.SCPs[m.Level]
		}
	}
	if m.Policy < len(list) {
		return list[m.Policy]
	}
	return nil
}

// Evaluate decides the request with AWS's policy evaluation logic (IAM UG reference_policies_evaluation-logic
// and reference_policies_evaluation-logic-cross-account; KMS DG key-policy-default and policy-evaluation):
//
//  1. An explicit Deny in any policy that applies wins.
//  2. Every SCP level must allow (principals of an account only).
//  3. Same account: an allow in an identity-based policy (within the boundary and the session policy) or in
//     the resource policy suffices. A resource policy that names the user or the session itself is not
//     limited by boundaries or session policies; one that names the role is; one that names only the
//     account delegates to the identity side.
//  4. Cross-account: the resource policy must allow the principal (or its account), and the principal's
//     own identity side must allow too.
//  5. RequireResourcePolicy (KMS keys, trust policies): identity-based policies count only when the resource
//     policy delegates to the principal's account.
//  6. Services and anonymous callers are allowed only by the resource policy.
//
// The root user has every permission of its account on the identity side (it has no identity policies),
// still subject to SCPs, explicit denies and RequireResourcePolicy.
func Evaluate(in Input) Decision {
	ev := evaluator{in: in}
	ev.hasBoundary = in.Boundary != nil
	ev.run()
	return ev.decide()
}
