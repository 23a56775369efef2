// Package athena is Amazon Athena over seclake's query engine: work groups (primary exists in every account and
// region), named queries, and query executions — durable records in the metadata store, queued and run by the
// nodes that run jobs (claimed with a lease, so two workers never run one query; a query whose worker dies is
// retried once, then FAILED), several at once with a per-work-group concurrency limit. Results are written as
// Athena writes them, <OutputLocation><QueryExecutionId>.csv and a .csv.metadata beside it, through S3 as the
// caller (through athena.amazonaws.com: the caller's s3:PutObject and the key policy decide), encrypted as the
// work group or the request says; GetQueryResults reads the CSV back through S3 as its caller.
//
// Every operation authorizes its athena:* action on the work group's ARN first, then checks its input as the
// model does. The SQL text of executions and named queries is sealed at rest with the root key.
package athena

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
)

// EventSource is Athena's name on the audit trail, and the service that writes results for callers (their
// aws:CalledVia).
const EventSource = "athena.amazonaws.com"

// PrimaryWorkGroup is the work group every account has in every region.
const PrimaryWorkGroup = "primary"

// Tables owned by this package.
const (
	tableWorkGroups = "athena.workgroups" // <account>\x00<region>\x00<name> → WorkGroup
	tableExecs      = "athena.executions" // <id> → execution
	tableExecList   = "athena.execlist"   // <account>\x00<region>\x00<wg>\x00<inverted submit ns>\x00<id> → ""
	tableQueue      = "athena.queue"      // <submit ns>\x00<id> → "" (the QUEUED executions, oldest first)
	tableRunning    = "athena.running"    // <account>\x00<region>\x00<wg>\x00<id> → claim
	tableTokens     = "athena.tokens"     // <account>\x00<region>\x00<kind>\x00<client request token> → id
	tableNamed      = "athena.named"      // <id> → namedQuery
	tableNamedList  = "athena.namedlist"  // <account>\x00<region>\x00<wg>\x00<id> → ""
)

// Defaults of Config.
const (
	// DefaultConcurrency is how many queries of one work group run at once; the others wait QUEUED.
	DefaultConcurrency = 4
	// DefaultWorkers is how many queries one node runs at once.
	DefaultWorkers = 8
	// DefaultLease is how long a worker owns a query it claimed without renewing the claim.
	DefaultLease = 30 * time.Second
	// DefaultQueryTimeout is how long a query may run: Athena's default DML query timeout.
	DefaultQueryTimeout = 30 * time.Minute
)

// Column is a result column: its name and its type as Athena names it (varchar, bigint, timestamp, …).
type Column struct{ Name, Type string }

// Stats are what the engine measured of a query.
type Stats struct {
	DataScannedBytes       int64
	FilesRead, FilesPruned int
	EngineTime             time.Duration
}

// Rows are a query's results, one row at a time; values are printed as Athena prints them, nil for NULL.
type Rows interface {
	Columns() []Column
	Next() bool
	Row() []*string
	Err() error
	Stats() Stats
	Close() error
}

// QueryRequest is one query for the engine, run with the caller's permissions.
type QueryRequest struct {
	SQL                       string
	Caller                    *actor.Caller
	Catalog, Database, Region string
}

// Engine runs SQL over the lake (the query package's engine, adapted by stack). Errors the user can act on are
// *awserr.Error.
type Engine interface {
	Query(ctx context.Context, req QueryRequest) (Rows, error)
}

// Objects is what Athena needs of S3: writing result files as the caller (Deliver records the write on the
// audit trail and explains a refusal) and reading them back.
type Objects interface {
	Deliver(ctx context.Context, in objstore.DeliveryInput) (*objstore.Object, error)
	GetObject(ctx context.Context, c *actor.Caller, in objstore.GetInput) (*objstore.GetOutput, error)
}

