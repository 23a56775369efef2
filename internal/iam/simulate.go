package iam

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// SimulateInput is a policy simulation: SimulateCustomPolicy (PolicySourceARN empty) or
// SimulatePrincipalPolicy (the user or role whose policies are simulated).
type SimulateInput struct {
	PolicySourceARN string
	// Policies are identity policies to simulate (in addition to the principal's, for a principal
	// simulation); Boundaries replace the principal's permissions boundary.
	Policies   []string
	Boundaries []string
	Actions    []string
	// Resources default to "*".
	Resources      []string
	ResourcePolicy string
	// ResourceOwner is the account (or its root ARN) owning resources whose ARN names no account.
	ResourceOwner string
	// CallerARN is who makes the simulated requests: an IAM user, as on AWS, or (seclake also accepts) a root
	// user or an assumed-role session ARN.
	CallerARN string
	Context   []ContextEntry
	Marker    string
	MaxItems  int
}

// ContextEntry is a condition key and its values for a simulation. Type is IAM's ContextKeyType ("string",
// "stringList", "date", …); values are given as text either way.
type ContextEntry struct {
	Key    string
	Values []string
	Type   string
}

// SimulationResult is the decision for one action on one resource.
type SimulationResult struct {
	Action, Resource string
	// Decision is "allowed", "explicitDeny" or "implicitDeny".
	Decision string
	Matched  []MatchedStatement
	Missing  []string
	// BoundaryAllowed is set when a permissions boundary took part: whether it allows the action.
	BoundaryAllowed *bool
	// Reason explains the decision in a sentence.
	Reason string
}

// MatchedStatement says which statement decided, as IAM's Statement shape does.
type MatchedStatement struct {
	SourcePolicyID, SourcePolicyType string
	Start, End                       policy.Position
}

// simulation is a prepared simulation: policies parsed, principal resolved.
type simulation struct {
	principal policy.Principal
	account   string
	identity  []*policy.Policy
	sources   []policySource
	boundary  []*policy.Policy
	resource  string // the resource policy's text
	owner     string
	context   policy.Context
}

// SimulateCustomPolicy evaluates the given policies for each action and resource, as AWS's policy simulator
// does: only the context entries given are in the request context (plus the keys derived from the caller).
// A resource policy is evaluated as a KMS key policy for KMS actions on keys and as a trust policy for
// sts:AssumeRole on roles, so that their rules (the key policy or trust policy must allow) apply as they do
// in seclake's services. It returns a page of results and the marker of the next page.
func (s *Service) SimulateCustomPolicy(ctx context.Context, c *actor.Caller, in SimulateInput) ([]SimulationResult, string, error) {
	var sim *simulation
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:SimulateCustomPolicy", "*"); err != nil {
			return err
		}
		var err error
		sim, err = s.prepare(tx, c, &in, nil)
		return err
	})
	if err != nil {
		return nil, "", wrapDomain(err, "simulate custom policy")
	}
	return s.runSimulation(sim, &in)
}

// SimulatePrincipalPolicy evaluates a user's or role's policies (inline, attached and boundary), with any
// extra policies given, for each action and resource.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, c *actor.Caller, in SimulateInput) ([]SimulationResult, string, error) {
	var sim *simulation
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:SimulatePrincipalPolicy", in.PolicySourceARN); err != nil {
			return err
		}
		a, ok := parseIAMARN(in.PolicySourceARN)
		if !ok || (a.Kind != "user" && a.Kind != "role") || a.Account != c.Account {
			return invalidInput("PolicySourceArn %s is not the ARN of a user or role of account %s.", in.PolicySourceARN, c.Account)
		}
		e, err := loadEntity(tx, EntityKind(a.Kind), a.Account, a.Name)
		if err != nil {
			return err
		}
		if e.arn() != in.PolicySourceARN {
			return noSuchEntity("The %s with name %s cannot be found.", a.Kind, a.Name)
		}
		sim, err = s.prepare(tx, c, &in, &e)
		return err
	})
	if err != nil {
		return nil, "", wrapDomain(err, "simulate principal policy")
	}
	return s.runSimulation(sim, &in)
}

