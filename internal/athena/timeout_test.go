package athena_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/athena"
)

// TestAQueryOverTheTimeoutFails: a query that runs past the query timeout (Athena's DML timeout, 30 minutes by
// default) is interrupted and FAILED with a reason that says so, rather than running (and writing results) forever.
func TestAQueryOverTheTimeoutFails(t *testing.T) {
	e := start(t, func(c *athena.Config) { c.QueryTimeout = 10 * time.Minute })
	id := e.runBlocked(t)
	e.clk.Advance(9 * time.Minute)
	require.Equal(t, athena.StateRunning, e.state(t, id).State, "not before the timeout")
	e.clk.Advance(2 * time.Minute)
	e.svc.Wait() // returns only once the engine was interrupted
	x := e.state(t, id)
	require.Equal(t, athena.StateFailed, x.State)
	require.Contains(t, x.Reason, "Query timeout")
	require.Contains(t, x.Reason, "10m0s")
}

// runBlocked starts a query that runs until interrupted and returns its ID once its claim's renewal is armed.
func (e *env) runBlocked(t *testing.T) string {
	t.Helper()
	armed := e.clk.Waiters()
	id := e.run(t, "SELECT block", athena.StartInput{})
	_, err := e.svc.RunDue(ctx)
	require.NoError(t, err)
	e.eng.await(1)
	for e.clk.Waiters() <= armed { // the renewal ticker is armed
		runtime.Gosched()
	}
	return id
}
