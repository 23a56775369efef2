package query

import (
	"database/sql"
	"sync"
	"time"
)

// rows is a running query's result over DuckDB's rows.
type rows struct {
	rows     *sql.Rows
	cols     []Column
	types    []*typ
	vals     []any
	ptrs     []any
	cur      []*string
	err      error
	release  func() error
	once     sync.Once
	closeErr error

	sql      string
	parsed   *parsed
	memLimit int64
	stats    Stats
	start    time.Time
}

func newRows(r *sql.Rows, release func() error, query string, p *parsed, memLimit int64) (*rows, error) {
	cts, err := r.ColumnTypes()
	if err != nil {
		r.Close()
		release()
		return nil, err
	}
	out := &rows{rows: r, release: release, sql: query, parsed: p, memLimit: memLimit}
	for _, ct := range cts {
		t := parseType(ct.DatabaseTypeName())
		out.types = append(out.types, t)
		out.cols = append(out.cols, Column{Name: ct.Name(), Type: t.athena()})
	}
	out.vals = make([]any, len(cts))
	out.ptrs = make([]any, len(cts))
	for i := range out.vals {
		out.ptrs[i] = &out.vals[i]
	}
	return out, nil
}

func (r *rows) Columns() []Column { return r.cols }

func (r *rows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		if r.err == nil {
			if err := r.rows.Err(); err != nil {
				r.err = fromDuckDB(err, r.sql, r.parsed, r.memLimit)
			}
		}
		r.stats.EngineTime = time.Since(r.start)
		return false
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = err
		return false
	}
	r.cur = make([]*string, len(r.vals))
	for i, v := range r.vals {
		if v == nil {
			continue
		}
		s := r.types[i].format(v)
		r.cur[i] = &s
	}
	return true
}

func (r *rows) Row() []*string { return r.cur }

func (r *rows) Err() error { return r.err }

func (r *rows) Stats() Stats {
	s := r.stats
	if s.EngineTime == 0 {
		s.EngineTime = time.Since(r.start)
	}
	return s
}

func (r *rows) Close() error {
	r.once.Do(func() {
		r.rows.Close()
		r.closeErr = r.release()
	})
	return r.closeErr
}
