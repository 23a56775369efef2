// Package kms is seclake's key management service: customer-managed symmetric keys with AWS KMS's semantics —
// key states, key policies evaluated as KMS evaluates them, grants, aliases, tags, scheduled and on-demand
// rotation, scheduled deletion — and the envelope encryption other services build on.
//
// # AWS managed keys
//
// The AWS managed key of a service (alias/aws/s3; the table is in managed.go) is created in the caller's
// account and region the first time the service uses its alias for a caller (Caller.InvokedBy) or DescribeKey
// names the alias, in one transaction with its alias, so concurrent first uses on any number of nodes make one
// key. It has KeyManager AWS, AWS's key policy for it (use through the service by the account's principals,
// metadata reads by the account) and yearly rotation; since that policy allows nothing else, every change a
// customer attempts is denied by the key policy, as on AWS. ListAliases lists the predefined aliases of keys
// not created yet without a target key.
//
// # Keys and ciphertexts
//
// A key is a record in the table kms.keys holding its metadata, its key policy and every key material it ever
// had, each sealed with the root key (internal/seal) so no key material is stored in plaintext. A ciphertext
// blob (see blob.go) names the key (account, region, key ID) and the material version in a clear header; the
// body is AES-256-GCM under a key derived from that material and a per-blob random salt, with the header and
// the encryption context (sorted, length-prefixed) as associated data. Rotation adds a material and keeps the
// old ones, so everything encrypted before still decrypts.
//
// # Authorization
//
// Every key operation is authorized the way KMS does it: the key policy is evaluated together with the caller's
// IAM policies (through [actor.Authorizer], with RequireResourcePolicy, so IAM policies count only where the key
// policy delegates to the account); an explicit deny anywhere wins; otherwise a grant on the key whose grantee is
// the caller, whose operations include the action and whose constraints hold allows it. Decrypt takes the key
// from the ciphertext before it authorizes. The condition keys KMS defines are set for each request:
// kms:CallerAccount, kms:ViaService, kms:EncryptionContext:<key>, kms:EncryptionContextKeys, kms:GrantOperations,
// kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantConstraintType, kms:GrantIsForAWSResource,
// kms:RotationPeriodInDays, kms:ScheduleKeyDeletionPendingWindowInDays, kms:BypassPolicyLockoutSafetyCheck,
// kms:KeySpec, kms:KeyUsage, kms:KeyOrigin, kms:MultiRegion, kms:RequestAlias, kms:ResourceAliases,
// aws:ResourceTag/<key>, aws:RequestTag/<key>, aws:TagKeys, and aws:SourceArn/aws:SourceAccount when given.
//
// # Calls from other services
//
// The API layer (api/kms) calls the methods of [Service] for requests that arrive at the edge, which records
// them. Other services call KMS through the envelope client (internal/envelope), which records each call on
// the audit trail as KMS's own CloudTrail event, and calls the same methods:
//
//   - As the requester (S3 writing an object for a user): the requester's *actor.Caller with InvokedBy set to
//     the service ("s3.amazonaws.com", actor.Caller.Via). KMS then sets kms:ViaService to
//     "s3.<region>.amazonaws.com" (and IAM sets aws:CalledVia), and the encryption context the service adds is
//     evaluated like any other.
//   - As a service principal (CloudTrail or log delivery writing to a customer's bucket): a caller from
//     actor.ServicePrincipal, whose Source names the resource the work is done for (aws:SourceArn and
//     aws:SourceAccount). A service principal names keys by ARN, or by ID or alias in Source.Account.
//
// Every key a request resolves is added to the resources of the call in its context (actor.CallOf), so the
// record lists it whether or not the request succeeds; the recorder sends a copy of the record to the key
// owner's account when the caller belongs to another, so lookup-events by the key ARN in the owner's account
// answers who used the key.
//
// Errors are *awserr.Error with KMS's codes and messages (NotFoundException, DisabledException,
// KMSInvalidStateException, AccessDeniedException, …).
//
// # Caching
//
// Each key's record, parsed policy, unsealed materials and grants are cached in memory, so the data-key path
// makes no store round trip. A change made through this Service invalidates the entry at once; entries are
// also reloaded after Config.CacheTTL, which bounds how long a change made by another node sharing the store
// takes to be seen (AWS documents key policy and grant changes as eventually consistent in the same way).
package kms

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/background"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
)

