// Package iam holds seclake's identities — accounts, users, roles, access keys and service principals — and
// authorizes requests with the AWS policy engine in iam/policy.
package iam

import (
	"io"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
)

// Tables owned by this package.
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
}

// Service manages identities and authenticates access keys. It is safe for concurrent use.
type Service struct {
	store meta.Store
	seal  *seal.Key
	clock clock.Clock
	rand  io.Reader
}

// New returns the identity service.
func New(cfg Config) *Service {
	return &Service{store: cfg.Store, seal: cfg.Seal, clock: cfg.Clock, rand: cfg.Rand}
}
