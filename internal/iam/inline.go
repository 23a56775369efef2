package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

const tableInline = "iam.inline" // <account>/<kind>/<lower(entity)>/<lower(policy)> → inlinePolicy

// inlinePolicy is a policy embedded in a user or role.
type inlinePolicy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

// InlinePolicy is a policy embedded in a user or role, as GetUserPolicy and GetRolePolicy return it.
type InlinePolicy struct {
	EntityName string
	Name       string
	Document   string
}

func inlineQuota(k EntityKind) policy.Quota {
	if k == KindUser {
		return policy.UserInline
	}
	return policy.RoleInline
}

// entityAction names the IAM action on a user or role: entityAction("Put", KindRole, "Policy") is
// "iam:PutRolePolicy".
func entityAction(verb string, k EntityKind, suffix string) string {
	if k == KindUser {
		return "iam:" + verb + "User" + suffix
	}
	return "iam:" + verb + "Role" + suffix
}

func noSuchInline(k EntityKind, name string) error {
	return noSuchEntity("The %s policy with name %s cannot be found.", k, name)
}

// PutInlinePolicy adds or replaces an inline policy of a user or role (PutUserPolicy, PutRolePolicy).
func (s *Service) PutInlinePolicy(ctx context.Context, c *actor.Caller, kind EntityKind, entityName, name, doc string) error {
	if err := validateName(name, "policyName", 128); err != nil {
		return err
	}
	if _, err := s.policies.parse(doc, policy.Identity); err != nil {
		return malformed(err)
	}
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, kind, entityName, entityAction("Put", kind, "Policy"), policy.Context{})
		if err != nil {
			return err
		}
		if err := checkInlineQuota(tx, e, name, doc); err != nil {
			return err
		}
		return putJSON(tx, tableInline, e.key()+"/"+strings.ToLower(name), inlinePolicy{Name: name, Document: doc})
	})
	return wrapDomain(err, "put inline policy "+name)
}

// checkInlineQuota enforces the aggregate size of an entity's inline policies, counting doc in place of any
// policy of the same name.
func checkInlineQuota(tx meta.Tx, e entity, name, doc string) error {
	q := inlineQuota(e.kind)
	total := q.Size([]byte(doc))
	pols, err := inlinePolicies(tx, e.key())
	if err != nil {
		return err
	}
	for _, p := range pols {
		if !strings.EqualFold(p.Name, name) {
			total += q.Size([]byte(p.Document))
		}
	}
	if total > q.Max() {
		return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", q.Max(), e.kind, e.name())
	}
	return nil
}

// inlinePolicies returns the inline policies of the entity with the given key, in name order.
func inlinePolicies(tx meta.Tx, key string) ([]inlinePolicy, error) {
	return scanJSON[inlinePolicy](tx, tableInline, key+"/")
}

// GetInlinePolicy returns an inline policy of a user or role (GetUserPolicy, GetRolePolicy).
func (s *Service) GetInlinePolicy(ctx context.Context, c *actor.Caller, kind EntityKind, entityName, name string) (*InlinePolicy, error) {
	var out *InlinePolicy
	err := s.store.View(ctx, func(tx meta.Tx) error {
		e, err := s.loadAuthorized(ctx, tx, c, kind, entityName, entityAction("Get", kind, "Policy"), policy.Context{})
		if err != nil {
			return err
		}
		var p inlinePolicy
		found, err := getJSON(tx, tableInline, e.key()+"/"+strings.ToLower(name), &p)
		if err != nil {
			return err
		}
		if !found {
			return noSuchInline(kind, name)
		}
		out = &InlinePolicy{EntityName: e.name(), Name: p.Name, Document: p.Document}
		return nil
	})
	return out, wrapDomain(err, "get inline policy "+name)
}

// ListInlinePolicies returns the names of a user's or role's inline policies, in order, a page at a time
// (ListUserPolicies, ListRolePolicies). The marker is the next policy's name.
func (s *Service) ListInlinePolicies(ctx context.Context, c *actor.Caller, kind EntityKind, entityName string, in ListInput) ([]string, string, error) {
	var names []string
	var next string
	err := s.store.View(ctx, func(tx meta.Tx) error {
		e, err := s.loadAuthorized(ctx, tx, c, kind, entityName, entityAction("List", kind, "Policies"), policy.Context{})
		if err != nil {
			return err
		}
		pols, err := inlinePolicies(tx, e.key())
		if err != nil {
			return err
		}
		for _, p := range pols {
			if in.Marker != "" && strings.ToLower(p.Name) < strings.ToLower(in.Marker) {
				continue
			}
			if len(names) == in.max() {
				next = p.Name
				break
			}
			names = append(names, p.Name)
		}
		return nil
	})
	return names, next, wrapDomain(err, "list inline policies")
}

// DeleteInlinePolicy deletes an inline policy of a user or role (DeleteUserPolicy, DeleteRolePolicy).
func (s *Service) DeleteInlinePolicy(ctx context.Context, c *actor.Caller, kind EntityKind, entityName, name string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, kind, entityName, entityAction("Delete", kind, "Policy"), policy.Context{})
		if err != nil {
			return err
		}
		err = tx.Delete(tableInline, e.key()+"/"+strings.ToLower(name))
		if errors.Is(err, meta.ErrNotFound) {
			return noSuchInline(kind, name)
		}
		return err
	})
	return wrapDomain(err, "delete inline policy "+name)
}
