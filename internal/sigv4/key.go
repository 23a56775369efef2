package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"sync"
)

// maxCachedKeys bounds the signing-key cache. Keys change daily, so a full cache mostly holds stale days.
const maxCachedKeys = 4096

// keyID names a signing key by everything it is derived from, the secret included, so that one secret's
// key can never answer for another's.
type keyID struct {
	secret, date, region, service string
}

// keyCache remembers derived signing keys so repeated requests skip the four-HMAC chain.
// It is safe for concurrent use.
type keyCache struct {
	mu   sync.RWMutex
	keys map[keyID][sha256.Size]byte
}

// get returns the signing key for the secret and scope, deriving and caching it if needed.
func (c *keyCache) get(secret, date, region, service string) [sha256.Size]byte {
	id := keyID{secret: secret, date: date, region: region, service: service}
	c.mu.RLock()
	k, ok := c.keys[id]
	c.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveKey(secret, date, region, service)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = make(map[keyID][sha256.Size]byte)
	}
	if len(c.keys) >= maxCachedKeys {
		for old := range c.keys { // evict an arbitrary entry
			delete(c.keys, old)
			break
		}
	}
	c.keys[id] = k
	return k
}

// deriveKey computes HMAC("AWS4"+secret, date) → region → service → "aws4_request".
func deriveKey(secret, date, region, service string) [sha256.Size]byte {
	var k [sha256.Size]byte
	h := hmac.New(sha256.New, []byte("AWS4"+secret))
	h.Write([]byte(date))
	sum := h.Sum(k[:0])
	for _, part := range []string{region, service, terminator} {
		h = hmac.New(sha256.New, sum)
		h.Write([]byte(part))
		sum = h.Sum(k[:0])
	}
	return k
}
