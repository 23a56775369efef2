package query

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// session is one query's DuckDB: a fresh in-memory database with one connection, locked down.
type session struct {
	db   *sql.DB
	conn *sql.Conn
}

// lockdown are the settings every query's database runs under, set before the user's SQL and then locked:
// no extension is installed or loaded on demand, nothing spills to disk (plaintext must never reach it), and
// file access is limited to allowed_paths (the query's own memfds).
var lockdown = []string{
	"SET temp_directory = ''",
	"SET autoinstall_known_extensions = false",
	"SET autoload_known_extensions = false",
	"SET TimeZone = 'UTC'",
	"SET preserve_insertion_order = false",
}

// openSession opens a database for one query whose files are paths, with memLimit bytes and threads threads.
// attach are the catalogs (beyond the default) and schemas the query's table references need.
func openSession(ctx context.Context, paths []string, memLimit int64, threads int, catalogs, schemas []string) (*session, error) {
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
	stmts := append([]string(nil), lockdown...)
	stmts = append(stmts, fmt.Sprintf("SET memory_limit = '%dB'", memLimit), fmt.Sprintf("SET threads = %d", threads))
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
	for _, q := range stmts {
		if _, err := c.ExecContext(ctx, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("query: prepare DuckDB (%s): %w", q, err)
		}
	}
	if err := registerUDFs(c); err != nil {
		s.Close()
		return nil, fmt.Errorf("query: prepare DuckDB: %w", err)
	}
	for _, q := range macros {
		if _, err := c.ExecContext(ctx, q); err != nil {
			s.Close()
			return nil, fmt.Errorf("query: prepare DuckDB (%s): %w", q, err)
		}
	}
	return s, nil
}

func (s *session) Close() error {
	s.conn.Close()
	return s.db.Close()
}