// prepare parses the simulation's policies and resolves its principal; e is the simulated user or role of a
// principal simulation.
func (s *Service) prepare(tx meta.Tx, c *actor.Caller, in *SimulateInput, e *entity) (*simulation, error) {
	if len(in.Actions) == 0 {
		return nil, invalidInput("ActionNames must name at least one action.")
	}
	sim := &simulation{account: c.Account, resource: in.ResourcePolicy}
	if e != nil {
		pp := &principalPolicies{}
		if err := s.gatherEntity(tx, pp, *e); err != nil {
			return nil, err
		}
		sim.identity, sim.sources, sim.boundary = pp.identity, pp.sources, pp.boundary
		pp.addPrincipalKeys(&sim.context)
		sim.principal = entityPrincipal(e)
	} else {
		sim.principal = policy.Principal{Type: policy.IAMUser, Account: c.Account}
	}
	if err := s.parseInputs(sim, in); err != nil {
		return nil, err
	}
	if err := s.resolveCaller(tx, sim, in, e); err != nil {
		return nil, err
	}
	sim.owner = strings.TrimSuffix(strings.TrimPrefix(in.ResourceOwner, "arn:aws:iam::"), ":root")
	if sim.owner == "" {
		sim.owner = sim.principal.Account
	}
	for _, ce := range in.Context {
		sim.context.Set(ce.Key, ce.Values...)
	}
	return sim, nil
}

func entityPrincipal(e *entity) policy.Principal {
	if e.kind == KindUser {
		return policy.UserPrincipal(e.arn(), e.user.ID)
	}
	return policy.SessionPrincipal(e.arn(), e.role.ID, "SimulatePrincipalPolicy")
}

// parseInputs parses the policies the request passes.
func (s *Service) parseInputs(sim *simulation, in *SimulateInput) error {
	for i, doc := range in.Policies {
		p, err := s.policies.parse(doc, policy.Identity)
		if err != nil {
			return simulationInputError("PolicyInputList", i, err)
		}
		id := "PolicyInputList." + strconv.Itoa(i+1)
		sim.identity = append(sim.identity, named(p, id))
		sim.sources = append(sim.sources, policySource{ID: id, Type: "IAM Policy"})
	}
	if in.Boundaries != nil {
		sim.boundary = nil
		for i, doc := range in.Boundaries {
			p, err := s.policies.parse(doc, policy.Boundary)
			if err != nil {
				return simulationInputError("PermissionsBoundaryPolicyInputList", i, err)
			}
			sim.boundary = append(sim.boundary, named(p, "PermissionsBoundaryPolicyInputList."+strconv.Itoa(i+1)))
		}
	}
	return nil
}

func simulationInputError(member string, i int, err error) error {
	var ve *policy.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	if i >= 0 {
		member += "." + strconv.Itoa(i+1)
	}
	return invalidInput("%s: %s", member, MalformedMessage(ve))
}

// resolveCaller sets the simulated principal from CallerArn.
func (s *Service) resolveCaller(tx meta.Tx, sim *simulation, in *SimulateInput, e *entity) error {
	arn := in.CallerARN
	switch {
	case arn == "" && in.ResourcePolicy != "" && (e == nil || e.kind != KindUser):
		return invalidInput("CallerArn is required when a ResourcePolicy is simulated and PolicySourceArn is not a user.")
	case arn == "":
		return nil
	}
	if acct, role, session, ok := parseSessionARN(arn); ok {
		roleARN, roleID := "arn:aws:iam::"+acct+":role/"+role, ""
		if r, err := getRole(tx, acct, role); err == nil {
			roleARN, roleID = r.ARN(), r.ID
		}
		sim.principal = policy.SessionPrincipal(roleARN, roleID, session)
		return nil
	}
	a, ok := parseIAMARN(arn)
	if !ok {
		if acct, isRoot := strings.CutSuffix(strings.TrimPrefix(arn, "arn:aws:iam::"), ":root"); isRoot && actor.ValidAccountID(acct) {
			sim.principal = policy.RootPrincipal(acct)
			return nil
		}
		return invalidInput("CallerArn %s is not the ARN of a user, a root user or an assumed-role session.", arn)
	}
	if a.Kind != "user" {
		return invalidInput("CallerArn %s is not the ARN of a user, a root user or an assumed-role session.", arn)
	}
	id := ""
	if u, err := getUser(tx, a.Account, a.Name); err == nil && u.ARN() == arn {
		id = u.ID
	}
	sim.principal = policy.UserPrincipal(arn, id)
	return nil
}