// Tables owned by this package.
const (
	tableKeys     = "kms.keys"     // <account>/<region>/<key id> → keyRecord
	tableAliases  = "kms.aliases"  // <account>/<region>/<alias name> → aliasRecord
	tableGrants   = "kms.grants"   // <account>/<region>/<key id>/<grant id> → Grant
	tableRetiring = "kms.retiring" // <retiring principal>\x00<grant store key> → ""
	tableDue      = "kms.due"      // <unix seconds, 20 digits>/<kind>/<key store key> → ""
)

// EventSource is the audit trail's eventSource of KMS events.
const EventSource = "kms.amazonaws.com"

// PrincipalDirectory tells whether a principal a key policy or grant names exists, as KMS checks before it
// accepts a policy ("Policy contains a statement with one or more invalid principals."). The IAM service
// provides it (iam.Service.PrincipalExists). It is called for every principal a policy or grant names except
// "*".
type PrincipalDirectory interface {
	PrincipalExists(ctx context.Context, p policy.Principal) (bool, error)
}

// Config holds what the key service needs. Store, Seal, Identity, Clock and Rand are required.
type Config struct {
	Store meta.Store
	// Seal wraps key material at rest.
	Seal *seal.Key
	// Identity authorizes requests.
	Identity actor.Authorizer
	// Principals checks that principals named in key policies and grants exist. Nil checks their syntax only:
	// this is the seam the IAM service's PrincipalExists plugs into.
	Principals PrincipalDirectory
	// Recorder puts the service events of scheduled work (rotations, deletions) on the audit trail; nil
	// records nothing (tests).
	Recorder actor.Recorder
	Clock    clock.Clock
	// Rand supplies key material, data keys, nonces and IDs.
	Rand io.Reader
	// OnDemandRotationLimit is how many times RotateKeyOnDemand may rotate one key; default 25 (AWS's quota).
	OnDemandRotationLimit int
	// CacheTTL bounds how long a cached key is used before it is reloaded from the store; default 5s.
	CacheTTL time.Duration
	// Logger receives failures of background work; default slog.Default().
	Logger *slog.Logger
}

// Service is the key management service. It is safe for concurrent use.
type Service struct {
	cfg      Config
	store    meta.Store
	ids      actor.Authorizer
	clock    clock.Clock
	rand     io.Reader
	tokenKey []byte // authenticates grant tokens and list markers

	cache sync.Map          // store key → *entry
	epoch atomic.Uint64     // bumped by every invalidation; a load that saw another epoch is not cached
	alias sync.Map          // alias store key → *aliasEntry
	kick  chan struct{}     // wakes the scheduler
	run   background.Runner // the scheduler
}

// New returns the key service. Start runs its scheduler.
func New(cfg Config) (*Service, error) {
	switch {
	case cfg.Store == nil:
		return nil, errors.New("kms: no store")
	case cfg.Seal == nil:
		return nil, errors.New("kms: no root key")
	case cfg.Identity == nil:
		return nil, errors.New("kms: no authorizer")
	case cfg.Rand == nil:
		return nil, errors.New("kms: no randomness source")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.OnDemandRotationLimit <= 0 {
		cfg.OnDemandRotationLimit = 25
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{
		cfg:      cfg,
		store:    cfg.Store,
		ids:      cfg.Identity,
		clock:    cfg.Clock,
		rand:     cfg.Rand,
		tokenKey: cfg.Seal.Derive("kms grant tokens"),
		kick:     make(chan struct{}, 1),
	}, nil
}
