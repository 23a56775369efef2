package kms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// Alias is an alias, as ListAliases returns it.
type Alias struct {
	AliasName   string
	AliasARN    string
	TargetKeyID string
	Created     time.Time
	Updated     time.Time
}

// aliasRecord is an alias as stored in kms.aliases.
type aliasRecord struct {
	Name    string    `json:"name"`
	KeyID   string    `json:"keyId"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

const maxAliasesPerKey = 50

var errNoAlias = errors.New("kms: no such alias")

func aliasStoreKey(account, region, name string) string { return account + "/" + region + "/" + name }

func aliasARN(account, region, name string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + name
}

func getAlias(tx meta.Tx, storeKey string) (*aliasRecord, error) {
	b, err := tx.Get(tableAliases, storeKey)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, errNoAlias
	}
	if err != nil {
		return nil, fmt.Errorf("read alias %s: %w", storeKey, err)
	}
	a := new(aliasRecord)
	if err := json.Unmarshal(b, a); err != nil {
		return nil, fmt.Errorf("decode alias %s: %w", storeKey, err)
	}
	return a, nil
}

func putAlias(tx meta.Tx, storeKey string, a *aliasRecord) error {
	return writeAlias(tx.Put, storeKey, a)
}

// insertAlias writes a new alias record, or returns meta.ErrExists.
func insertAlias(tx meta.Tx, storeKey string, a *aliasRecord) error {
	return writeAlias(tx.Insert, storeKey, a)
}

// writeAlias encodes an alias record and stores it with write (Tx.Put or Tx.Insert).
func writeAlias(write func(table, key string, value []byte) error, storeKey string, a *aliasRecord) error {
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alias: %w", err)
	}
	if err := write(tableAliases, storeKey, b); err != nil {
		return fmt.Errorf("write alias %s: %w", a.Name, err)
	}
	return nil
}

// checkAliasName validates an alias name as CreateAlias, UpdateAlias and DeleteAlias do.
func checkAliasName(name string) error {
	var v validation
	v.length("aliasName", name, 1, 256, true)
	if name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/_-") != "" {
		v.add("aliasName", name, "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	}
	if err := v.err(); err != nil {
		return err
	}
	if !strings.HasPrefix(name, "alias/") || name == "alias/" {
		return errValidationMsg(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return kmsError("NotAuthorizedException", "The alias name %s begins with alias/aws/, which is reserved for AWS managed keys: they and their aliases are created and managed by AWS services, not by customers.", name)
	}
	return nil
}

// aliasAccess authorizes the alias side of an alias operation: IAM policies only, on the alias ARN.
func (s *Service) aliasAccess(ctx context.Context, c *actor.Caller, action, name string) (keyRef, error) {
	ref := keyRef{account: c.Account, region: callerRegion(c), alias: name}
	return ref, s.authorizeIAM(ctx, c, action, ref.arn(), policy.Context{})
}

// CreateAlias makes name point at a key of the caller's account. It needs permission on the alias (IAM) and
// on the key (key policy).
func (s *Service) CreateAlias(ctx context.Context, c *actor.Caller, name, targetKeyID string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	ref, err := s.aliasAccess(ctx, c, "kms:CreateAlias", name)
	if err != nil {
		return err
	}
	e, err := s.use(ctx, c, targetKeyID, false, &access{action: "kms:CreateAlias", sameAccountOnly: true})
	if err != nil {
		return err
	}
	if err := notPending(e); err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		if _, err := getAlias(tx, ref.storeKey()); err == nil {
			return kmsError("AlreadyExistsException", "An alias with the name %s already exists", ref.arn())
		} else if !errors.Is(err, errNoAlias) {
			return err
		}
		if err := addKeyAlias(tx, e.rec.storeKey(), name); err != nil {
			return err
		}
		return putAlias(tx, ref.storeKey(), &aliasRecord{Name: name, KeyID: e.rec.ID, Created: now, Updated: now})
	})
	if err != nil {
		return err
	}
	s.invalidate(e.rec.storeKey(), ref.storeKey())
	return nil
}

// UpdateAlias points an existing alias at another key. It needs permission on the alias, and on both keys.
func (s *Service) UpdateAlias(ctx context.Context, c *actor.Caller, name, targetKeyID string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	ref, err := s.aliasAccess(ctx, c, "kms:UpdateAlias", name)
	if err != nil {
		return err
	}
	oldID, err := s.aliasTarget(ctx, ref)
	if err != nil {
		return err
	}
	old, err := s.use(ctx, c, oldID, false, &access{action: "kms:UpdateAlias", sameAccountOnly: true})
	if err != nil {
		return err
	}
	e, err := s.use(ctx, c, targetKeyID, false, &access{action: "kms:UpdateAlias", sameAccountOnly: true})
	if err != nil {
		return err
	}
	if err := notPending(e); err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		a, err := getAlias(tx, ref.storeKey())
		if errors.Is(err, errNoAlias) {
			return errAliasNotFound(ref.arn())
		}
		if err != nil {
			return err
		}
		if err := removeKeyAlias(tx, old.rec.storeKey(), name); err != nil {
			return err
		}
		if err := addKeyAlias(tx, e.rec.storeKey(), name); err != nil {
			return err
		}
		a.KeyID, a.Updated = e.rec.ID, s.clock.Now().UTC()
		return putAlias(tx, ref.storeKey(), a)
	})
	if err != nil {
		return err
	}
	s.invalidate(old.rec.storeKey(), e.rec.storeKey(), ref.storeKey())
	return nil
}

// DeleteAlias deletes an alias. It needs permission on the alias and on its key, in any key state.
func (s *Service) DeleteAlias(ctx context.Context, c *actor.Caller, name string) error {
	if err := checkAliasName(name); err != nil {
		return err
	}
	ref, err := s.aliasAccess(ctx, c, "kms:DeleteAlias", name)
	if err != nil {
		return err
	}
	keyID, err := s.aliasTarget(ctx, ref)
	if err != nil {
		return err
	}
	e, err := s.use(ctx, c, keyID, false, &access{action: "kms:DeleteAlias", sameAccountOnly: true})
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		if err := tx.Delete(tableAliases, ref.storeKey()); errors.Is(err, meta.ErrNotFound) {
			return errAliasNotFound(ref.arn())
		} else if err != nil {
			return fmt.Errorf("delete alias %s: %w", name, err)
		}
		return removeKeyAlias(tx, e.rec.storeKey(), name)
	})
	if err != nil {
		return err
	}
	s.invalidate(e.rec.storeKey(), ref.storeKey())
	return nil
}

// ListAliases lists the aliases of the caller's account and region (with the predefined aliases of AWS managed
// keys not created yet, which have no target key), or of one of its keys.
func (s *Service) ListAliases(ctx context.Context, c *actor.Caller, keyID string, limit int, marker string) (*Page[*Alias], error) {
	limit, err := pageLimit(limit, 50)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeIAM(ctx, c, "kms:ListAliases", "*", policy.Context{}); err != nil {
		return nil, err
	}
	region := callerRegion(c)
	var only string
	if keyID != "" {
		ref, err := parseKeyID(c.Account, region, keyID, false)
		if err != nil {
			return nil, err
		}
		if _, err := s.resolve(ctx, ref); err != nil {
			return nil, err
		}
		only = ref.id
	}
	var out []*Alias
	have := map[string]bool{}
	err = s.store.View(ctx, func(tx meta.Tx) error {
		out = nil
		clear(have)
		var derr error
		err := tx.Scan(tableAliases, meta.Range{Prefix: c.Account + "/" + region + "/"}, func(k string, v []byte) bool {
			var a aliasRecord
			if derr = json.Unmarshal(v, &a); derr != nil {
				return false
			}
			have[a.Name] = true
			if only == "" || a.KeyID == only {
				out = append(out, &Alias{AliasName: a.Name, AliasARN: aliasARN(c.Account, region, a.Name), TargetKeyID: a.KeyID, Created: a.Created, Updated: a.Updated})
			}
			return true
		})
		return errors.Join(err, derr)
	})
	if err != nil {
		return nil, fmt.Errorf("list aliases: %w", err)
	}
	if only == "" {
		// Predefined aliases that no AWS managed key is associated with yet are listed without a target.
		out = append(out, predefinedAliases(c.Account, region, have)...)
		slices.SortFunc(out, func(a, b *Alias) int { return strings.Compare(a.AliasName, b.AliasName) })
	}
	return paginate(out, func(a *Alias) string { return a.AliasName }, limit, marker)
}

// addKeyAlias records on the key that an alias points at it.
func addKeyAlias(tx meta.Tx, keyStoreKey, name string) error {
	r, err := getKey(tx, keyStoreKey)
	if err != nil {
		return err
	}
	if len(r.Aliases) >= maxAliasesPerKey {
		return errLimit("Key %s already has %d aliases, the most a key may have.", r.arn(), maxAliasesPerKey)
	}
	r.Aliases = append(r.Aliases, name)
	slices.Sort(r.Aliases)
	return putKey(tx, r)
}

func removeKeyAlias(tx meta.Tx, keyStoreKey, name string) error {
	r, err := getKey(tx, keyStoreKey)
	if errors.Is(err, errNoKey) {
		return nil
	}
	if err != nil {
		return err
	}
	r.Aliases = slices.DeleteFunc(r.Aliases, func(a string) bool { return a == name })
	return putKey(tx, r)
}
