package kms

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// AWS managed keys: the key a service uses for a customer when the customer names no key of its own, created
// in the customer's account and region the first time it is needed, as KMS creates them. KMS associates a
// predefined alias (alias/aws/<service>) with a new AWS managed key when DescribeKey names the alias (which is
// how AWS services create them, KMS API DescribeKey: "If you specify a predefined AWS alias (an AWS alias with
// no key ID), KMS associates the alias with an AWS managed key"), and seclake's services call DescribeKey's
// logic implicitly: any request the service itself makes with the alias (kms:ViaService the service) creates
// it too. Customers cannot change these keys: their key policy allows the account only to use the key through
// the service and to read its metadata, so every other operation is denied by the key policy, as on AWS.

// managerAWS is KeyManager for AWS managed keys.
const managerAWS = "AWS"

// managedKey describes the AWS managed key of one service.
type managedKey struct {
	// alias is the predefined alias ("alias/aws/s3").
	alias string
	// service is the service principal whose requests (Caller.InvokedBy) may create the key.
	service string
	// display is the service's name in the key policy's statement ("S3").
	display string
	// policyID is the key policy's Id.
	policyID string
	// description is the key's Description.
	description string
}

// managedKeys are the AWS managed keys seclake's services use, by alias. The texts are AWS's (the aws/s3
// key's DescribeKey output in the AWS CLI reference; its key policy as AWS writes it into accounts).
var managedKeys = map[string]*managedKey{
	"alias/aws/s3": {
		alias:       "alias/aws/s3",
		service:     "s3.amazonaws.com",
		display:     "S3",
		policyID:    "auto-s3-2",
		description: "Default KMS key that protects my S3 objects when no other key is defined",
	},
}

// managedAliasNames are the predefined aliases, sorted.
var managedAliasNames = func() []string {
	var out []string
	for name := range managedKeys {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}()

// policy returns the key policy of the service's AWS managed key in account and region: every principal of
// the account may use the key through the service, and the account may read the key's metadata.
func (m *managedKey) policy(account, region string) string {
	via := viaService(m.service, region)
	return `{
  "Version" : "2012-10-17",
  "Id" : "` + m.policyID + `",
  "Statement" : [ {
    "Sid" : "Allow access through ` + m.display + ` for all principals in the account that are authorized to use ` + m.display + `",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + account + `",
        "kms:ViaService" : "` + via + `"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  } ]
}`
}

// managedFor returns the AWS managed key a request may create: the reference is a predefined alias of the
// caller's own account, and the request is DescribeKey or comes through the alias's service.
func managedFor(c *actor.Caller, ref keyRef, a *access) *managedKey {
	m := managedKeys[ref.alias]
	if m == nil || c.Type == actor.TypeService || c.Account == "" || ref.account != c.Account {
		return nil
	}
	if a.action != "kms:DescribeKey" && c.InvokedBy != m.service {
		return nil
	}
	return m
}

// resolveManaged returns the AWS managed key ref names, creating it first if it does not exist yet.
func (s *Service) resolveManaged(ctx context.Context, ref keyRef, m *managedKey) (*entry, error) {
	if _, err := s.aliasKeyID(ctx, ref); errors.Is(err, errNoAlias) {
		if err := s.createManaged(ctx, ref, m); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return s.resolve(ctx, ref)
}

// createManaged creates the AWS managed key ref names, with its alias, in one transaction. When concurrent
// first uses race (in this process or on other nodes sharing the store), the store's serializable
// transactions let exactly one of them create the key; the others find the alias and create nothing.
func (s *Service) createManaged(ctx context.Context, ref keyRef, m *managedKey) error {
	id, err := newUUID(s.rand)
	if err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	rec := keyRecord{ID: id, Account: ref.account, Region: ref.region, Created: now, Description: m.description,
		State: StateEnabled, Policy: m.policy(ref.account, ref.region), Manager: managerAWS,
		RotationPeriod: defaultRotationPeriod, NextRotation: now.Truncate(time.Second).Add(days(defaultRotationPeriod))}
	mat, err := s.newMaterial(rec.arn(), 1, "")
	if err != nil {
		return err
	}
	rec.Materials = []materialRecord{mat}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		// Finding the alias, return nil rather than an error: the store then returns only once the
		// transaction that wrote it (possibly in the same group commit) is durable and visible.
		if _, err := getAlias(tx, ref.storeKey()); err == nil {
			return nil
		} else if !errors.Is(err, errNoAlias) {
			return err
		}
		r := rec
		r.Aliases = []string{ref.alias}
		if err := putKey(tx, &r); err != nil {
			return err
		}
		if err := syncDue(tx, r.storeKey(), nil, &r); err != nil {
			return err
		}
		return insertAlias(tx, ref.storeKey(), &aliasRecord{Name: ref.alias, KeyID: id, Created: now, Updated: now})
	})
	if errors.Is(err, meta.ErrExists) {
		return nil // another node's transaction inserted the alias first, and has committed
	}
	if err != nil {
		return fmt.Errorf("create AWS managed key %s: %w", ref.arn(), err)
	}
	s.invalidate(ref.storeKey())
	s.wake()
	return nil
}

// predefinedAliases returns the predefined aliases of account and region that no key is associated with yet,
// as ListAliases lists them (without TargetKeyId). have holds the names of the aliases that exist.
func predefinedAliases(account, region string, have map[string]bool) []*Alias {
	var out []*Alias
	for _, name := range managedAliasNames {
		if !have[name] {
			out = append(out, &Alias{AliasName: name, AliasARN: aliasARN(account, region, name)})
		}
	}
	return out
}
