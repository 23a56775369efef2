package lake_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/lake"
)

// TestSourceCollectingWindow: a source is NOT_COLLECTING until ingestion commits rows of its table for the
// account, COLLECTING then, and NOT_COLLECTING again once the last commit is older than CollectingWindow; a
// source of the same lake without rows stays NOT_COLLECTING throughout.
func TestSourceCollectingWindow(t *testing.T) {
	clk, st, svc, c := lakeWithSources(t, "VPC_FLOW", "ROUTE53")
	status := func() map[string]string {
		t.Helper()
		_, srcs, _, err := svc.GetDataLakeSources(ctx, c, nil, "", nil)
		require.NoError(t, err)
		out := map[string]string{}
		for _, s := range srcs {
			out[s.SourceName] = s.Statuses[0].Status
		}
		return out
	}
	require.Equal(t, map[string]string{"VPC_FLOW": "NOT_COLLECTING", "ROUTE53": "NOT_COLLECTING"}, status())

	putFlows(t, st, c, "a1b2c3d4", rawFlows(t, st, c, true))
	require.NoError(t, st.Ingest.Run(ctx))
	require.NoError(t, st.Ingest.Flush(ctx))
	require.Equal(t, map[string]string{"VPC_FLOW": "COLLECTING", "ROUTE53": "NOT_COLLECTING"}, status())

	clk.Advance(lake.CollectingWindow - time.Second)
	require.Equal(t, "COLLECTING", status()["VPC_FLOW"])
	clk.Advance(2 * time.Second)
	require.Equal(t, "NOT_COLLECTING", status()["VPC_FLOW"], "the last commit is older than the window")
}
