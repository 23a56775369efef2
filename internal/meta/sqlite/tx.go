package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/meta"
)

const (
	qGet    = "SELECT v FROM kv WHERE tbl = ? AND k = ?"
	qPut    = "INSERT INTO kv (tbl, k, v) VALUES (?, ?, ?) ON CONFLICT (tbl, k) DO UPDATE SET v = excluded.v"
	qInsert = "INSERT INTO kv (tbl, k, v) VALUES (?, ?, ?) ON CONFLICT (tbl, k) DO NOTHING"
	qDelete = "DELETE FROM kv WHERE tbl = ? AND k = ?"
)

// tx is a meta.Tx on one SQLite connection: the write connection inside a savepoint, or a read transaction.
type tx struct {
	ctx      context.Context // the caller's context: operations fail once it ends
	qctx     context.Context // the context statements run under
	readOnly bool
	stmt     func(query string) (*sql.Stmt, error)
	// failed is the first error from the database itself (not a meta sentinel). The write path treats a
	// transaction that saw one as broken even if fn swallowed the error.
	failed error
}

var _ meta.Tx = (*tx)(nil)

// check returns the error that an operation must fail with before it touches the database.
func (t *tx) check(write bool) error {
	if write && t.readOnly {
		return meta.ErrReadOnly
	}
	if t.failed != nil {
		return t.failed
	}
	return t.ctx.Err()
}

// fail records a database error and returns it wrapped with context.
func (t *tx) fail(op, table, key string, err error) error {
	if t.ctx.Err() != nil && errors.Is(err, t.ctx.Err()) {
		return err
	}
	err = fmt.Errorf("%s %s/%q: %w", op, table, key, err)
	if t.failed == nil {
		t.failed = err
	}
	return err
}

func (t *tx) exec(query string, args ...any) (int64, error) {
	st, err := t.stmt(query)
	if err != nil {
		return 0, err
	}
	res, err := st.ExecContext(t.qctx, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// blob returns b as a non-nil slice: SQLite stores a nil []byte as NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// Get implements meta.Tx.
func (t *tx) Get(table, key string) ([]byte, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	st, err := t.stmt(qGet)
	if err != nil {
		return nil, t.fail("get", table, key, err)
	}
	var v []byte
	err = st.QueryRowContext(t.qctx, table, []byte(key)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get %s/%q: %w", table, key, meta.ErrNotFound)
	}
	if err != nil {
		return nil, t.fail("get", table, key, err)
	}
	return blob(v), nil
}

// Put implements meta.Tx.
func (t *tx) Put(table, key string, value []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.exec(qPut, table, []byte(key), blob(value)); err != nil {
		return t.fail("put", table, key, err)
	}
	return nil
}

// Insert implements meta.Tx.
func (t *tx) Insert(table, key string, value []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	n, err := t.exec(qInsert, table, []byte(key), blob(value))
	if err != nil {
		return t.fail("insert", table, key, err)
	}
	if n == 0 {
		return fmt.Errorf("insert %s/%q: %w", table, key, meta.ErrExists)
	}
	return nil
}

// Delete implements meta.Tx.
func (t *tx) Delete(table, key string) error {
	if err := t.check(true); err != nil {
		return err
	}
	n, err := t.exec(qDelete, table, []byte(key))
	if err != nil {
		return t.fail("delete", table, key, err)
	}
	if n == 0 {
		return fmt.Errorf("delete %s/%q: %w", table, key, meta.ErrNotFound)
	}
	return nil
}

// scanQuery builds the query for a range: its text depends only on which bounds are set, the direction and
// whether there is a limit, so few distinct statements get prepared.
func scanQuery(table string, r meta.Range) (string, []any) {
	var b strings.Builder
	args := []any{table}
	b.WriteString("SELECT k, v FROM kv WHERE tbl = ?")
	lo, hi := r.Bounds()
	if lo != "" {
		b.WriteString(" AND k >= ?")
		args = append(args, []byte(lo))
	}
	if hi != "" {
		b.WriteString(" AND k < ?")
		args = append(args, []byte(hi))
	}
	if r.Reverse {
		b.WriteString(" ORDER BY k DESC")
	} else {
		b.WriteString(" ORDER BY k")
	}
	if r.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, r.Limit)
	}
	return b.String(), args
}

// Scan implements meta.Tx.
func (t *tx) Scan(table string, r meta.Range, fn func(key string, value []byte) bool) error {
	if err := t.check(false); err != nil {
		return err
	}
	lo, hi := r.Bounds()
	if hi != "" && lo >= hi {
		return nil
	}
	q, args := scanQuery(table, r)
	st, err := t.stmt(q)
	if err != nil {
		return t.fail("scan", table, r.Prefix, err)
	}
	rows, err := st.QueryContext(t.qctx, args...)
	if err != nil {
		return t.fail("scan", table, r.Prefix, err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return t.fail("scan", table, r.Prefix, err)
		}
		if !fn(string(k), blob(v)) {
			return nil
		}
		if err := t.ctx.Err(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return t.fail("scan", table, r.Prefix, err)
	}
	return nil
}
