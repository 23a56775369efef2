package kms

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// CreateKeyRequest is CreateKey's input. Only symmetric encryption keys with KMS-made material can be created;
// the other specs, origins, custom key stores and multi-Region keys are refused.
type CreateKeyRequest struct {
	Policy                         string
	Description                    string
	KeyUsage                       string
	KeySpec                        string
	CustomerMasterKeySpec          string
	Origin                         string
	CustomKeyStoreID               string
	XksKeyID                       string
	BypassPolicyLockoutSafetyCheck bool
	MultiRegion                    bool
	Tags                           []Tag
}

var (
	keySpecs = []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
		"ECC_SECG_P256K1", "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44",
		"ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519"}
	keyUsages = []string{"SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"}
	origins   = []string{"AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"}
)

// CreateKey creates a symmetric encryption key in the caller's account and region, with the given policy or
// the default one.
func (s *Service) CreateKey(ctx context.Context, c *actor.Caller, in CreateKeyRequest) (*KeyMetadata, error) {
	if err := validateCreateKey(&in); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	var pc policy.Context
	pc.Set("kms:KeySpec", SpecSymmetric)
	pc.Set("kms:KeyUsage", UsageEncryptDecrypt)
	pc.Set("kms:KeyOrigin", OriginAWSKMS)
	pc.Set("kms:MultiRegion", "false")
	pc.SetBool("kms:BypassPolicyLockoutSafetyCheck", in.BypassPolicyLockoutSafetyCheck)
	setRequestTags(&pc, in.Tags)
	if err := s.authorizeIAM(ctx, c, "kms:CreateKey", "*", pc); err != nil {
		return nil, err
	}
	id, err := newUUID(s.rand)
	if err != nil {
		return nil, err
	}
	rec := &keyRecord{ID: id, Account: c.Account, Region: callerRegion(c), Created: s.clock.Now().UTC(),
		Description: in.Description, State: StateEnabled, Policy: in.Policy, Tags: in.Tags}
	if rec.Policy == "" {
		rec.Policy = DefaultKeyPolicy(c.Account)
	} else if _, err := s.checkPolicy(ctx, c, rec.arn(), c.Account, in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
		return nil, err
	}
	m, err := s.newMaterial(rec.arn(), 1, "")
	if err != nil {
		return nil, err
	}
	rec.Materials = []materialRecord{m}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		r := *rec
		return putKey(tx, &r)
	})
	if err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	return rec.metadata(), nil
}

