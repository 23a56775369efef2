package iam

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// EntityKind is the kind of IAM identity that policies attach to: a user or a role.
type EntityKind string

// Entity kinds.
const (
	KindUser EntityKind = "user"
	KindRole EntityKind = "role"
)

// entity is a user or a role, as the operations they share (inline and attached policies, boundaries,
// tags) see it.
type entity struct {
	kind EntityKind
	user *User
	role *Role
}

func (e entity) name() string {
	if e.kind == KindUser {
		return e.user.Name
	}
	return e.role.Name
}

func (e entity) account() string {
	if e.kind == KindUser {
		return e.user.Account
	}
	return e.role.Account
}

func (e entity) arn() string {
	if e.kind == KindUser {
		return e.user.ARN()
	}
	return e.role.ARN()
}

func (e entity) tags() []actor.Tag {
	if e.kind == KindUser {
		return e.user.Tags
	}
	return e.role.Tags
}

func (e entity) boundary() string {
	if e.kind == KindUser {
		return e.user.Boundary
	}
	return e.role.Boundary
}

func (e entity) setTags(t []actor.Tag) {
	if e.kind == KindUser {
		e.user.Tags = t
	} else {
		e.role.Tags = t
	}
}

func (e entity) setBoundary(arn string) {
	if e.kind == KindUser {
		e.user.Boundary = arn
	} else {
		e.role.Boundary = arn
	}
}

// serviceLinked reports whether the entity is a service-linked role, which only its service may change.
func (e entity) serviceLinked() bool { return e.kind == KindRole && e.role.Service != "" }

// key is the entity's key prefix in the per-entity tables: <account>/<kind>/<lower(name)>.
func (e entity) key() string { return entityPrefix(e.account(), e.kind, e.name()) }

func entityPrefix(account string, kind EntityKind, name string) string {
	return account + "/" + string(kind) + "/" + strings.ToLower(name)
}

func (e entity) save(tx meta.Tx) error {
	if e.kind == KindUser {
		return putJSON(tx, tableUsers, entityKey(e.user.Account, e.user.Name), e.user)
	}
	return putRole(tx, e.role)
}

// loadEntity loads a user or role of account.
func loadEntity(tx meta.Tx, kind EntityKind, account, name string) (entity, error) {
	if kind == KindUser {
		u, err := getUser(tx, account, name)
		return entity{kind: KindUser, user: u}, err
	}
	r, err := getRole(tx, account, name)
	return entity{kind: KindRole, role: r}, err
}

// checkNoPolicies refuses to delete an entity that still has inline or attached policies, as IAM does.
func checkNoPolicies(tx meta.Tx, e entity) error {
	inline, err := hasAny(tx, tableInline, e.key()+"/")
	if err != nil {
		return err
	}
	if inline {
		return deleteConflict("Cannot delete entity, must delete policies first.")
	}
	attached, err := hasAny(tx, tableAttached, e.key()+"/")
	if err != nil {
		return err
	}
	if attached {
		return deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	return nil
}

// loadAuthorized loads a user or role of the caller's account and authorizes action on it, with the entity's
// tags and the extra condition keys in the context.
func (s *Service) loadAuthorized(ctx context.Context, tx meta.Tx, c *actor.Caller, kind EntityKind, name, action string, extra policy.Context) (entity, error) {
	e, err := loadEntity(tx, kind, c.Account, name)
	if err != nil {
		return e, err
	}
	addResourceTags(&extra, e.tags())
	return e, s.authorizeCtx(ctx, tx, c, action, e.arn(), extra)
}

// loadModifiable is loadAuthorized for a change, which service-linked roles refuse.
func (s *Service) loadModifiable(ctx context.Context, tx meta.Tx, c *actor.Caller, kind EntityKind, name, action string, extra policy.Context) (entity, error) {
	e, err := s.loadAuthorized(ctx, tx, c, kind, name, action, extra)
	if err == nil && e.serviceLinked() {
		err = unmodifiable(e.name())
	}
	return e, err
}
