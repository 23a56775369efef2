package ingest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCollectedAfterCommit: nothing is collected before a commit; after one, the lake's table of the source is
// named for the events' account with the commit's time, and another lake (region) has none.
func TestCollectedAfterCommit(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(nil)
	got, err := s.Collected(ctx, acct, region)
	require.NoError(t, err)
	require.Empty(t, got)

	_, err = s.Enqueue(ctx, e.putFile("AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/01/111122223333_CloudTrail_us-east-1_20261201T1000Z_c.json",
		"../source/cloudtrail/testdata/management.json"))
	require.NoError(t, err)
	e.clk.Advance(time.Minute)
	drain(t, s)
	require.Positive(t, e.rows("cloud_trail_mgmt"))

	got, err = s.Collected(ctx, acct, region)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "CLOUD_TRAIL_MGMT", got[0].Source)
	require.Equal(t, "2.0", got[0].Version)
	require.Equal(t, acct, got[0].Account)
	require.True(t, got[0].Last.Equal(e.clk.Now()), "the commit's time on the service's clock")

	other, err := s.Collected(ctx, acct, "eu-west-1")
	require.NoError(t, err)
	require.Empty(t, other)
}
