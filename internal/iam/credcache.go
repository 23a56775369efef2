package iam

import (
	"context"
	"sync"
)

// credCache keeps recently authenticated access keys, each with the change counter it was loaded at, so a
// request does not read the store to find its key. Deactivating or deleting a key bumps the counter, so the
// cached entry is dropped from the next request on (on other nodes within Config.GenerationPoll). Temporary credentials'
// expiry is checked on every use, cached or not.
type credCache struct {
	mu  sync.Mutex
	max int
	m   map[string]credEntry
}

type credEntry struct {
	gen    uint64
	key    *accessKey
	user   *User
	secret string
}

func newCredCache(max int) *credCache { return &credCache{max: max, m: make(map[string]credEntry)} }

func (c *credCache) get(id string, gen uint64) (credEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	return e, ok && e.gen == gen
}

func (c *credCache) put(id string, e credEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[id] = e
}

func (c *credCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// cachedCredential returns the credential of keyID from the cache when it is current.
func (s *Service) cachedCredential(ctx context.Context, keyID, sessionToken string) (*Credential, uint64, bool, error) {
	gen, err := s.current(ctx)
	if err != nil {
		return nil, 0, false, err
	}
	e, ok := s.creds.get(keyID, gen)
	if !ok {
		return nil, gen, false, nil
	}
	if err := s.checkKey(e.key, sessionToken); err != nil {
		return nil, gen, true, err
	}
	return &Credential{Secret: e.secret, Identity: keyPrincipal(e.key, e.user), SessionToken: sessionToken}, gen, true, nil
}
