package ingest_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEnqueueTwiceRowsOnce: the same object enqueued twice (a second notification) is ingested once.
func TestEnqueueTwiceRowsOnce(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(nil)
	ref := e.putFile("AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/01/111122223333_CloudTrail_us-east-1_20261201T1000Z_a.json",
		"../source/cloudtrail/testdata/management.json")
	n, err := s.Enqueue(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = s.Enqueue(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, 0, n)
	drain(t, s)
	rows := e.rows("cloud_trail_mgmt")
	require.Positive(t, rows)
	n, err = s.Enqueue(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, 0, n, "a done object is not added again")
	drain(t, s)
	require.Equal(t, rows, e.rows("cloud_trail_mgmt"))
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.Len(t, st.Sources, 1)
	require.Equal(t, "cloudtrail", st.Sources[0].Source)
	require.EqualValues(t, 1, st.Sources[0].Done)
	require.EqualValues(t, 0, st.Sources[0].Queued)
	require.EqualValues(t, rows, st.Sources[0].Events)
}
