package iam

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// MaxAttachedPolicies is IAM's quota of managed policies attached to one user or role.
const MaxAttachedPolicies = 10

func attachRef(k EntityKind) refKind {
	if k == KindUser {
		return refUser
	}
	return refRole
}

func boundaryRef(k EntityKind) refKind {
	if k == KindUser {
		return refBoundaryUser
	}
	return refBoundaryRole
}

// attachable loads a managed policy that may be attached in account.
func (s *Service) attachable(tx meta.Tx, account, arn string) (*ManagedPolicy, error) {
	p, err := loadPolicy(tx, account, arn)
	if _, ok := asNoSuchEntity(err); ok {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return p, err
}

// AttachPolicy attaches a managed policy to a user or role (AttachUserPolicy, AttachRolePolicy).
func (s *Service) AttachPolicy(ctx context.Context, c *actor.Caller, kind EntityKind, entityName, arn string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, kind, entityName, entityAction("Attach", kind, "Policy"), policyARNContext(arn))
		if err != nil {
			return err
		}
		if _, err := s.attachable(tx, c.Account, arn); err != nil {
			return err
		}
		attached, err := scanKeys(tx, tableAttached, e.key()+"/")
		if err != nil {
			return err
		}
		for _, a := range attached {
			if a == arn {
				return nil
			}
		}
		if len(attached) >= MaxAttachedPolicies {
			return limitExceeded("Cannot exceed quota for PoliciesPer%s: %d", titleKind(kind), MaxAttachedPolicies)
		}
		if err := tx.Put(tableAttached, e.key()+"/"+arn, nil); err != nil {
			return err
		}
		return tx.Put(tablePolicyRefs, policyRefKey(c.Account, arn, attachRef(kind), e.name()), nil)
	})
	return wrapDomain(err, "attach policy "+arn)
}

func titleKind(k EntityKind) string {
	if k == KindUser {
		return "User"
	}
	return "Role"
}

// DetachPolicy detaches a managed policy from a user or role (DetachUserPolicy, DetachRolePolicy).
func (s *Service) DetachPolicy(ctx context.Context, c *actor.Caller, kind EntityKind, entityName, arn string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, kind, entityName, entityAction("Detach", kind, "Policy"), policyARNContext(arn))
		if err != nil {
			return err
		}
		if err := tx.Delete(tableAttached, e.key()+"/"+arn); err != nil {
			if isNotFound(err) {
				return noSuchEntity("Policy %s was not found.", arn)
			}
			return err
		}
		return deleteIfPresent(tx, tablePolicyRefs, policyRefKey(c.Account, arn, attachRef(kind), e.name()))
	})
	return wrapDomain(err, "detach policy "+arn)
}

// AttachedPolicy names a managed policy attached to a user or role.
type AttachedPolicy struct {
	Name string
	ARN  string
}

// ListAttachedPolicies returns the managed policies attached to a user or role (ListAttachedUserPolicies,
// ListAttachedRolePolicies), in ARN order, a page at a time; the marker is the next policy's ARN.
func (s *Service) ListAttachedPolicies(ctx context.Context, c *actor.Caller, kind EntityKind, entityName string, in ListInput) ([]AttachedPolicy, string, error) {
	var out []AttachedPolicy
	var next string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		e, err := s.loadAuthorized(ctx, tx, c, kind, entityName, entityAction("ListAttached", kind, "Policies"), policy.Context{})
		if err != nil {
			return err
		}
		arns, err := scanKeys(tx, tableAttached, e.key()+"/")
		if err != nil {
			return err
		}
		for _, arn := range arns {
			a, _ := parseIAMARN(arn)
			if (in.Marker != "" && arn < in.Marker) || !strings.HasPrefix(a.Path, in.PathPrefix) {
				continue
			}
			if len(out) == in.max() {
				next = arn
				break
			}
			out = append(out, AttachedPolicy{Name: a.Name, ARN: arn})
		}
		return nil
	})
	return out, next, wrapDomain(err, "list attached policies")
}

// PolicyEntities are the users and roles of an account that use a managed policy.
type PolicyEntities struct {
	Users, Roles []PolicyEntity
}

// PolicyEntity names a user or role.
type PolicyEntity struct {
	Name, ID string
}

// ListEntitiesForPolicy returns the users and roles a managed policy is attached to (EntityFilter "User",
// "Role" or "" for both; PolicyUsageFilter "PermissionsPolicy", "PermissionsBoundary" or "" for both).
func (s *Service) ListEntitiesForPolicy(ctx context.Context, c *actor.Caller, arn, entityFilter, usage string) (*PolicyEntities, error) {
	out := &PolicyEntities{}
	err := s.store.View(ctx, func(tx meta.Tx) error {
		if err := s.authorize(ctx, tx, c, "iam:ListEntitiesForPolicy", arn); err != nil {
			return err
		}
		if _, err := loadPolicy(tx, c.Account, arn); err != nil {
			return err
		}
		refs, err := scanKeys(tx, tablePolicyRefs, policyRefPrefix(c.Account, arn))
		if err != nil {
			return err
		}
		for _, ref := range refs {
			kind, name, _ := strings.Cut(ref, "/")
			if err := addPolicyEntity(tx, out, c.Account, refKind(kind), name, entityFilter, usage); err != nil {
				return err
			}
		}
		return nil
	})
	return out, wrapDomain(err, "list entities for policy")
}

func addPolicyEntity(tx meta.Tx, out *PolicyEntities, account string, k refKind, name, entityFilter, usage string) error {
	boundary := k == refBoundaryUser || k == refBoundaryRole
	if (usage == "PermissionsPolicy" && boundary) || (usage == "PermissionsBoundary" && !boundary) {
		return nil
	}
	user := k == refUser || k == refBoundaryUser
	if (entityFilter == "User" && !user) || (entityFilter == "Role" && user) {
		return nil
	}
	kind := KindRole
	if user {
		kind = KindUser
	}
	e, err := loadEntity(tx, kind, account, name)
	if err != nil {
		return err
	}
	if user {
		out.Users = append(out.Users, PolicyEntity{Name: e.name(), ID: e.user.ID})
	} else {
		out.Roles = append(out.Roles, PolicyEntity{Name: e.name(), ID: e.role.ID})
	}
	return nil
}

// attachedDocuments returns the default documents of the managed policies attached to an entity, with
// their ARNs.
func attachedDocuments(tx meta.Tx, key, account string) ([]string, []string, error) {
	arns, err := scanKeys(tx, tableAttached, key+"/")
	if err != nil {
		return nil, nil, err
	}
	docs := make([]string, 0, len(arns))
	for _, arn := range arns {
		p, err := loadPolicyDoc(tx, account, arn)
		if err != nil {
			return nil, nil, err
		}
		docs = append(docs, p)
	}
	return arns, docs, nil
}

// loadPolicyDoc returns the default document of a managed policy, without counting its uses.
func loadPolicyDoc(tx meta.Tx, account, arn string) (string, error) {
	if p := awsManaged(arn); p != nil {
		return p.Document(), nil
	}
	a, ok := parseIAMARN(arn)
	if !ok {
		return "", noSuchEntity("Policy %s was not found.", arn)
	}
	var p ManagedPolicy
	found, err := getJSON(tx, tablePolicies, policyKey(account, a.Name), &p)
	if err != nil {
		return "", err
	}
	if !found || p.Path != a.Path || a.Account != account {
		return "", noSuchEntity("Policy %s was not found.", arn)
	}
	return p.Document(), nil
}

func policyARNContext(arn string) policy.Context {
	var pc policy.Context
	pc.Set("iam:PolicyARN", arn)
	return pc
}
