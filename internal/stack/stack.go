// Package stack builds seclake's services in process — IAM, the audit log, KMS, S3 (objstore) and CloudTrail
// (trail) — wired to each other as the server wires them, as components (internal/component) that declare
// what they need and their background jobs. The server (internal/app) adds its own components (bootstrap,
// scheduler, listener) around them; tests that need the real services start a Stack on their own stores.
package stack

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/blob"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/eve"
	"github.com/seclake/seclake/internal/eventbus"
	"github.com/seclake/seclake/internal/firewall"
	"github.com/seclake/seclake/internal/flowlog"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/ingest/location"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/lakeformation"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/netflow"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/queue"
	"github.com/seclake/seclake/internal/ram"
	"github.com/seclake/seclake/internal/s3notify"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/table"
	"github.com/seclake/seclake/internal/trail"
)

// Stores are what the services stand on.
type Stores struct {
	Meta  meta.Store
	Blobs blob.Store
	// Seal is the root key.
	Seal *seal.Key
}

// Config says how to build the stack.
type Config struct {
	// Stores are the stores the services use. When Open is set they are instead what Open returns.
	Stores
	// Open, when set, opens the stores when the stack's first component ("stores") starts, and Close (if
	// set) closes them when it stops. Without Open the stores belong to the caller.
	Open  func(ctx context.Context) (Stores, error)
	Close func() error

	// Clock defaults to the system clock; Rand to crypto/rand; Logger discards.
	Clock  clock.Clock
	Rand   io.Reader
	Logger *slog.Logger
	// Region is the home region, for callers that name none (default us-east-1).
	Region string
	// AuditMaxDelay is how long the audit log lets read-only requests' records gather (audit.Config.MaxDelay).
	AuditMaxDelay time.Duration
	// TrailInterval and TrailDigestInterval are how often trails deliver log and digest files (defaults:
	// trail's).
	TrailInterval, TrailDigestInterval time.Duration
	// FlowListen is the UDP address of the flow collector ("" for none); FlowPublishInterval how often flow
	// logs write files (default flowlog.DefaultPublishInterval).
	FlowListen          string
	FlowPublishInterval time.Duration
	// EVEListen and EVEFile are the Suricata EVE inputs of Network Firewall logs ("" for none);
	// FirewallPublishInterval how often they write files (default firewall.DefaultPublishInterval).
	EVEListen, EVEFile      string
	FirewallPublishInterval time.Duration

	// Ingest is the flush policy of ingestion (zero fields: ingest's defaults).
	Ingest ingest.FlushPolicy

	// QueryMemoryLimit is a query's default memory limit in bytes (0: query.DefaultMemoryLimit).
	QueryMemoryLimit int64

	// Metrics, when set, registers the services' Prometheus metrics.
	Metrics prometheus.Registerer

	// Edit, when set, changes a service's configuration just before the service is built (tests).
	Edit Edits

	// Target is what the node does (default all): components start their own background loops only on nodes
	// that run jobs.
	Target component.Target

	// Remotes are the other servers S3 replication writes to (nil for none).
	Remotes objstore.Remotes

	// IngestRemotes are the other S3 endpoints remote ingest locations read (nil for none); PollInterval is
	// how often a remote location is listed (0: location.DefaultPollInterval).
	IngestRemotes IngestRemotes
	PollInterval  time.Duration

	// LakeLimit is the per-account rate of Security Lake API calls (zero: lake.DefaultLimit).
	LakeLimit lake.Limit

	// EventsHTTP calls EventBridge's API destinations (the API layer's invoker; nil refuses them).
	EventsHTTP eventbus.Invoker

	// Athena is how Athena runs queries.
	Athena AthenaConfig
}

// Edits change services' configurations before they are built.
type Edits struct {
	IAM     func(*iam.Config)
	Audit   func(*audit.Config)
	KMS     func(*kms.Config)
	Objects func(*objstore.Config)
	Trail   func(*trail.Config)
	Queues  func(*queue.Config)
	Events  func(*eventbus.Config)
	Ingest  func(*ingest.Config)
	Athena  func(*athena.Config)
}

// Intervals of the stack's periodic jobs (trail delivery's is Config.TrailInterval).
const (
	// KMSInterval is how often KMS's scheduled rotations and deletions that have fallen due are done.
	KMSInterval = time.Minute
	// LifecycleInterval is how often S3 lifecycle rules run.
	LifecycleInterval = time.Hour
	// SweepInterval is how often the blobs of deleted objects and of abandoned uploads are swept.
	SweepInterval = time.Hour
	// JanitorInterval is how often long-expired temporary credentials are purged.
	JanitorInterval = time.Hour
	// ReplicationInterval is how often S3 replication looks at its queue.
	ReplicationInterval = time.Second
)

// Stack is the services, once their components have started. Its fields are nil until then.
type Stack struct {
	cfg Config
	reg *component.Registry // set by Start

	Stores
	IAM   *iam.Service
	Audit *audit.Log
	// Recorder puts every call on the audit log: the edge's, and those the services make of each other.
	Recorder *audit.Recorder
	KMS      *kms.Service
	Objects  *objstore.Service
	Trails   *trail.Service
	// Delivery is the log-delivery service; FlowLogs the flow logs, and Collector their NetFlow/IPFIX
	// collector (nil unless FlowListen is set).
	Delivery  *logdelivery.Service
	FlowLogs  *flowlog.Service
	Collector *netflow.Collector
	// Firewalls is Network Firewall; EVEListener and EVETail its inputs (nil unless configured).
	Firewalls   *firewall.Service
	EVEListener *eve.Listener
	EVETail     *eve.Tail
	// Queues is SQS.
	Queues *queue.Service
	// Notify delivers S3 event notifications.
	Notify *s3notify.Service
	// Events is EventBridge.
	Events *eventbus.Service
	// Lakes is the data lakes and their tables.
	Lakes *table.Lakes
	// SecurityLake is the Security Lake control plane.
	SecurityLake *lake.Service

	// wake wakes jobs when work for them is recorded (SetWake).
	wake waker
	// Ingest is the ingestion engine.
	Ingest *ingest.Service
	// Locations are the registered ingest locations.
	Locations *location.Service
	// Catalog is the Glue Data Catalog; LakeFormation governs it and RAM shares it across accounts.
	Catalog       *datacatalog.Service
	LakeFormation *lakeformation.Service
	RAM           *ram.Service
	// Query is the query engine (SQL over the lakes' tables).
	Query *query.Engine
	// Athena is Athena: work groups, named queries, query executions and the worker loop that runs them.
	Athena *athena.Service
}

// New returns a stack that builds its services when its components start: add Components to a
// component.Registry, or use Start.
func New(cfg Config) *Stack {
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return &Stack{cfg: cfg}
}

// Start builds and starts the stack on its own. Stop stops it.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	s := New(cfg)
	reg := &component.Registry{}
	if err := reg.Add(s.Components()...); err != nil {
		return nil, err
	}
	if err := reg.Start(ctx); err != nil {
		return nil, err
	}
	s.reg = reg
	return s, nil
}

// Stop stops a stack that Start started, in the reverse order of its start.
func (s *Stack) Stop(ctx context.Context) error {
	if s.reg == nil {
		return errors.New("stack: not started by Start")
	}
	return s.reg.Stop(ctx)
}

// Jobs returns the jobs of the stack's components by name, for tests that run one by hand.
func (s *Stack) Jobs() map[string]component.Job {
	out := map[string]component.Job{}
	for _, c := range s.Components() {
		for _, j := range c.Jobs {
			out[j.Name] = j
		}
	}
	return out
}
