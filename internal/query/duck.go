package query

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// session is one query's DuckDB: a fresh in-memory database with one connection, used once and closed.
type session struct {
	db   *sql.DB
	conn *sql.Conn
}

// lockdown are the settings every database runs under, set before any SQL of a user: no extension is installed
// or loaded on demand, and nothing spills to disk (plaintext must never reach it). A query's database then limits
// file access to its own memfds and locks its configuration (session.lock).
var lockdown = []string{
	"SET temp_directory = ''",
	"SET autoinstall_known_extensions = false",
	"SET autoload_known_extensions = false",
	"SET TimeZone = 'UTC'",
	"SET preserve_insertion_order = false",
}

// newSession opens a fresh database with the lockdown settings, the Go functions and the macros; it has no file
// access limit yet and must be locked (lock) before it runs anything of a user's.
func newSession(ctx context.Context) (*session, error) {
	conn, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("query: open DuckDB: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	c, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("query: open DuckDB: %w", err)
	}
	s := &session{db: db, conn: c}
	if err := s.exec(ctx, lockdown); err != nil {
		return nil, err
	}
	if err := registerUDFs(c); err != nil {
		s.Close()
		return nil, fmt.Errorf("query: prepare DuckDB: %w", err)
	}
	if _, err := c.ExecContext(ctx, strings.Join(macros, ";\n")); err != nil {
		s.Close()
		return nil, fmt.Errorf("query: prepare DuckDB (macros): %w", err)
	}
	return s, nil
}

// exec runs stmts; on an error it closes the session.
func (s *session) exec(ctx context.Context, stmts []string) error {
	for _, q := range stmts {
		if _, err := s.conn.ExecContext(ctx, q); err != nil {
			s.Close()
			return fmt.Errorf("query: prepare DuckDB (%s): %w", q, err)
		}
	}
	return nil
}

// lock readies the session for one query: memLimit bytes and threads threads, the catalogs (beyond the default)
// and schemas its table references need, file access limited to paths (the query's memfds), and the
// configuration locked so that the query cannot change any of it. On an error it closes the session.
func (s *session) lock(ctx context.Context, paths []string, memLimit int64, threads int, catalogs, schemas []string) error {
	stmts := []string{fmt.Sprintf("SET memory_limit = '%dB'", memLimit), fmt.Sprintf("SET threads = %d", threads)}
	for _, cat := range catalogs {
		stmts = append(stmts, "ATTACH ':memory:' AS "+quoteIdent(cat))
	}
	for _, sch := range schemas {
		stmts = append(stmts, "CREATE SCHEMA IF NOT EXISTS "+sch)
	}
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = quoteString(p)
	}
	stmts = append(stmts, "SET allowed_paths = ["+strings.Join(quoted, ", ")+"]",
		"SET enable_external_access = false", "SET lock_configuration = true")
	return s.exec(ctx, stmts)
}

func (s *session) Close() error {
	s.conn.Close()
	return s.db.Close()
}

// openParser opens the engine's parser: a database that only serializes statements (json_serialize_sql), with
// no file access and its configuration locked.
func openParser(ctx context.Context, conns int) (*sql.DB, error) {
	conn, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("query: open DuckDB: %w", err)
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	for _, q := range append(append([]string(nil), lockdown...), "SET memory_limit = '64MB'",
		"SET allowed_paths = []", "SET enable_external_access = false", "SET lock_configuration = true") {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("query: prepare the parser (%s): %w", q, err)
		}
	}
	return db, nil
}

// spares keeps a few sessions opened ahead of the queries that will use them (each is used by one query only),
// so that a query does not wait for DuckDB to open and its functions to be defined. It starts with the first
// query: a server that runs none keeps none.
type spares struct {
	ready   chan *session
	stop    chan struct{}
	done    chan struct{}
	start   sync.Once
	started bool
}

func newSpares(n int) *spares {
	return &spares{ready: make(chan *session, n), stop: make(chan struct{}), done: make(chan struct{})}
}

func (sp *spares) fill() {
	defer close(sp.done)
	for {
		s, err := newSession(context.Background())
		if err != nil {
			select { // try again later: queries open their own meanwhile
			case <-sp.stop:
				return
			case <-time.After(time.Second):
				continue
			}
		}
		select {
		case sp.ready <- s:
		case <-sp.stop:
			s.Close()
			return
		}
	}
}

// take returns a spare session, or a new one when none is ready.
func (sp *spares) take(ctx context.Context) (*session, error) {
	sp.start.Do(func() {
		sp.started = true
		go sp.fill()
	})
	select {
	case s := <-sp.ready:
		return s, nil
	default:
		return newSession(ctx)
	}
}

func (sp *spares) Close() {
	sp.start.Do(func() {}) // no filling after this
	close(sp.stop)
	if sp.started {
		<-sp.done
	}
	for {
		select {
		case s := <-sp.ready:
			s.Close()
		default:
			return
		}
	}
}
