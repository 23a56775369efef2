package lake_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
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

	_, err := st.Objects.CreateBucket(ctx, c, objstore.CreateBucketInput{Bucket: "raw-flows"})
	require.NoError(t, err)
	require.NoError(t, st.Objects.PutBucketPolicy(ctx, c, "raw-flows", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
	 "Principal":{"Service":"securitylake.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::raw-flows/*"}]}`))
	body, err := os.ReadFile("../source/vpcflow/testdata/default-v2.log")
	require.NoError(t, err)
	k := "AWSLogs/" + acct + "/vpcflowlogs/us-east-1/2026/12/01/" + acct + "_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261201T1000Z_a1b2c3d4.log"
	obj, err := st.Objects.PutObject(ctx, c, objstore.PutInput{Bucket: "raw-flows", Key: k, Body: bytes.NewReader(body), Size: int64(len(body))})
	require.NoError(t, err)
	_, err = st.Ingest.Enqueue(ctx, ingest.ObjectRef{Bucket: "raw-flows", Key: k, ETag: obj.ETag, Size: obj.Size, Account: acct, Region: "us-east-1"})
	require.NoError(t, err)
	require.NoError(t, st.Ingest.Run(ctx))
	require.NoError(t, st.Ingest.Flush(ctx))
	require.Equal(t, map[string]string{"VPC_FLOW": "COLLECTING", "ROUTE53": "NOT_COLLECTING"}, status())

	clk.Advance(lake.CollectingWindow - time.Second)
	require.Equal(t, "COLLECTING", status()["VPC_FLOW"])
	clk.Advance(2 * time.Second)
	require.Equal(t, "NOT_COLLECTING", status()["VPC_FLOW"], "the last commit is older than the window")
}
