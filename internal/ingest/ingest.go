package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/table"
)

// ObjectRef names one raw object to ingest.
type ObjectRef struct {
	// Bucket, Key, VersionID and ETag identify the object: (bucket, key, version ID, or else ETag). An object
	// enqueued again under the same identity is not ingested again.
	Bucket, Key, VersionID, ETag string
	// Size is the object's size in bytes, for status (0 when unknown).
	Size int64
	// Account and Region are the lake the rows go to (its account and region). When the key follows an AWS
	// delivery layout that names them (AWSLogs/<account>/…/<region>/…), the layout's are the events' own
	// account and region, and these name the lake only.
	Account string
	Region  string
	// Source is the source's name ("cloudtrail", "vpcflow", …, or Security Lake's "CLOUD_TRAIL_MGMT"); empty:
	// detected from the key's layout.
	Source string
	// Location is the ID of the registered location the object was found in, for status ("" otherwise).
	Location string
	// Remote names the remote S3 endpoint (config ingest.remotes) the bucket is on; "" for seclake's own S3.
	// It is part of the object's identity.
	Remote string `json:",omitempty"`
}

// FlushPolicy says when buffered events are committed to their table.
type FlushPolicy struct {
	// MaxBytes is the estimated size (bytes of raw input the buffered events were read from) at which a
	// table's buffer is committed (default DefaultFlushBytes).
	MaxBytes int64
	// MaxAge is how long the oldest event of a buffer waits at most (default DefaultFlushAge).
	MaxAge time.Duration
	// MaxBufferBytes bounds the estimated size of all buffers together: past it, every buffer is committed,
	// also while an object is being read, so memory stays bounded whatever the input (default
	// DefaultMaxBufferBytes).
	MaxBufferBytes int64
}

// Defaults of FlushPolicy.
const (
	DefaultFlushBytes     = 128 << 20
	DefaultFlushAge       = 50 * time.Second
	DefaultMaxBufferBytes = 4 << 20
)

// Lakes is what ingestion needs of the data lakes: whether an account has a lake in a region, and its tables.
type Lakes interface {
	Get(ctx context.Context, account, region string) (table.LakeInfo, bool, error)
	Open(ctx context.Context, account, region string) (*table.Lake, error)
}

// Objects is what ingestion needs of the object store: reading raw objects (as the Security Lake service
// principal, so bucket and key policies decide).
type Objects interface {
	GetObject(ctx context.Context, c *actor.Caller, in objstore.GetInput) (*objstore.GetOutput, error)
}

// RemoteObjects reads raw objects from the buckets of other S3 endpoints (*s3remote.Sources), with the
// remote's own credentials: the objects of remote locations.
type RemoteObjects interface {
	GetRaw(ctx context.Context, remote, bucket, key, etag string) (io.ReadCloser, time.Time, error)
}

// AuditLog is what the audit-trail feed needs of the audit log: its records after a sequence number.
type AuditLog interface {
	Read(ctx context.Context, after uint64, limit int) ([]audit.Stored, error)
}

// Config configures a Service.
type Config struct {
	// Meta holds the queue, the ledger, the write-ahead records of commits and the set-aside records (tables
	// ingest.*). Required.
	Meta meta.Store
	// Lakes are the data lakes the rows go to; Objects the object store the raw objects are read from.
	// Required.
	Lakes   Lakes
	Objects Objects
	// Remotes reads the objects whose ObjectRef names a Remote (nil: such objects fail).
	Remotes RemoteObjects
	// Audit is seclake's own audit log, fed to the CloudTrail tables by RunAudit (nil: no feed).
	Audit AuditLog
	// Seal seals set-aside records at rest. Required.
	Seal *seal.Key
	// Sources are the vendor formats (default: none; the stack passes catalog.Registry()).
	Sources *source.Registry
	// Clock defaults to the system clock; Logger discards; Metrics, when set, registers the metrics.
	Clock   clock.Clock
	Logger  *slog.Logger
	Metrics prometheus.Registerer
	// Flush is the flush policy (zero fields take the defaults).
	Flush FlushPolicy
	// Node names this node in leases and status (default: a random name).
	Node string
	// Lease is how long a claim on an object lasts without renewal (default DefaultLease); Margin is how
	// much of it must remain for a commit to start (default Lease/4).
	Lease, Margin time.Duration
	// MaxSetAside is how many set-aside records are kept per source (default DefaultMaxSetAside).
	MaxSetAside int
	// Claims is how many objects one Run claims at most (default DefaultClaims).
	Claims int
}

// DefaultClaims is how many objects one Run claims at most.
const DefaultClaims = 16

// DefaultLease is how long a worker owns the objects it claimed without renewing its claim.
const DefaultLease = 2 * time.Minute

// DefaultMaxSetAside is how many set-aside records are kept per source: the newest.
const DefaultMaxSetAside = 1000

// Service ingests raw objects into the lake's tables, exactly once.
type Service struct {
	cfg     Config
	owner   string // this instance's name in leases: the node and a random part
	metrics *metrics
	mu      sync.Mutex // one Run or Flush at a time
	auditMu sync.Mutex // one RunAudit at a time
	state   *runState
	lagAt   time.Time // when the lag gauge was last updated
	hooks   hooks
}

// New returns a service for cfg.
func New(cfg Config) (*Service, error) {
	if cfg.Meta == nil || cfg.Lakes == nil || cfg.Objects == nil || cfg.Seal == nil {
		return nil, errors.New("ingest: Config needs Meta, Lakes, Objects and Seal")
	}
	if cfg.Sources == nil {
		r, err := source.NewRegistry()
		if err != nil {
			return nil, err
		}
		cfg.Sources = r
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Flush = cfg.Flush.withDefaults()
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Margin <= 0 || cfg.Margin >= cfg.Lease {
		cfg.Margin = cfg.Lease / 4
	}
	if cfg.Claims <= 0 {
		cfg.Claims = DefaultClaims
	}
	if cfg.MaxSetAside <= 0 {
		cfg.MaxSetAside = DefaultMaxSetAside
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	if cfg.Node == "" {
		cfg.Node = "node-" + hex.EncodeToString(b[:3])
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, owner: cfg.Node + "/" + hex.EncodeToString(b), metrics: m}
	s.state = newRunState()
	return s, nil
}

// withDefaults fills the zero fields of p with the defaults.
func (p FlushPolicy) withDefaults() FlushPolicy {
	if p.MaxBytes <= 0 {
		p.MaxBytes = DefaultFlushBytes
	}
	if p.MaxAge <= 0 {
		p.MaxAge = DefaultFlushAge
	}
	if p.MaxBufferBytes <= 0 {
		p.MaxBufferBytes = DefaultMaxBufferBytes
	}
	return p
}

// Policy returns the flush policy in force (defaults filled in).
func (s *Service) Policy() FlushPolicy { return s.cfg.Flush }

// Node returns the name of this node.
func (s *Service) Node() string { return s.cfg.Node }
