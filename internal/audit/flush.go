package audit

import (
	"context"
	"fmt"
)

// Flush returns once every record queued before the call (by Append or AppendAsync) has been committed or
// given up on. Lookup calls it, so a caller always finds the calls it has just made.
func (l *Log) Flush(ctx context.Context) error {
	it := &item{done: make(chan error, 1)} // a barrier: no record, acknowledged in queue order
	if err := l.enqueue(ctx, it); err != nil {
		return err
	}
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("audit: flush: %w", ctx.Err())
	}
}

// barrier reports whether the item is a Flush marker rather than a record.
func (it *item) barrier() bool { return it.json == nil }

// records returns the records (not barriers) of a batch.
func records(batch []*item) []*item {
	var out []*item
	for _, it := range batch {
		if !it.barrier() {
			out = append(out, it)
		}
	}
	return out
}
