package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/seclake/seclake/internal/meta"
)

// scanPage is how many rows a Scan fetches per query. Scan reads page by page so that fn may use the
// transaction (whose connection is busy while a result is open) and memory stays bounded.
const scanPage = 512

// tx is a meta.Tx on a PostgreSQL transaction.
type tx struct {
	ctx      context.Context
	ptx      pgx.Tx
	table    string
	readOnly bool
	// conflict is the first serialization failure or deadlock; failed the first other database error.
	// Either aborts the transaction in PostgreSQL, so every later operation fails with it.
	conflict error
	failed   error
}

var _ meta.Tx = (*tx)(nil)

// check returns the error that an operation must fail with before it touches the database.
func (t *tx) check(write bool) error {
	switch {
	case write && t.readOnly:
		return meta.ErrReadOnly
	case t.conflict != nil:
		return t.conflict
	case t.failed != nil:
		return t.failed
	}
	return t.ctx.Err()
}

// fail records a database error and returns it wrapped with context.
func (t *tx) fail(op, table, key string, err error) error {
	err = fmt.Errorf("%s %s/%q: %w", op, table, key, err)
	switch {
	case isConflict(err):
		t.conflict = err
	case t.ctx.Err() != nil:
		// The query was cancelled with the context: the connection is gone, report the context's error.
		t.failed = fmt.Errorf("%s %s/%q: %w", op, table, key, t.ctx.Err())
		return t.failed
	default:
		t.failed = err
	}
	return err
}

// bytea returns b as a non-nil slice: pgx sends a nil []byte as NULL.
func bytea(b []byte) []byte {
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
	var v []byte
	err := t.ptx.QueryRow(t.ctx, "SELECT v FROM "+t.table+" WHERE tbl = $1 AND k = $2", table, []byte(key)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("get %s/%q: %w", table, key, meta.ErrNotFound)
	}
	if err != nil {
		return nil, t.fail("get", table, key, err)
	}
	return bytea(v), nil
}

// Put implements meta.Tx.
func (t *tx) Put(table, key string, value []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	_, err := t.ptx.Exec(t.ctx, "INSERT INTO "+t.table+" (tbl, k, v) VALUES ($1, $2, $3)"+
		" ON CONFLICT (tbl, k) DO UPDATE SET v = excluded.v", table, []byte(key), bytea(value))
	if err != nil {
		return t.fail("put", table, key, err)
	}
	return nil
}

// Insert implements meta.Tx.
func (t *tx) Insert(table, key string, value []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	tag, err := t.ptx.Exec(t.ctx, "INSERT INTO "+t.table+" (tbl, k, v) VALUES ($1, $2, $3)"+
		" ON CONFLICT (tbl, k) DO NOTHING", table, []byte(key), bytea(value))
	if err != nil {
		return t.fail("insert", table, key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("insert %s/%q: %w", table, key, meta.ErrExists)
	}
	return nil
}

// Delete implements meta.Tx.
func (t *tx) Delete(table, key string) error {
	if err := t.check(true); err != nil {
		return err
	}
	tag, err := t.ptx.Exec(t.ctx, "DELETE FROM "+t.table+" WHERE tbl = $1 AND k = $2", table, []byte(key))
	if err != nil {
		return t.fail("delete", table, key, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete %s/%q: %w", table, key, meta.ErrNotFound)
	}
	return nil
}

// kv is one row of a scan page.
type kv struct {
	k, v []byte
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
	left := r.Limit
	var after *string // the last key seen: the next page starts beyond it
	for {
		n := scanPage
		if r.Limit > 0 {
			n = min(n, left)
		}
		page, err := t.scanPage(table, r.Reverse, lo, hi, after, n)
		if err != nil {
			return t.fail("scan", table, r.Prefix, err)
		}
		for _, row := range page {
			if !fn(string(row.k), bytea(row.v)) {
				return nil
			}
			if err := t.ctx.Err(); err != nil {
				return err
			}
		}
		left -= len(page)
		if len(page) < n || (r.Limit > 0 && left == 0) {
			return nil
		}
		last := string(page[len(page)-1].k)
		after = &last
	}
}

// scanPage fetches up to n rows of the range [lo, hi) in order, beginning after the key after if it is set.
func (t *tx) scanPage(table string, reverse bool, lo, hi string, after *string, n int) ([]kv, error) {
	var q strings.Builder
	args := []any{table}
	q.WriteString("SELECT k, v FROM " + t.table + " WHERE tbl = $1")
	cond := func(c string, v string) {
		args = append(args, []byte(v))
		fmt.Fprintf(&q, " AND k %s $%d", c, len(args))
	}
	if lo != "" {
		cond(">=", lo)
	}
	if hi != "" {
		cond("<", hi)
	}
	order := "ASC"
	if reverse {
		order = "DESC"
	}
	if after != nil && reverse {
		cond("<", *after)
	} else if after != nil {
		cond(">", *after)
	}
	args = append(args, n)
	fmt.Fprintf(&q, " ORDER BY k %s LIMIT $%d", order, len(args))
	rows, err := t.ptx.Query(t.ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (kv, error) {
		var e kv
		err := row.Scan(&e.k, &e.v)
		return e, err
	})
}
