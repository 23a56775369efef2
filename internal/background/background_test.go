package background

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRunnerStartsOnceAndStopWaits(t *testing.T) {
	var r Runner
	var running, ended atomic.Int32
	fn := func(ctx context.Context) {
		running.Add(1)
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond) // Stop must wait for this
		ended.Add(1)
	}
	r.Start(fn)
	r.Start(fn) // already running: no second goroutine
	require.Eventually(t, func() bool { return running.Load() == 1 }, time.Second, time.Millisecond)
	r.Stop()
	require.Equal(t, int32(1), ended.Load(), "Stop returns after the function has")
	require.Equal(t, int32(1), running.Load())
	r.Stop() // not running: nothing to do

	r.Start(fn) // a stopped Runner starts again
	require.Eventually(t, func() bool { return running.Load() == 2 }, time.Second, time.Millisecond)
	r.Stop()
	require.Equal(t, int32(2), ended.Load())
}
