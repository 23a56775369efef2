package envelope

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
)

// cache holds data keys for reuse, per principal: a principal reuses only the keys that KMS gave or
// decrypted for it.
type cache struct {
	mu  sync.Mutex
	max int
	m   map[string]entry
}

type entry struct {
	plain, wrapped []byte
	keyARN         string
	expires        time.Time
}

func newCache(max int) *cache { return &cache{max: max, m: make(map[string]entry)} }

func (k *cache) get(id string, now time.Time) (entry, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.m[id]
	if ok && !now.Before(e.expires) {
		delete(k.m, id)
		return entry{}, false
	}
	return e, ok
}

func (k *cache) put(id string, e entry) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.m) >= k.max {
		clear(k.m)
	}
	k.m[id] = e
}

// cacheID identifies a cached key by the principal, the resource it acts for, and the parts given.
func cacheID(c *actor.Caller, parts ...string) string {
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range append([]string{string(c.Type), c.ARN, c.Service, c.Source.ARN, c.Source.Account}, parts...) {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
	return string(h.Sum(nil))
}
