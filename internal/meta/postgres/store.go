// Package postgres is the meta.Store for distributed mode: many stateless seclake nodes share one
// PostgreSQL database, in one table (seclake_kv) of a configurable schema.
//
// Update runs SERIALIZABLE and runs fn again when PostgreSQL reports a serialization failure or a deadlock,
// with jittered exponential backoff, up to Options.MaxAttempts times before it returns meta.ErrConflict.
// View runs REPEATABLE READ READ ONLY. Table names must be valid UTF-8 without NUL bytes (they are text).
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

// Options configures a Store.
type Options struct {
	// Schema holds seclake's tables; it is created if missing. Default "public".
	Schema string
	// MaxConns bounds the connection pool; default pgxpool's (the larger of 4 and the number of CPUs).
	MaxConns int32
	// MaxAttempts is how many times Update runs fn before it gives up with meta.ErrConflict; default 30,
	// enough for a dozen transactions that all write one hot key at once.
	MaxAttempts int
	// Clock times the backoff between attempts; default clock.System. The backoff spaces out real
	// transactions, so give it a fake clock only in tests that advance it: a retry waits until they do.
	Clock clock.Clock
	// Rand draws the backoff jitter; default a generator seeded from the runtime.
	Rand *rand.Rand
}

// Backoff between attempts: the n-th retry waits a random duration below min(backoffBase*2^n, backoffMax).
const (
	backoffBase = 2 * time.Millisecond
	backoffMax  = 250 * time.Millisecond
)

// Store is a meta.Store on PostgreSQL.
type Store struct {
	pool        *pgxpool.Pool
	connConfig  *pgx.ConnConfig // for SQLDB: the DSN's settings with search_path set to the schema
	table       string          // the quoted, schema-qualified kv table
	maxAttempts int
	clock       clock.Clock

	randMu sync.Mutex
	rand   *rand.Rand

	mu     sync.RWMutex // guards closed
	closed bool
	active sync.WaitGroup
}

var _ meta.Store = (*Store)(nil)

// Open connects to the database at dsn (a postgres:// URL or key=value string) and brings seclake's schema
// up to date. It returns an error wrapping meta.ErrIncompatible if the schema was written by a newer seclake.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if opts.Schema == "" {
		opts.Schema = "public"
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included.
		return nil, errors.New("open postgres meta store: cannot parse the DSN")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	s := &Store{
		table:       pgx.Identifier{opts.Schema, "seclake_kv"}.Sanitize(),
		maxAttempts: opts.MaxAttempts,
		clock:       opts.Clock,
		rand:        opts.Rand,
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 30
	}
	if s.clock == nil {
		s.clock = clock.System
	}
	if s.rand == nil {
		s.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	s.connConfig = cfg.ConnConfig.Copy()
	s.connConfig.RuntimeParams["search_path"] = opts.Schema
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres meta store %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := migrate(ctx, s.pool, opts.Schema); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("open postgres meta store %s/%s schema %q: %w",
			cfg.ConnConfig.Host, cfg.ConnConfig.Database, opts.Schema, err)
	}
	return s, nil
}

// enter registers a transaction, or returns meta.ErrClosed once Close has begun.
func (s *Store) enter() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return meta.ErrClosed
	}
	s.active.Add(1)
	return nil
}

// Close waits for running transactions to finish and closes the connection pool. Later calls return nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.active.Wait()
	s.pool.Close()
	return nil
}

// View implements meta.Store.
func (s *Store) View(ctx context.Context, fn func(meta.Tx) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.active.Done()
	if err := ctx.Err(); err != nil {
		return err
	}
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin view: %w", err)
	}
	defer func() { _ = ptx.Rollback(context.WithoutCancel(ctx)) }()
	if err := fn(&tx{ctx: ctx, ptx: ptx, table: s.table, readOnly: true}); err != nil {
		return err
	}
	return ctx.Err()
}

// Update implements meta.Store.
func (s *Store) Update(ctx context.Context, fn func(meta.Tx) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.active.Done()
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err, retry := s.attempt(ctx, fn)
		if !retry {
			return err
		}
		if attempt >= s.maxAttempts {
			return fmt.Errorf("update: %w: gave up after %d attempts: %v", meta.ErrConflict, attempt, err)
		}
		if err := s.backoff(ctx, attempt); err != nil {
			return err
		}
	}
}

// attempt runs fn once in a serializable transaction. It reports whether the failure is worth a retry.
func (s *Store) attempt(ctx context.Context, fn func(meta.Tx) error) (err error, retry bool) {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return fmt.Errorf("begin update: %w", err), pgconn.SafeToRetry(err)
	}
	// Rollback after Commit does nothing; after a panic in fn it ends the transaction.
	defer func() { _ = ptx.Rollback(context.WithoutCancel(ctx)) }()
	t := &tx{ctx: ctx, ptx: ptx, table: s.table}
	fnErr := fn(t)
	switch {
	case t.conflict != nil:
		return t.conflict, true
	case fnErr != nil:
		return fnErr, false
	case t.failed != nil: // fn swallowed a database error; the transaction is aborted
		return t.failed, false
	case ctx.Err() != nil:
		return ctx.Err(), false
	}
	// Commit must not be cancelled halfway: its outcome would be unknown.
	if err := ptx.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("commit: %w", err), isConflict(err)
	}
	return nil, false
}

// backoff waits before the next attempt, or returns ctx's error if it ends first.
func (s *Store) backoff(ctx context.Context, attempt int) error {
	limit := min(backoffBase<<min(attempt, 20), backoffMax)
	s.randMu.Lock()
	d := time.Duration(s.rand.Int64N(int64(limit)))
	s.randMu.Unlock()
	select {
	case <-s.clock.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isConflict reports whether err is a serialization failure or a deadlock, after which the transaction may
// succeed if it runs again.
func isConflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// SQLDB opens a database/sql pool on the store's database for a package that keeps SQL tables of its own beside
// the store's (the Iceberg catalog of internal/table, whose SQL is iceberg-go's), in the store's schema (its
// search_path). Its tables must not be named like the store's. The caller closes it.
func (s *Store) SQLDB() (*sql.DB, error) {
	return stdlib.OpenDB(*s.connConfig.Copy()), nil
}

// SQLDialect names the SQL dialect of SQLDB's database ("postgres"), for packages that run SQL of their own on it.
func (s *Store) SQLDialect() string { return "postgres" }