// Config holds what the service needs. Store, Seal, Authz and Objects are required; Engine nil fails every
// query with a message that says so.
type Config struct {
	Store   meta.Store
	Seal    *seal.Key
	Authz   actor.Authorizer
	Objects Objects
	Engine  Engine
	// Catalog is the Glue Data Catalog of the catalog operations (nil: they say there is none).
	Catalog Catalog
	Clock   clock.Clock
	Rand    io.Reader
	Logger  *slog.Logger
	// Region is the home region, for callers that name none.
	Region string
	// Concurrency is how many queries of one work group run at once (DefaultConcurrency).
	Concurrency int
	// Workers is how many queries this node runs at once (DefaultWorkers).
	Workers int
	// Lease is how long a claim lasts unrenewed (DefaultLease); workers renew at a third of it.
	Lease time.Duration
	// Node names this node in claims (random when empty).
	Node string
	// QueryTimeout is how long a query may run before it is interrupted and fails (DefaultQueryTimeout).
	QueryTimeout time.Duration
}

// Service is Athena. It is safe for concurrent use.
type Service struct {
	cfg      Config
	tokenKey []byte

	mu      sync.Mutex
	running map[string]context.CancelFunc // the queries this node runs, by ID
	expired time.Time                     // when this node last dropped expired executions
	wg      sync.WaitGroup                // the queries this node runs
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// New returns the service; Start runs its worker loop.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Seal == nil || cfg.Authz == nil || cfg.Objects == nil {
		return nil, errors.New("athena: store, seal, authorizer and objects are required")
	}
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
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if cfg.Node == "" {
		b := make([]byte, 8)
		if _, err := io.ReadFull(cfg.Rand, b); err != nil {
			return nil, fmt.Errorf("athena: node name: %w", err)
		}
		cfg.Node = hex.EncodeToString(b)
	}
	return &Service{cfg: cfg, tokenKey: cfg.Seal.Derive("athena result tokens"), running: map[string]context.CancelFunc{},
		kick: make(chan struct{}, 1)}, nil
}

// refusal is Athena's access denial.
var refusal = actor.AccessDeniedException

// invalid is Athena's InvalidRequestException with its AthenaErrorCode.
func invalid(code, format string, args ...any) error {
	return awserr.New("InvalidRequestException", awserr.StatusBadRequest, format, args...).With("AthenaErrorCode", code)
}

// Athena's error codes of InvalidRequestException.
const (
	codeInvalidInput = "INVALID_INPUT"
	codeNotFound     = "RESOURCE_NOT_FOUND"
	codeExists       = "RESOURCE_ALREADY_EXISTS"
)

func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

// WorkGroupARN is a work group's ARN.
func WorkGroupARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:athena:%s:%s:workgroup/%s", region, account, name)
}

// authorize checks c for action on the work group name of c's account.
func (s *Service) authorize(ctx context.Context, c *actor.Caller, action, wg string) error {
	res := WorkGroupARN(s.region(c), c.Account, wg)
	if wg == "" {
		res = "*"
	}
	return actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: res}, refusal)
}

func key(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return string(b)
}

func getJSON(tx meta.Tx, table, k string, v any) (bool, error) {
	b, err := tx.Get(table, k)
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal(b, v)
}

func putJSON(tx meta.Tx, table, k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, k, b)
}

func deleteIfThere(tx meta.Tx, table, k string) error {
	if err := tx.Delete(table, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
		return err
	}
	return nil
}

// newID returns a random (version 4) UUID, the form of query execution and named query IDs.
func (s *Service) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return "", fmt.Errorf("athena: generate ID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// sealSQL seals a query's text with the root key, bound to the record it belongs to.
func (s *Service) sealSQL(kind, id, sql string) ([]byte, error) {
	return s.cfg.Seal.Seal([]byte(sql), []byte("seclake athena "+kind+"\x00"+id))
}

func (s *Service) openSQL(kind, id string, sealed []byte) (string, error) {
	b, err := s.cfg.Seal.Open(sealed, []byte("seclake athena "+kind+"\x00"+id))
	if err != nil {
		return "", fmt.Errorf("athena: unseal %s %s: %w", kind, id, err)
	}
	return string(b), nil
}

// tokenID looks up the record a client request token made, within tx.
func tokenID(tx meta.Tx, account, region, kind, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := tx.Get(tableTokens, key(account, region, kind, token))
	if errors.Is(err, meta.ErrNotFound) {
		return "", nil
	}
	return string(b), err
}

// checkToken validates a ClientRequestToken as the model does (32 to 128 characters).
func checkToken(token string) error {
	if token != "" && (len(token) < 32 || len(token) > 128) {
		return invalid(codeInvalidInput, "ClientRequestToken must be 32 to 128 characters long.")
	}
	return nil
}
