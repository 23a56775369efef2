// Package sqlite is the embedded meta.Store: one SQLite database file in WAL mode, written by one connection
// at a time and read through a pool of connections that each see a snapshot.
//
// Concurrent Update calls share commits (group commit): while one commit waits for its fsync, the callers
// that arrive run their functions, each inside its own savepoint, in the next transaction, and one fsync
// then makes all of them durable. A function that fails rolls back only its savepoint. Functions still run
// one at a time, in their callers' goroutines, so a transaction sees every write committed before it and is
// serializable. fn must not call Update on the same store (it would wait for itself); View is fine.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/seclake/seclake/internal/meta"
)

// Options tunes a Store. The zero value is a good default.
type Options struct {
	// ReadConns is the number of connections that serve View transactions; default max(4, GOMAXPROCS).
	ReadConns int
	// MaxBatch is the largest number of Update calls that share one commit; default 256. 1 turns group
	// commit off, so every Update has its own transaction and fsync.
	MaxBatch int
}

// Store is a meta.Store on a SQLite database file.
type Store struct {
	path string
	wdb  *sql.DB // one connection, for Update
	rdb  *sql.DB // a pool of read-only connections, for View

	// The write side. sem (capacity 1) is held by the goroutine using wconn; pending counts the goroutines
	// waiting for it. cur, wstmts and wconn belong to the holder of sem.
	sem      chan struct{}
	pending  atomic.Int64
	wconn    *sql.Conn
	wstmts   stmtCache
	cur      *batch
	maxBatch int

	rstmts stmtCache // statements prepared on rdb, shared by all read connections

	mu     sync.RWMutex // guards closed; Close takes it to stop new transactions from starting
	closed bool
	active sync.WaitGroup // transactions (and flushes) in progress
}

var _ meta.Store = (*Store)(nil)

// Open opens the database file at path, creating it (mode 0600) if it does not exist, and brings its schema
// up to date. It returns an error wrapping meta.ErrIncompatible if the file is not a seclake database or was
// written by a newer seclake.
func Open(path string, opts Options) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open meta database %q: path must be non-empty and contain no '?' or '#'", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("open meta database %s: is a directory", path)
	}
	if err := createFile(path); err != nil {
		return nil, fmt.Errorf("open meta database %s: %w", path, err)
	}
	s := &Store{path: path, sem: make(chan struct{}, 1), maxBatch: opts.MaxBatch}
	if s.maxBatch <= 0 {
		s.maxBatch = 256
	}
	if err := s.open(opts); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("open meta database %s: %w", path, describe(err))
	}
	return s, nil
}

// createFile creates an empty database file with mode 0600 unless one exists, so that SQLite does not create
// it with the process umask's permissive default.
func createFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}

// writerPragmas are the settings of the connections that write: synchronous=FULL makes every commit fsync the
// WAL, so a nil Update survives power loss.
const writerPragmas = "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"

func (s *Store) open(opts Options) error {
	ctx := context.Background()
	var err error
	s.wdb, err = sql.Open("sqlite", s.path+writerPragmas)
	if err != nil {
		return err
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetConnMaxIdleTime(0)
	s.wconn, err = s.wdb.Conn(ctx)
	if err != nil {
		return err
	}
	if err := migrate(ctx, s.wconn); err != nil {
		return err
	}
	s.wstmts.prep = s.wconn.PrepareContext
	n := opts.ReadConns
	if n <= 0 {
		n = max(4, runtime.GOMAXPROCS(0))
	}
	s.rdb, err = sql.Open("sqlite", s.path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		return err
	}
	s.rdb.SetMaxOpenConns(n)
	s.rdb.SetMaxIdleConns(n)
	s.rstmts.prep = s.rdb.PrepareContext
	return s.rdb.PingContext(ctx)
}

// describe adds an explanation to the errors a person is likely to meet when pointing seclake at the
// wrong file.
func describe(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w: the file is not a SQLite database: point --data at another directory (%v)",
				meta.ErrIncompatible, err)
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_READONLY:
			return fmt.Errorf("cannot open or write the file, check its permissions: %w", err)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("the database file is corrupt: %w", err)
		}
	}
	return err
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

// View implements meta.Store.
func (s *Store) View(ctx context.Context, fn func(meta.Tx) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.active.Done()
	if err := ctx.Err(); err != nil {
		return err
	}
	stx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin view: %w", err)
	}
	var cold []string // queries first prepared by this transaction, to share once it has ended
	defer func() {
		_ = stx.Rollback()
		for _, q := range cold {
			_, _ = s.rstmts.get(ctx, q)
		}
	}()
	stmts := map[string]*sql.Stmt{} // the shared statements, bound to this transaction's connection
	t := &tx{ctx: ctx, qctx: ctx, readOnly: true, stmt: func(q string) (*sql.Stmt, error) {
		if st, ok := stmts[q]; ok {
			return st, nil
		}
		if st, ok := s.rstmts.lookup(q); ok {
			stmts[q] = stx.StmtContext(ctx, st)
			return stmts[q], nil
		}
		// Preparing a shared statement takes a second read connection, which never comes while Views
		// like this one hold them all: prepare on this transaction's own connection instead.
		st, err := stx.PrepareContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		stmts[q] = st
		cold = append(cold, q)
		return st, nil
	}}
	if err := fn(t); err != nil {
		return err
	}
	return ctx.Err()
}

// Close waits for running transactions to finish and closes the database. Later calls return nil.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.active.Wait()
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	s.rstmts.close()
	s.wstmts.close()
	if s.wconn != nil {
		errs = append(errs, s.wconn.Close())
	}
	for _, db := range []*sql.DB{s.rdb, s.wdb} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close meta database %s: %w", s.path, err)
	}
	return nil
}

// stmtCache keeps prepared statements by query text.
type stmtCache struct {
	prep func(ctx context.Context, query string) (*sql.Stmt, error)
	mu   sync.Mutex
	m    map[string]*sql.Stmt
}

// lookup returns the prepared statement of query, if there is one.
func (c *stmtCache) lookup(query string) (*sql.Stmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	return st, ok
}

// get returns the prepared statement of query, preparing it first if needed. The lock is not held while
// preparing (which may wait for a connection), so lookups never wait behind a prepare.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.lookup(query); ok {
		return st, nil
	}
	st, err := c.prep(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have, ok := c.m[query]; ok {
		_ = st.Close()
		return have, nil
	}
	if c.m == nil {
		c.m = make(map[string]*sql.Stmt)
	}
	c.m[query] = st
	return st, nil
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		_ = st.Close()
	}
	c.m = nil
}

// SQLDB opens a pool of connections to the store's database file for a package that keeps SQL tables of its
// own beside the store's (the Iceberg catalog of internal/table, whose SQL is iceberg-go's): WAL, the store's
// busy timeout and synchronous=FULL, like the store's own writer. Its tables must not be named like the store's.
// The caller closes it.
func (s *Store) SQLDB() (*sql.DB, error) {
	db, err := sql.Open("sqlite", s.path+writerPragmas)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.path, err)
	}
	return db, nil
}

// SQLDialect names the SQL dialect of SQLDB's database ("sqlite"), for packages that run SQL of their own on it.
func (s *Store) SQLDialect() string { return "sqlite" }