// runSimulation evaluates every action and resource, and returns the requested page.
func (s *Service) runSimulation(sim *simulation, in *SimulateInput) ([]SimulationResult, string, error) {
	resources := in.Resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	start, _ := strconv.Atoi(in.Marker)
	max := in.MaxItems
	if max <= 0 {
		max = 1000
	}
	var out []SimulationResult
	n := 0
	for _, action := range in.Actions {
		for _, res := range resources {
			if n < start {
				n++
				continue
			}
			if len(out) == max {
				return out, strconv.Itoa(n), nil
			}
			r, err := s.simulateOne(sim, action, res)
			if err != nil {
				return nil, "", err
			}
			out = append(out, r)
			n++
		}
	}
	return out, "", nil
}

// simulateOne decides one action on one resource.
func (s *Service) simulateOne(sim *simulation, action, resource string) (SimulationResult, error) {
	in := policy.Input{
		Request:  policy.Request{Principal: sim.principal, Action: action, Resource: resource, Context: sim.context},
		Identity: sim.identity, Boundary: sim.boundary, ResourceAccount: resourceAccount(resource, sim.owner),
	}
	if sim.resource != "" {
		kind := resourcePolicyKind(action, resource)
		p, err := s.policies.parse(sim.resource, kind)
		if err != nil {
			return SimulationResult{}, simulationInputError("ResourcePolicy", -1, err)
		}
		in.Resource = named(p, "ResourcePolicy")
		in.RequireResourcePolicy = kind != policy.Resource
	}
	d := policy.Evaluate(in)
	r := SimulationResult{Action: action, Resource: resource, Decision: d.Effect.EvalDecision(), Missing: d.MissingContextKeys, Reason: d.Reason}
	for _, m := range d.Matched {
		r.Matched = append(r.Matched, sim.matched(&in, m))
	}
	if sim.boundary != nil {
		allowed := false
		for _, m := range d.Matched {
			allowed = allowed || (m.Source == policy.SourceBoundary && m.Effect == policy.Allow)
		}
		r.BoundaryAllowed = &allowed
	}
	return r, nil
}

func (sim *simulation) matched(in *policy.Input, m policy.Match) MatchedStatement {
	out := MatchedStatement{}
	switch m.Source {
	case policy.SourceIdentity:
		out.SourcePolicyID, out.SourcePolicyType = sim.sources[m.Policy].ID, sim.sources[m.Policy].Type
	case policy.SourceBoundary:
		out.SourcePolicyID, out.SourcePolicyType = "PermissionsBoundaryPolicyInputList."+strconv.Itoa(m.Policy+1), "IAM Policy"
	case policy.SourceResource:
		out.SourcePolicyID, out.SourcePolicyType = "ResourcePolicy", "resource"
	}
	if p := in.PolicyOf(m); p != nil && m.Statement < len(p.Statements) {
		out.Start, out.End = p.Statements[m.Statement].Start, p.Statements[m.Statement].End
	}
	return out
}

// resourceAccount is the account an ARN names, or owner when it names none (S3 ARNs, "*").
func resourceAccount(arn, owner string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) == 6 && actor.ValidAccountID(f[4]) {
		return f[4]
	}
	return owner
}

// resourcePolicyKind is how a simulated resource policy is evaluated for an action: a key policy for KMS
// actions on keys, a trust policy for assuming a role, a resource-based policy otherwise.
func resourcePolicyKind(action, resource string) policy.Kind {
	a := strings.ToLower(action)
	switch {
	case strings.HasPrefix(a, "kms:") && strings.Contains(resource, ":key/"):
		return policy.KeyPolicy
	case strings.HasPrefix(a, "sts:") && strings.Contains(resource, ":role/"):
		return policy.Trust
	}
	return policy.Resource
}

// ContextKeysForCustomPolicy returns the condition keys the policies use, each once
// (GetContextKeysForCustomPolicy).
func (s *Service) ContextKeysForCustomPolicy(ctx context.Context, c *actor.Caller, docs []string) ([]string, error) {
	err := s.store.View(ctx, func(tx meta.Tx) error { return s.authorize(ctx, tx, c, "iam:GetContextKeysForCustomPolicy", "*") })
	if err != nil {
		return nil, wrapDomain(err, "get context keys")
	}
	var out []string
	seen := map[string]bool{}
	for i, doc := range docs {
		p, err := s.policies.parse(doc, policy.Identity)
		if err != nil {
			return nil, simulationInputError("PolicyInputList", i, err)
		}
		for _, k := range p.ContextKeys() {
			if !seen[strings.ToLower(k)] {
				seen[strings.ToLower(k)] = true
				out = append(out, k)
			}
		}
	}
	return out, nil
}
