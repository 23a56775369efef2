package query

import (
	"context"
	"errors"
)

// Query runs req.SQL for req.Caller and returns its rows. Errors the user can act on (syntax, unknown tables or
// columns, access denied, the memory limit) are *awserr.Error values worded as Athena words them.
func (e *Engine) Query(ctx context.Context, req Request) (Rows, error) {
	return nil, errors.New("query: not implemented yet")
}
