package iam

import (
	"strings"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// principalPolicies are the policies that apply to a principal's requests and the keys that describe it.
type principalPolicies struct {
	identity []*policy.Policy
	// sources says where each identity policy came from (SimulatePrincipalPolicy's MatchedStatements).
	sources  []policySource
	boundary []*policy.Policy // nil: no boundary
	session  []*policy.Policy // nil: no session policies
	scps     [][]*policy.Policy
	tags     []Tag
	orgID    string
	orgPath  string
}

// policySource is SimulatePrincipalPolicy's SourcePolicyId and SourcePolicyType for a policy.
type policySource struct {
	ID, Type string
}

// gather collects the policies of a principal: its user's or role's inline and attached policies and
// boundary, its session policies and tags, and its account's place in the organization.
func (s *Service) gather(tx meta.Tx, p *Principal) (*principalPolicies, error) {
	pp := &principalPolicies{}
	exemptSCP := false
	switch p.Type {
	case TypeUser:
		u, err := getUser(tx, p.Account, p.Name)
		if _, missing := asNoSuchEntity(err); missing {
			return pp, nil // a deleted user has no permissions
		}
		if err != nil {
			return nil, err
		}
		if err := s.gatherEntity(tx, pp, entity{kind: KindUser, user: u}); err != nil {
			return nil, err
		}
	case TypeAssumedRole:
		if err := s.gatherSession(tx, pp, p); err != nil {
			return nil, err
		}
		exemptSCP = p.Session != nil && strings.HasPrefix(p.Session.RoleARN, "arn:aws:iam::"+p.Account+":role/aws-service-role/")
	case TypeRoot:
	default:
		return pp, nil
	}
	org, err := s.orgScope(tx, p.Account)
	if err != nil {
		return nil, err
	}
	pp.orgID, pp.orgPath = org.id, org.path
	if !exemptSCP {
		pp.scps = org.scps
	}
	return pp, nil
}

// gatherSession collects a role session's role policies, session policies and tags.
func (s *Service) gatherSession(tx meta.Tx, pp *principalPolicies, p *Principal) error {
	sess := p.Session
	if sess == nil {
		return nil
	}
	r, err := getRole(tx, p.Account, p.Name)
	if _, missing := asNoSuchEntity(err); missing || (err == nil && r.ID != sess.RoleID) {
		return nil // the role was deleted (or deleted and recreated): the session has no permissions
	}
	if err != nil {
		return err
	}
	if err := s.gatherEntity(tx, pp, entity{kind: KindRole, role: r}); err != nil {
		return err
	}
	pp.tags = mergeTags(pp.tags, sess.Tags)
	if sess.Policies != nil {
		pp.session = make([]*policy.Policy, 0, len(sess.Policies))
		for _, doc := range sess.Policies {
			pol, err := s.policies.parse(doc, policy.Session)
			if err != nil {
				return err
			}
			pp.session = append(pp.session, named(pol, "session policy"))
		}
	}
	return nil
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
		if _, set := pc.Get("aws:PrincipalOrgID"); !set {
			pc.Set("aws:PrincipalOrgID", pp.orgID)
		}
		if _, set := pc.Get("aws:PrincipalOrgPaths"); !set {
			pc.Set("aws:PrincipalOrgPaths", pp.orgPath)
		}
	}
}
