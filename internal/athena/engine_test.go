package athena_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/awserr"
)

// cannedEngine stands in for the query engine in this package's tests, which are about what Athena does around
// a query (queueing, claims, cancellation, result files, paging, encryption); test/e2e runs real SQL through
// the real engine. It answers:
//   - "SELECT rows=N": N rows of (id bigint, name varchar, note varchar): id i, name `row "i", x`, note NULL
//     for odd i and "" for even i;
//   - "SELECT block": no rows until the query's context ends (a query that runs until stopped);
//   - "SELECT bad": a user error, as the engine reports an unknown column.
type cannedEngine struct {
	mu      sync.Mutex
	cond    *sync.Cond
	started []string // the SQL of each query run, in order
	callers []string
}

func (e *cannedEngine) Query(ctx context.Context, req athena.QueryRequest) (athena.Rows, error) {
	e.mu.Lock()
	e.started = append(e.started, req.SQL)
	e.callers = append(e.callers, req.Caller.Who()+" via "+req.Caller.InvokedBy)
	e.wake().Broadcast()
	e.mu.Unlock()
	switch {
	case req.SQL == "SELECT block":
		return &cannedRows{ctx: ctx, block: true}, nil
	case req.SQL == "SELECT bad":
		return nil, awserr.New("COLUMN_NOT_FOUND", awserr.StatusBadRequest, "line 1:8: Column 'bad' cannot be resolved")
	case strings.HasPrefix(req.SQL, "SELECT rows="):
		n, err := strconv.Atoi(strings.TrimPrefix(req.SQL, "SELECT rows="))
		if err != nil {
			return nil, err
		}
		return &cannedRows{ctx: ctx, n: n, i: -1}, nil
	}
	return nil, fmt.Errorf("cannedEngine: no answer for %q", req.SQL)
}

// wake is the condition that a query started; e.mu held.
func (e *cannedEngine) wake() *sync.Cond {
	if e.cond == nil {
		e.cond = sync.NewCond(&e.mu)
	}
	return e.cond
}

// await waits until n queries have started (queries start in the background after RunDue claims them).
func (e *cannedEngine) await(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.started) < n {
		e.wake().Wait()
	}
}

func (e *cannedEngine) runs() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.started)
}

type cannedRows struct {
	ctx   context.Context
	block bool
	n, i  int
	err   error
}

func (r *cannedRows) Columns() []athena.Column {
	return []athena.Column{{Name: "id", Type: "bigint"}, {Name: "name", Type: "varchar"}, {Name: "note", Type: "varchar"}}
}

func (r *cannedRows) Next() bool {
	if r.block {
		<-r.ctx.Done()
		r.err = r.ctx.Err()
		return false
	}
	r.i++
	return r.i < r.n
}

func (r *cannedRows) Row() []*string {
	id, name := strconv.Itoa(r.i), fmt.Sprintf("row \"%d\", x", r.i)
	var note *string
	if r.i%2 == 0 {
		empty := ""
		note = &empty
	}
	return []*string{&id, &name, note}
}

func (r *cannedRows) Err() error          { return r.err }
func (r *cannedRows) Stats() athena.Stats { return athena.Stats{DataScannedBytes: int64(r.n) * 100} }
func (r *cannedRows) Close() error        { return nil }
