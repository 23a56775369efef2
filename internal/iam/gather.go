package iam

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// principalPolicies are the policies that apply to a principal's requests and the keys that describe it.
// Once gathered they may be shared (see gatherCache) and are not changed.
type principalPolicies struct {
	identity []*policy.Policy
	// sources says where each identity policy came from (SimulatePrincipalPolicy's MatchedStatements).
	sources  []policySource
	boundary []*policy.Policy // nil: no boundary
	session  []*policy.Policy // nil: no session policies
	scps     [][]*policy.Policy
	tags     []actor.Tag
	orgID    string
	orgPath  string
	roleID   string // the role's unique ID, for a role session
}

// policySource is SimulatePrincipalPolicy's SourcePolicyId and SourcePolicyType for a policy.
type policySource struct {
	ID, Type string
}

// gather collects the policies of a principal: its user's or role's inline and attached policies and
// boundary, its account's place in the organization (cached per principal while nothing changes), and a
// session's own policies and tags.
func (s *Service) gather(tx meta.Tx, p *actor.Identity) (*principalPolicies, error) {
	if !hasPolicies(p) {
		return &principalPolicies{}, nil
	}
	gen, err := generation(tx)
	if err != nil {
		return nil, err
	}
	s.gen.saw(gen)
	key := keyOf(p)
	base := s.gathered.get(key, gen)
	if base == nil {
		if base, err = s.gatherBase(tx, p); err != nil {
			return nil, err
		}
		s.gathered.put(key, gen, base)
	}
	return s.forSession(base, p)
}

// cached returns the principal's policies from the cache without a transaction, when the cache holds them
// at the node's current change counter; ok is false otherwise.
func (s *Service) cached(ctx context.Context, p *actor.Identity) (pp *principalPolicies, ok bool, err error) {
	if !hasPolicies(p) {
		return &principalPolicies{}, true, nil
	}
	gen, err := s.current(ctx)
	if err != nil {
		return nil, false, err
	}
	base := s.gathered.get(keyOf(p), gen)
	if base == nil {
		return nil, false, nil
	}
	pp, err = s.forSession(base, p)
	return pp, err == nil, err
}

// hasPolicies reports whether a principal has identity-based policies to gather.
func hasPolicies(p *actor.Identity) bool {
	return p.Type == actor.TypeUser || p.Type == actor.TypeAssumedRole || p.Type == actor.TypeRoot
}

// forSession narrows a user's or role's policies to a session of it.
func (s *Service) forSession(base *principalPolicies, p *actor.Identity) (*principalPolicies, error) {
	if p.Type != actor.TypeAssumedRole || p.Session == nil {
		return base, nil
	}
	if base.roleID != p.Session.RoleID {
		return &principalPolicies{}, nil // the role was deleted (or deleted and recreated): no permissions
	}
	return s.withSession(base, p.Session)
}

// gatherBase collects what a principal's policies are apart from its session: those of its user or role,
// and of its account's place in the organization.
func (s *Service) gatherBase(tx meta.Tx, p *actor.Identity) (*principalPolicies, error) {
	pp := &principalPolicies{}
	var e entity
	switch p.Type {
	case actor.TypeUser:
		u, err := getUser(tx, p.Account, p.Name)
		if _, missing := asNoSuchEntity(err); missing {
			return pp, nil // a deleted user has no permissions
		}
		if err != nil {
			return nil, err
		}
		e = entity{kind: KindUser, user: u}
	case actor.TypeAssumedRole:
		r, err := getRole(tx, p.Account, p.Name)
		if _, missing := asNoSuchEntity(err); missing {
			return pp, nil
		}
		if err != nil {
			return nil, err
		}
		e, pp.roleID = entity{kind: KindRole, role: r}, r.ID
	}
	if e.kind != "" {
		if err := s.gatherEntity(tx, pp, e); err != nil {
			return nil, err
		}
	}
	org, err := s.orgScope(tx, p.Account)
	if err != nil {
		return nil, err
	}
	pp.orgID, pp.orgPath = org.id, org.path
	// "SCPs don't affect service-linked roles" (Organizations UG orgs_manage_policies_scps).
	if !e.serviceLinked() {
		pp.scps = org.scps
	}
	return pp, nil
}

// withSession returns the role's policies with a session's policies and tags added.
func (s *Service) withSession(base *principalPolicies, sess *actor.Session) (*principalPolicies, error) {
	pp := *base
	pp.tags = mergeTags(base.tags, sess.Tags)
	if sess.Policies == nil {
		return &pp, nil
	}
	pp.session = make([]*policy.Policy, 0, len(sess.Policies))
	for _, doc := range sess.Policies {
		pol, err := s.policies.parse(doc, policy.Session)
		if err != nil {
			return nil, err
		}
		pp.session = append(pp.session, named(pol, "session policy"))
	}
	return &pp, nil
}

// gatherEntity collects a user's or role's inline and attached policies, boundary and tags.
func (s *Service) gatherEntity(tx meta.Tx, pp *principalPolicies, e entity) error {
	inline, err := inlinePolicies(tx, e.key())
	if err != nil {
		return err
	}
	for _, ip := range inline {
		pol, err := s.policies.parse(ip.Document, policy.Identity)
		if err != nil {
			return err
		}
		pp.identity = append(pp.identity, named(pol, "inline policy "+quote(ip.Name)+" of "+string(e.kind)+"/"+e.name()))
		pp.sources = append(pp.sources, policySource{ID: ip.Name, Type: string(e.kind)})
	}
	arns, docs, err := attachedDocuments(tx, e.key(), e.account())
	if err != nil {
		return err
	}
	for i, doc := range docs {
		pol, err := s.policies.parse(doc, policy.Identity)
		if err != nil {
			return err
		}
		pp.identity = append(pp.identity, named(pol, "managed policy "+arns[i]))
		pp.sources = append(pp.sources, policySource{ID: arns[i], Type: managedSourceType(arns[i])})
	}
	if b := e.boundary(); b != "" {
		doc, err := loadPolicyDoc(tx, e.account(), b)
		if err != nil {
			return err
		}
		pol, err := s.policies.parse(doc, policy.Boundary)
		if err != nil {
			return err
		}
		pp.boundary = []*policy.Policy{named(pol, "permissions boundary "+b)}
	}
	pp.tags = e.tags()
	return nil
}

func managedSourceType(arn string) string {
	if strings.HasPrefix(arn, "arn:aws:iam::aws:") {
		return "aws-managed"
	}
	return "user-managed"
}

func quote(s string) string { return `"` + s + `"` }

// addPrincipalKeys sets the condition keys that describe the principal: its tags and its organization.
func (pp *principalPolicies) addPrincipalKeys(pc *policy.Context) {
	for _, t := range pp.tags {
		key := "aws:PrincipalTag/" + t.Key
		if _, set := pc.Get(key); !set {
			pc.Set(key, t.Value)
		}
	}
	if pp.orgID != "" {
		if _, set := pc.Get("aws:principalorgid"); !set {
			pc.Set("aws:principalorgid", pp.orgID)
		}
		if _, set := pc.Get("aws:principalorgpaths"); !set {
			pc.Set("aws:principalorgpaths", pp.orgPath)
		}
	}
}
