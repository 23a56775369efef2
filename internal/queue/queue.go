// Package queue is seclake's SQS: standard and FIFO queues, messages with visibility timeouts, delays,
// retention, long polling, dead-letter queues, queue policies and encryption at rest (SSE-SQS, or SSE-KMS
// through the caller's own KMS permissions).
//
// Queues and messages live in the metadata store, so several nodes over one PostgreSQL share them: each state
// change is one serializable transaction, so a message is received by one consumer at a time across nodes. A
// long poll wakes at once when a send on the same node commits, and polls the store at PollInterval for sends
// made on other nodes. Message bodies and attributes are sealed before they are stored.
package queue

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
)

// EventSource is SQS's eventSource on the audit trail, and the service principal of its KMS calls.
const EventSource = "sqs.amazonaws.com"

// The metadata tables the package owns.
const (
	tableQueues = "queue.queues" // <account>\x00<name> → queueRecord
	tableMsgs   = "queue.msgs"   // <queue id>\x00… → message (see keys.go)
	tableDedup  = "queue.dedup"  // <queue id>\x00<deduplication id> → dedupRecord
	tableSeq    = "queue.seq"    // <queue id> → the FIFO queue's last sequence number
	tableTasks  = "queue.tasks"  // <source arn>\x00<task handle> → moveTask
)

// DefaultPollInterval is how often a long poll looks at the store for messages sent on other nodes.
const DefaultPollInterval = 100 * time.Millisecond

// DataKeys is the KMS client of SSE-KMS queues; *envelope.Client satisfies it.
type DataKeys interface {
	NewKey(ctx context.Context, c *actor.Caller, req envelope.KeyRequest) (*envelope.DataKey, error)
	OpenKey(ctx context.Context, c *actor.Caller, req envelope.OpenRequest) ([]byte, error)
}

// Config holds what the service needs. Store, Authz and Seal are required.
type Config struct {
	Store meta.Store
	Authz actor.Authorizer
	// Keys is the KMS client of SSE-KMS queues; without it, SSE-KMS queues cannot be used.
	Keys DataKeys
	// Seal is the root key; SSE-SQS's key (and the key of queues without SSE) is derived from it.
	Seal   *seal.Key
	Clock  clock.Clock
	Rand   io.Reader
	Region string
	Logger *slog.Logger
	// PollInterval is how often a long poll checks the store (default DefaultPollInterval).
	PollInterval time.Duration
}

// Service is the queue service. It is safe for concurrent use.
type Service struct {
	cfg      Config
	store    meta.Store
	authz    actor.Authorizer
	clock    clock.Clock
	sseKey   []byte
	notify   notifier
	combine  combiner
	policies sync.Map // policy text → *policy.Policy
}

// New returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Authz == nil || cfg.Seal == nil {
		return nil, errors.New("queue: store, authorizer and root key are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	return &Service{cfg: cfg, store: cfg.Store, authz: cfg.Authz, clock: cfg.Clock, sseKey: cfg.Seal.Derive("sqs sse-sqs key")}, nil
}

// ARN returns the ARN of queue name of account in region.
func ARN(region, account, name string) string {
	return "arn:aws:sqs:" + region + ":" + account + ":" + name
}
