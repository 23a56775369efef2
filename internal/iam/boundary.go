package iam

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// PutPermissionsBoundary sets the managed policy that bounds a user's or role's permissions
// (PutUserPermissionsBoundary, PutRolePermissionsBoundary).
func (s *Service) PutPermissionsBoundary(ctx context.Context, c *actor.Caller, kind EntityKind, entityName, arn string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		var pc policy.Context
		pc.Set("iam:PermissionsBoundary", arn)
		e, err := s.loadModifiable(ctx, tx, c, kind, entityName, entityAction("Put", kind, "PermissionsBoundary"), pc)
		if err != nil {
			return err
		}
		if _, err := s.attachable(tx, c.Account, arn); err != nil {
			return err
		}
		if old := e.boundary(); old != "" {
			if err := deleteIfPresent(tx, tablePolicyRefs, policyRefKey(c.Account, old, boundaryRef(kind), e.name())); err != nil {
				return err
			}
		}
		e.setBoundary(arn)
		if err := tx.Put(tablePolicyRefs, policyRefKey(c.Account, arn, boundaryRef(kind), e.name()), nil); err != nil {
			return err
		}
		return e.save(tx)
	})
	return wrapDomain(err, "put permissions boundary")
}

// DeletePermissionsBoundary removes a user's or role's permissions boundary (DeleteUserPermissionsBoundary,
// DeleteRolePermissionsBoundary).
func (s *Service) DeletePermissionsBoundary(ctx context.Context, c *actor.Caller, kind EntityKind, entityName string) error {
	err := s.change(ctx, func(tx meta.Tx) error {
		e, err := s.loadModifiable(ctx, tx, c, kind, entityName, entityAction("Delete", kind, "PermissionsBoundary"), policy.Context{})
		if err != nil {
			return err
		}
		old := e.boundary()
		if old == "" {
			return noSuchEntity("The %s with name %s does not have a permissions boundary.", kind, e.name())
		}
		if err := deleteIfPresent(tx, tablePolicyRefs, policyRefKey(c.Account, old, boundaryRef(kind), e.name())); err != nil {
			return err
		}
		e.setBoundary("")
		return e.save(tx)
	})
	return wrapDomain(err, "delete permissions boundary")
}
