package iam

import (
	"sync"

	"github.com/seclake/seclake/internal/iam/policy"
)

// policyCache keeps compiled policies by kind and document text. A compiled policy is immutable, so a cached
// one is always right for its text; stored documents are parsed once per process instead of once per
// request. When the cache is full it starts over.
type policyCache struct {
	mu  sync.Mutex
	max int
	m   map[cacheKey]*policy.Policy
}

type cacheKey struct {
	kind policy.Kind
	doc  string
}

func newPolicyCache(max int) *policyCache {
	return &policyCache{max: max, m: make(map[cacheKey]*policy.Policy)}
}

// parse returns the compiled policy for doc, parsing it on first use. The result is shared: callers that
// name it take a copy (see named).
func (c *policyCache) parse(doc string, k policy.Kind) (*policy.Policy, error) {
	key := cacheKey{k, doc}
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse([]byte(doc), k)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

// named returns a copy of p labelled for decision reasons. The copy shares p's compiled statements, which
// are read-only.
func named(p *policy.Policy, name string) *policy.Policy {
	cp := *p
	cp.Name = name
	return &cp
}
