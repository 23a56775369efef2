// Package iam holds seclake's identities — accounts and their organization, users, roles, access keys,
// temporary credentials and service principals — and authorizes requests with the AWS policy engine in
// iam/policy: identity policies (inline and managed), permissions boundaries, session policies, service
// control policies and the resource's own policy.
package iam

import (
	"io"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
)

// Tables owned by this package (others are declared next to the code that uses them).
const (
	tableAccounts   = "iam.accounts"
	tableAccessKeys = "iam.accesskeys"
)

// Config holds what the identity service needs.
type Config struct {
	Store meta.Store
	Seal  *seal.Key
	Clock clock.Clock
	Rand  io.Reader
	// GenerationPoll is how often a node re-reads the identity change counter from the store, and so how long
	// a change made through another node sharing the store may take to reach this one (default
	// DefaultGenerationPoll; changes made through this node apply at once).
	GenerationPoll time.Duration
}

// Service manages identities and authenticates access keys. It is safe for concurrent use.
type Service struct {
	store    meta.Store
	seal     *seal.Key
	clock    clock.Clock
	rand     io.Reader
	policies *policyCache
	gathered *gatherCache
	creds    *credCache
	gen      genWatch
	tokenKey []byte // keys the hashes of session tokens
}

// New returns the identity service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, seal: cfg.Seal, clock: cfg.Clock, rand: cfg.Rand, policies: newPolicyCache(4096), gathered: newGatherCache(8192), creds: newCredCache(8192)}
	s.gen.poll = cfg.GenerationPoll
	if s.gen.poll <= 0 {
		s.gen.poll = DefaultGenerationPoll
	}
	if cfg.Seal != nil {
		s.tokenKey = cfg.Seal.Derive("iam session token")
	}
	return s
}

var (
	_ actor.Authorizer   = (*Service)(nil)
	_ actor.RoleSessions = (*Service)(nil)
)
