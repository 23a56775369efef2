package ingest_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestTableRefusalKeepsTheObject: an object whose events the table refuses fails with the reason and is kept;
// the object that shared its buffer is committed on its own when both are tried again.
func TestTableRefusalKeepsTheObject(t *testing.T) {
	e := newEnv(t, nil)
	s := e.service(nil)
	// Findings of a region whose name cannot be a partition: the table refuses them.
	data, err := os.ReadFile("../source/securityhub/testdata/compliance.json")
	require.NoError(t, err)
	bad := e.put("findings/bad-region.json", bytes.ReplaceAll(data, []byte(`"eu-west-1"`), []byte(`"eu/west 1"`)))
	good := e.putFile("findings/compliance.json", "../source/securityhub/testdata/compliance.json")
	bad.Source, good.Source = "securityhub", "securityhub"
	_, err = s.Enqueue(ctx, bad, good)
	require.NoError(t, err)
	drain(t, s)
	fails, err := s.Failures(ctx, 0)
	require.NoError(t, err)
	require.Len(t, fails, 2, "one commit held both")
	require.Zero(t, e.rows("sh_findings"))

	e.clk.Advance(time.Minute)
	drain(t, s)
	fails, err = s.Failures(ctx, 0)
	require.NoError(t, err)
	require.Len(t, fails, 1)
	require.Equal(t, bad.Key, fails[0].Ref.Key)
	require.Contains(t, fails[0].Reason, "has no valid region and account")
	require.Equal(t, 2, fails[0].Attempts)
	require.Equal(t, 2, e.rows("sh_findings"), "compliance.json's two findings")
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, st.Done)
	require.EqualValues(t, 1, st.Queued)
	require.EqualValues(t, 1, st.Failed)
	require.Contains(t, st.Sources[0].LastError, "no valid region")
}
