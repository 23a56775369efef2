package table

import (
	"context"
	"strings"
	"time"
)

// transient reports a database error that running the same catalog write again can clear: SQLite's busy
// errors (a read-then-write transaction of iceberg-go's catalog overtaken by another writer of the metadata
// store, which the busy timeout does not cover) and PostgreSQL's serialization failures.
func transient(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLITE_BUSY") || strings.Contains(s, "database is locked") ||
		strings.Contains(s, "SQLSTATE 40001") || strings.Contains(s, "could not serialize access")
}

// maxWriteAttempts bounds the attempts of one catalog write that keeps meeting transient errors.
const maxWriteAttempts = 20

// retryWrite runs write until it succeeds, fails for good, or has met maxWriteAttempts transient errors,
// waiting a little longer after each.
func retryWrite(ctx context.Context, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if !transient(err) || attempt == maxWriteAttempts {
			return err
		}
		t := time.NewTimer(time.Duration(attempt) * 5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