func validateCreateKey(in *CreateKeyRequest) error {
	var v validation
	v.length("policy", in.Policy, 1, 131072, false)
	v.length("description", in.Description, 0, 8192, false)
	enum := func(member, val string, set []string) {
		if val != "" && !slices.Contains(set, val) {
			v.add(member, val, fmt.Sprintf("Member must satisfy enum value set: %v", set))
		}
	}
	enum("keySpec", in.KeySpec, keySpecs)
	enum("customerMasterKeySpec", in.CustomerMasterKeySpec, keySpecs)
	enum("keyUsage", in.KeyUsage, keyUsages)
	enum("origin", in.Origin, origins)
	if err := v.err(); err != nil {
		return err
	}
	spec := in.KeySpec
	switch {
	case in.KeySpec != "" && in.CustomerMasterKeySpec != "":
		return errValidationMsg("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
	case spec == "":
		spec = in.CustomerMasterKeySpec
	}
	switch {
	case spec != "" && spec != SpecSymmetric:
		return errUnsupported("KeySpec %s is not supported in this region: seclake's KMS makes symmetric encryption keys only (KeySpec %s).", spec, SpecSymmetric)
	case in.KeyUsage != "" && in.KeyUsage != UsageEncryptDecrypt:
		return errValidationMsg("KeyUsage " + in.KeyUsage + " is not compatible with KeySpec " + SpecSymmetric + "; a symmetric key's KeyUsage is " + UsageEncryptDecrypt + ".")
	case in.Origin != "" && in.Origin != OriginAWSKMS:
		return errUnsupported("Origin %s is not supported: seclake's KMS generates all key material itself (Origin %s).", in.Origin, OriginAWSKMS)
	case in.CustomKeyStoreID != "" || in.XksKeyID != "":
		return errUnsupported("Custom key stores are not supported.")
	case in.MultiRegion:
		return errUnsupported("Multi-Region keys are not supported: create a key in each region.")
	}
	return nil
}

// newUUID returns a random (version 4) UUID, the form of key IDs.
func newUUID(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("generate key ID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b[:]), nil
}

// DescribeKey returns a key's metadata. It works in every key state and across accounts.
func (s *Service) DescribeKey(ctx context.Context, c *actor.Caller, keyID string) (*KeyMetadata, error) {
	return s.DescribeKeyFor(ctx, c, keyID, nil)
}

// DescribeKeyFor is DescribeKey with grant tokens.
func (s *Service) DescribeKeyFor(ctx context.Context, c *actor.Caller, keyID string, grantTokens []string) (*KeyMetadata, error) {
	e, err := s.use(ctx, c, keyID, true, &access{action: "kms:DescribeKey", grantOp: "DescribeKey", tokens: grantTokens})
	if err != nil {
		return nil, err
	}
	return e.rec.metadata(), nil
}

// KeyListEntry is one key of ListKeys.
type KeyListEntry struct {
	KeyID  string
	KeyARN string
}

// ListKeys lists the keys of the caller's account and region, in every state. Only IAM policies govern it.
func (s *Service) ListKeys(ctx context.Context, c *actor.Caller, limit int, marker string) (*Page[KeyListEntry], error) {
	limit, err := pageLimit(limit, 100)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeIAM(ctx, c, "kms:ListKeys", "*", policy.Context{}); err != nil {
		return nil, err
	}
	region := callerRegion(c)
	var out []KeyListEntry
	err = s.store.View(ctx, func(tx meta.Tx) error {
		out = nil
		return tx.Scan(tableKeys, meta.Range{Prefix: c.Account + "/" + region + "/"}, func(k string, _ []byte) bool {
			id := k[len(c.Account)+len(region)+2:]
			out = append(out, KeyListEntry{KeyID: id, KeyARN: keyARN(c.Account, region, id)})
			return true
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return paginate(out, func(k KeyListEntry) string { return k.KeyID }, limit, marker)
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, c *actor.Caller, keyID, description string) error {
	var v validation
	v.length("description", description, 0, 8192, false)
	if err := v.err(); err != nil {
		return err
	}
	return s.change(ctx, c, keyID, "kms:UpdateKeyDescription", func(r *keyRecord) error {
		r.Description = description
		return nil
	})
}

// EnableKey enables a disabled key.
func (s *Service) EnableKey(ctx context.Context, c *actor.Caller, keyID string) error {
	return s.change(ctx, c, keyID, "kms:EnableKey", func(r *keyRecord) error {
		r.State = StateEnabled
		return nil
	})
}

// DisableKey disables a key: it can no longer be used in cryptographic operations until enabled again.
func (s *Service) DisableKey(ctx context.Context, c *actor.Caller, keyID string) error {
	return s.change(ctx, c, keyID, "kms:DisableKey", func(r *keyRecord) error {
		r.State = StateDisabled
		return nil
	})
}

// change runs a same-account key-management action that KMS refuses on keys pending deletion.
func (s *Service) change(ctx context.Context, c *actor.Caller, keyID, action string, fn func(*keyRecord) error) error {
	e, err := s.use(ctx, c, keyID, false, &access{action: action, sameAccountOnly: true})
	if err != nil {
		return err
	}
	_, err = s.update(ctx, e, func(_ meta.Tx, r *keyRecord) error {
		if r.State == StatePendingDeletion {
			return errPendingDeletion(r.arn())
		}
		return fn(r)
	})
	return err
}

// update applies fn to the key's current record in one transaction and drops the key from the cache. State
// checks belong in fn, where they see the record being changed.
func (s *Service) update(ctx context.Context, e *entry, fn func(tx meta.Tx, r *keyRecord) error) (*keyRecord, error) {
	var out *keyRecord
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		r, err := getKey(tx, e.rec.storeKey())
		if errors.Is(err, errNoKey) {
			return errKeyNotFound(e.arn)
		}
		if err != nil {
			return err
		}
		old := *r
		if err := fn(tx, r); err != nil {
			return err
		}
		if err := syncDue(tx, r.storeKey(), &old, r); err != nil {
			return err
		}
		out = r
		return putKey(tx, r)
	})
	if err != nil {
		return nil, err
	}
	s.invalidate(e.rec.storeKey())
	s.wake()
	return out, nil
}
