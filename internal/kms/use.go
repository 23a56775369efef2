package kms

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// observe lists key e among the resources of the call in ctx (CloudTrail's resources), whether or not the
// request then succeeds.
func observe(ctx context.Context, e *entry) {
	if call := actor.CallOf(ctx); call != nil {
		call.AddResource(e.arn, e.rec.Account, keyResourceType)
	}
}

// use resolves the key an operation names (key ID, key ARN and, where allowAlias, alias name or ARN) in the
// caller's account and region, and authorizes the caller. It returns the key even when authorization fails,
// for the audit record.
func (s *Service) use(ctx context.Context, c *actor.Caller, keyID string, allowAlias bool, a *access) (*entry, error) {
	if keyID == "" {
		return nil, errValidation("keyId", "", "Member must not be null")
	}
	account := c.Account
	if account == "" {
		account = c.Source.Account
	}
	ref, err := parseKeyID(account, callerRegion(c), keyID, allowAlias)
	if err != nil {
		return nil, err
	}
	a.alias = ref.alias
	var e *entry
	if m := managedFor(c, ref, a); m != nil {
		e, err = s.resolveManaged(ctx, ref, m)
	} else {
		e, err = s.resolve(ctx, ref)
	}
	if err != nil {
		return nil, err
	}
	observe(ctx, e)
	return e, s.authorize(ctx, c, e, a)
}

// usable returns the error KMS gives for a cryptographic operation (or CreateGrant) on a key that is not
// enabled.
func usable(e *entry) error {
	switch e.rec.State {
	case StateEnabled:
		return nil
	case StateDisabled:
		return errDisabled(e.arn)
	}
	return errPendingDeletion(e.arn)
}

// notPending returns KMSInvalidStateException for a key pending deletion (the operations that work on
// enabled and disabled keys).
func notPending(e *entry) error {
	if e.rec.State == StatePendingDeletion {
		return errPendingDeletion(e.arn)
	}
	return nil
}
