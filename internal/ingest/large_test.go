package ingest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/table"
)

// snapshots counts the snapshots of a table of the us-east-1 lake.
func (e *env) snapshots(name string) int {
	e.t.Helper()
	lake, err := e.st.Lakes.Open(ctx, acct, region)
	require.NoError(e.t, err)
	src, err := table.AWS(name)
	require.NoError(e.t, err)
	tbl, err := lake.Table(ctx, src)
	require.NoError(e.t, err)
	it, err := tbl.Load(ctx)
	require.NoError(e.t, err)
	return len(it.Metadata().Snapshots())
}

// TestLargeObjectManyCommits: an object much larger than the buffers is committed in many appends while it is
// read, and every event lands once.
func TestLargeObjectManyCommits(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(func(cfg *ingest.Config) { cfg.Flush.MaxBufferBytes = 256 << 10 })
	const n = 10000
	body, dataEvents := cloudTrail(t, "large", 0, n)
	_, err := s.Enqueue(ctx, e.put(ctKey("large"), body))
	require.NoError(t, err)
	require.NoError(t, s.Run(ctx))
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 0, st.Done, "its last events wait in the buffers")
	require.Greater(t, e.snapshots("cloud_trail_mgmt"), 10, "many commits while it was read")
	require.NoError(t, s.Flush(ctx))
	st, err = s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, st.Done)
	m := e.uids("cloud_trail_mgmt")
	require.Equal(t, n-dataEvents, len(m))
	require.Equal(t, n-dataEvents, distinct(m))
	d := e.uids("s3_data")
	require.Equal(t, dataEvents, len(d))
	require.Equal(t, dataEvents, distinct(d))
	require.EqualValues(t, n, st.Sources[0].Events)
	require.EqualValues(t, n, st.Sources[0].Records)
}
