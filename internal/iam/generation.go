package iam

import (
	"context"
	"encoding/binary"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// tableGeneration holds one counter, "gen", that every change to users, roles, policies, boundaries, tags or
// the organization increments. Gathered policies are cached per principal and reused while the counter is
// unchanged, so an authorization reads one key instead of the principal's whole policy set, and a change made
// by any node (they share the store) is seen by the next decision on every node.
const tableGeneration = "iam.generation"

// change runs fn in a read-write transaction and marks the identity data changed. This node sees the change
// at once; other nodes sharing the store see it within their poll interval (Config.GenerationPoll).
func (s *Service) change(ctx context.Context, fn func(tx meta.Tx) error) error {
	var next uint64
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		gen, err := generation(tx)
		if err != nil {
			return err
		}
		next = gen + 1
		return tx.Put(tableGeneration, "gen", binary.BigEndian.AppendUint64(nil, next))
	})
	if err == nil {
		s.gen.saw(next)
	}
	return err
}

// DefaultGenerationPoll bounds how stale a node's idea of the change counter may be: changes made through
// other nodes sharing the store reach this node's caches within it.
const DefaultGenerationPoll = 200 * time.Millisecond

// genWatch is the node's view of the change counter. Reading the counter from the store on every request
// would cost a transaction per request; instead the node bumps its view when it changes identities itself,
// and re-reads the store at most once per poll interval (one reader at a time; the others use the last value).
type genWatch struct {
	poll    time.Duration
	known   atomic.Uint64
	checked atomic.Int64 // wall-clock UnixNano of the last read from the store
	reading sync.Mutex
}

// saw records that the counter has reached gen.
func (w *genWatch) saw(gen uint64) {
	for {
		cur := w.known.Load()
		if gen <= cur || w.known.CompareAndSwap(cur, gen) {
			return
		}
	}
}

// current returns the change counter, reading it from the store when the node's view is older than genPoll.
func (s *Service) current(ctx context.Context) (uint64, error) {
	w := &s.gen
	now := time.Now().UnixNano() // wall clock: this bounds real staleness, whatever the domain clock says
	if now-w.checked.Load() < int64(w.poll) || !w.reading.TryLock() {
		return w.known.Load(), nil
	}
	defer w.reading.Unlock()
	var gen uint64
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		gen, err = generation(tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	w.saw(gen)
	w.checked.Store(now)
	return w.known.Load(), nil
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
	typ           actor.Type
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

func keyOf(p *actor.Identity) principalKey {
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
