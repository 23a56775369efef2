package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// batch is one write transaction that several Update calls share. Each member ran its function in a
// savepoint that it released; all of them learn the commit's outcome when done is closed.
type batch struct {
	members int
	done    chan struct{}
	err     error // the outcome; errRetry asks the members to run their functions again
}

// errRetry is the outcome of a batch that was rolled back because one member's function met a database
// error, which may have undone the whole transaction: the others run their functions again.
var errRetry = errors.New("sqlite: batch rolled back, retry")

// Update implements meta.Store. Callers that arrive while a commit is in progress share the next one.
func (s *Store) Update(ctx context.Context, fn func(meta.Tx) error) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.active.Done()
	for {
		b, err := s.run(ctx, fn)
		if b == nil {
			return err
		}
		<-b.done
		if b.err != errRetry {
			return b.err
		}
	}
}

// run runs fn inside a savepoint of the open write transaction, beginning one if needed. It returns the
// batch that fn's writes joined, or nil and the error that ends the Update.
func (s *Store) run(ctx context.Context, fn func(meta.Tx) error) (_ *batch, err error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.cur == nil {
		if err := s.exec("BEGIN IMMEDIATE"); err != nil {
			return nil, fmt.Errorf("begin: %w", describe(err))
		}
		s.cur = &batch{done: make(chan struct{})}
	}
	if err := s.exec("SAVEPOINT u"); err != nil {
		s.abort()
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	t := &tx{ctx: ctx, qctx: context.Background(), stmt: func(q string) (*sql.Stmt, error) {
		return s.wstmts.get(context.Background(), q)
	}}
	returned := false
	defer func() {
		if !returned { // fn panicked or called runtime.Goexit: undo its writes, keep the batch
			s.rollbackSavepoint()
		}
	}()
	fnErr := fn(t)
	returned = true
	switch {
	case t.failed != nil:
		s.abort()
		if fnErr == nil {
			fnErr = t.failed
		}
		return nil, fnErr
	case fnErr != nil:
		s.rollbackSavepoint()
		return nil, fnErr
	case ctx.Err() != nil:
		s.rollbackSavepoint()
		return nil, ctx.Err()
	}
	if err := s.exec("RELEASE u"); err != nil {
		s.abort()
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	s.cur.members++
	return s.cur, nil
}

// lock takes the write connection, or gives up when ctx ends.
func (s *Store) lock(ctx context.Context) error {
	s.pending.Add(1)
	select {
	case s.sem <- struct{}{}:
		s.pending.Add(-1)
		return nil
	case <-ctx.Done():
		s.pending.Add(-1)
		// A holder may have left the batch open for us to commit: make sure someone does.
		s.active.Add(1)
		go func() {
			defer s.active.Done()
			s.pending.Add(1)
			s.sem <- struct{}{}
			s.pending.Add(-1)
			s.unlock()
		}()
		return ctx.Err()
	}
}

// unlock releases the write connection. The last holder, with nobody waiting, commits the open batch, as
// does the one that fills it.
func (s *Store) unlock() {
	if s.cur != nil && (s.pending.Load() == 0 || s.cur.members >= s.maxBatch) {
		s.commit()
	}
	<-s.sem
}

// commit ends the open batch and tells its members the outcome.
func (s *Store) commit() {
	b := s.cur
	s.cur = nil
	if b.members == 0 {
		_ = s.exec("ROLLBACK")
	} else if err := s.exec("COMMIT"); err != nil {
		_ = s.exec("ROLLBACK")
		b.err = fmt.Errorf("commit: %w", describe(err))
	}
	close(b.done)
}

// abort rolls the whole open transaction back; the functions that joined it run again.
func (s *Store) abort() {
	_ = s.exec("ROLLBACK")
	if b := s.cur; b != nil {
		s.cur = nil
		b.err = errRetry
		close(b.done)
	}
}

// rollbackSavepoint undoes the writes of the function that is running.
func (s *Store) rollbackSavepoint() {
	if err := s.exec("ROLLBACK TO u"); err != nil {
		s.abort()
		return
	}
	if err := s.exec("RELEASE u"); err != nil {
		s.abort()
	}
}

func (s *Store) exec(query string) error {
	_, err := s.wconn.ExecContext(context.Background(), query)
	return err
}
