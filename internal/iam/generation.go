package iam

import (
	"context"
	"encoding/binary"
	"strings"
	"sync"

	"github.com/seclake/seclake/internal/meta"
)

// tableGeneration holds one counter, "gen", that every change to users, roles, policies, boundaries, tags or
// the organization increments. Gathered policies are cached per principal and reused while the counter is
// unchanged, so an authorization reads one key instead of the principal's whole policy set, and a change made
// by any node (they share the store) is seen by the next decision on every node.
const tableGeneration = "iam.generation"

// change runs fn in a read-write transaction and marks the identity data changed.
func (s *Service) change(ctx context.Context, fn func(tx meta.Tx) error) error {
	return s.store.Update(ctx, func(tx meta.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		gen, err := generation(tx)
		if err != nil {
			return err
		}
		return tx.Put(tableGeneration, "gen", binary.BigEndian.AppendUint64(nil, gen+1))
	})
}

// generation reads the change counter.
func generation(tx meta.Tx) (uint64, error) {
	b, err := tx.Get(tableGeneration, "gen")
	if isNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, nil
	}
	return binary.BigEndian.Uint64(b), nil
}

// principalKey names a principal whose policies are cached: its type, account and user or role name.
type principalKey struct {
	typ           PrincipalType
	account, name string
}

// gatherCache keeps the policies gathered for principals, each with the generation it was gathered at.
type gatherCache struct {
	mu  sync.Mutex
	max int
	m   map[principalKey]gathered
}

type gathered struct {
	gen uint64
	pp  *principalPolicies
}

func newGatherCache(max int) *gatherCache {
	return &gatherCache{max: max, m: make(map[principalKey]gathered)}
}

func keyOf(p *Principal) principalKey {
	return principalKey{typ: p.Type, account: p.Account, name: strings.ToLower(p.Name)}
}

// get returns the cached policies of a principal if they are of generation gen.
func (c *gatherCache) get(k principalKey, gen uint64) *principalPolicies {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g, ok := c.m[k]; ok && g.gen == gen {
		return g.pp
	}
	return nil
}

func (c *gatherCache) put(k principalKey, gen uint64, pp *principalPolicies) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = gathered{gen: gen, pp: pp}
}
