package query

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"sync"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/table"
)

// Catalog is what queries need of the Glue Data Catalog and the lakes' tables.
type Catalog interface {
	// Table returns table db.name of the catalog sc as c may see it (glue:GetTable): an Iceberg table of a lake,
	// or a table the catalog keeps (a resource link has a TargetTable in its Input).
	Table(ctx context.Context, c *actor.Caller, sc datacatalog.Scope, db, name string) (datacatalog.Table, error)
	// Plan returns the data files of the current snapshot of the Iceberg table db.name of the lake of sc that may
	// hold rows matching preds.
	Plan(ctx context.Context, sc datacatalog.Scope, db, name string, preds []table.Predicate) (*table.Plan, error)
}

// Objects reads the data files as a caller (s3:GetObject, and kms:Decrypt through S3 for SSE-KMS objects).
type Objects interface {
	GetObject(ctx context.Context, c *actor.Caller, in objstore.GetInput) (*objstore.GetOutput, error)
}

// DefaultMemoryLimit is a query's memory limit when neither the request nor the configuration sets one.
const DefaultMemoryLimit = 1 << 30

// Engine runs queries. It is safe for concurrent use: each query runs on a DuckDB database of its own.
type Engine struct {
	cfg    Config
	mu     sync.RWMutex // guards cfg.Governor
	parser *sql.DB
	spares *spares
	plans  plans
	// footers are the data files' footers read by earlier queries (see footer).
	footers *footers
}

// SetGovernor sets the Governor of the queries that start after it (nil: IAM only), for wiring that builds Lake
// Formation after the engine.
func (e *Engine) SetGovernor(g Governor) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cfg.Governor = g
}

func (e *Engine) governor() Governor {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.cfg.Governor
}

// New returns an engine over cfg's catalog and object store.
func New(cfg Config) (*Engine, error) {
	if cfg.Catalog == nil || cfg.Objects == nil {
		return nil, errors.New("query: Config needs Catalog and Objects")
	}
	if cfg.MemoryLimit <= 0 {
		cfg.MemoryLimit = DefaultMemoryLimit
	}
	if cfg.Threads <= 0 {
		cfg.Threads = runtime.NumCPU()
	}
	parser, err := openParser(context.Background(), cfg.Threads)
	if err != nil {
		return nil, err
	}
	if cfg.FooterCacheBytes == 0 {
		cfg.FooterCacheBytes = DefaultFooterCacheBytes
	}
	return &Engine{cfg: cfg, parser: parser, spares: newSpares(2), footers: newFooters(cfg.FooterCacheBytes)}, nil
}

// Close releases the engine. Queries still running keep their own databases until their Rows are closed.
func (e *Engine) Close() error {
	e.spares.Close()
	return e.parser.Close()
}
