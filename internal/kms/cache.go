package kms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// entry is a key as the service uses it: the record, its ARN, parsed policy, unsealed materials and grants.
// An entry is never changed once cached; a change replaces it.
type entry struct {
	rec       *keyRecord
	arn       string
	policy    *policy.Policy
	materials []*materialKey // by version-1
	grants    []*Grant
	loaded    time.Time
}

// aliasEntry is a cached alias lookup.
type aliasEntry struct {
	keyID  string
	loaded time.Time
}

// entry returns the key stored under storeKey, from the cache when fresh. It returns errNoKey when there is no
// such key.
func (s *Service) entry(ctx context.Context, storeKey string) (*entry, error) {
	now := s.clock.Now()
	if v, ok := s.cache.Load(storeKey); ok {
		e := v.(*entry)
		if now.Sub(e.loaded) < s.cfg.CacheTTL && !now.Before(e.loaded) {
			return e, nil
		}
	}
	epoch := s.epoch.Load()
	var e *entry
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		e, err = s.loadEntry(tx, storeKey)
		return err
	})
	if err != nil {
		return nil, err
	}
	e.loaded = now
	if s.epoch.Load() == epoch {
		s.cache.Store(storeKey, e)
	}
	return e, nil
}

// loadEntry reads a key and its grants and prepares them for use.
func (s *Service) loadEntry(tx meta.Tx, storeKey string) (*entry, error) {
	rec, err := getKey(tx, storeKey)
	if err != nil {
		return nil, err
	}
	pol, err := policy.Parse([]byte(rec.Policy), policy.KeyPolicy)
	if err != nil {
		return nil, fmt.Errorf("parse stored key policy of %s: %w", rec.arn(), err)
	}
	mats, err := s.openMaterials(rec)
	if err != nil {
		return nil, err
	}
	grants, err := scanGrants(tx, storeKey)
	if err != nil {
		return nil, err
	}
	keys := make([]*materialKey, len(mats))
	for i, m := range mats {
		keys[i] = newMaterialKey(m)
	}
	return &entry{rec: rec, arn: rec.arn(), policy: pol, materials: keys, grants: grants}, nil
}

// invalidate drops a key (or alias) from the cache after a change.
func (s *Service) invalidate(storeKeys ...string) {
	s.epoch.Add(1)
	for _, k := range storeKeys {
		s.cache.Delete(k)
		s.alias.Delete(k)
	}
}

// resolve returns the key a reference names, following an alias. It returns KMS's NotFoundException when the
// key or alias does not exist.
func (s *Service) resolve(ctx context.Context, ref keyRef) (*entry, error) {
	if ref.alias != "" {
		id, err := s.aliasTarget(ctx, ref)
		if err != nil {
			return nil, err
		}
		ref = keyRef{account: ref.account, region: ref.region, id: id}
	}
	e, err := s.entry(ctx, ref.storeKey())
	if errors.Is(err, errNoKey) {
		return nil, errKeyNotFound(ref.arn())
	}
	return e, err
}

// aliasTarget returns the key ID an alias points at, or KMS's NotFoundException.
func (s *Service) aliasTarget(ctx context.Context, ref keyRef) (string, error) {
	id, err := s.aliasKeyID(ctx, ref)
	if errors.Is(err, errNoAlias) {
		return "", errAliasNotFound(ref.arn())
	}
	return id, err
}

// aliasKeyID returns the key ID an alias points at, or errNoAlias.
func (s *Service) aliasKeyID(ctx context.Context, ref keyRef) (string, error) {
	sk := ref.storeKey()
	now := s.clock.Now()
	if v, ok := s.alias.Load(sk); ok {
		a := v.(*aliasEntry)
		if now.Sub(a.loaded) < s.cfg.CacheTTL && !now.Before(a.loaded) {
			return a.keyID, nil
		}
	}
	epoch := s.epoch.Load()
	var rec *aliasRecord
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		rec, err = getAlias(tx, sk)
		return err
	})
	if err != nil && !errors.Is(err, errNoAlias) {
		return "", err
	}
	if rec == nil {
		// Misses are not cached: a caller could otherwise fill the cache with names that do not exist.
		return "", errNoAlias
	}
	if s.epoch.Load() == epoch {
		s.alias.Store(sk, &aliasEntry{keyID: rec.KeyID, loaded: now})
	}
	return rec.KeyID, nil
}
