package lake_test

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/stack"
)

// TestIngestProblemsBecomeExceptions: a raw bucket whose policy does not let Security Lake read fails every
// attempt at its object; SyncExceptions lists one exception for the cause however often it fails, whose
// remediation is the bucket policy statement, and VPC_FLOW is MISCONFIGURED with the refused resource. With the
// statement added the object is committed on its retry: COLLECTING, and the cause is forgotten, so that the same
// refusal later is a new exception.
func TestIngestProblemsBecomeExceptions(t *testing.T) {
	clk, st, svc, c := lakeWithSources(t, "VPC_FLOW")
	body := rawFlows(t, st, c, false)
	upload := func(name string) { t.Helper(); putFlows(t, st, c, name, body) }
	sync := func() int {
		t.Helper()
		n, err := svc.SyncExceptions(ctx)
		require.NoError(t, err)
		return n
	}
	list := func() []lake.Exception {
		t.Helper()
		exc, _, err := svc.ListDataLakeExceptions(ctx, c, nil, "", nil)
		require.NoError(t, err)
		return exc
	}
	upload("a1b2c3d4")
	require.NoError(t, st.Ingest.Run(ctx))
	require.Equal(t, 1, sync())
	exc := list()
	require.Len(t, exc, 1)
	require.Contains(t, exc[0].Exception, "VPC_FLOW 2.0")
	require.Contains(t, exc[0].Exception, "s3:GetObject")
	require.Contains(t, exc[0].Remediation, "the bucket policy of raw-flows")
	require.Contains(t, exc[0].Remediation,
		`{"Effect":"Allow","Principal":{"Service":"securitylake.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::raw-flows/*"}`)
	_, srcs, _, err := svc.GetDataLakeSources(ctx, c, nil, "", nil)
	require.NoError(t, err)
	require.Equal(t, []lake.SourceStatus{{Resource: "aws/VPC_FLOW/2.0/", Status: "MISCONFIGURED"},
		{Resource: "arn:aws:s3:::raw-flows/*", Status: "MISCONFIGURED"}}, srcs[0].Statuses)

	clk.Advance(time.Minute)
	upload("b2c3d4e5")
	require.NoError(t, st.Ingest.Run(ctx))
	require.Zero(t, sync(), "the same cause, retried and on another object")
	require.Len(t, list(), 1)

	require.NoError(t, st.Objects.PutBucketPolicy(ctx, c, "raw-flows", rawFlowsPolicy))
	clk.Advance(time.Hour)
	require.NoError(t, st.Ingest.Run(ctx))
	require.NoError(t, st.Ingest.Flush(ctx))
	require.Zero(t, sync())
	_, srcs, _, err = svc.GetDataLakeSources(ctx, c, nil, "", nil)
	require.NoError(t, err)
	require.Equal(t, []lake.SourceStatus{{Resource: "aws/VPC_FLOW/2.0/", Status: "COLLECTING"}}, srcs[0].Statuses)

	require.NoError(t, st.Objects.DeleteBucketPolicy(ctx, c, "raw-flows"))
	upload("c3d4e5f6")
	require.NoError(t, st.Ingest.Run(ctx))
	require.Equal(t, 1, sync(), "the refusal again, after it had passed")
	require.Len(t, list(), 2)
}

// lakeWithSources starts the services on a fake clock with the account's lake in us-east-1 collecting the given
// AWS sources, and returns the clock, the stack, the control plane and the account's root in us-east-1.
func lakeWithSources(t *testing.T, sources ...string) (*clock.Fake, *stack.Stack, *lake.Service, *actor.Caller) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st, svc := startOn(t, stacktest.Start(t, clk))
	c := rootIn("us-east-1")
	createLake(t, svc, "us-east-1")
	var cfg []lake.AwsSourceConfiguration
	for _, src := range sources {
		cfg = append(cfg, lake.AwsSourceConfiguration{Regions: []string{"us-east-1"}, SourceName: src})
	}
	_, err := svc.CreateAwsLogSource(ctx, c, cfg)
	require.NoError(t, err)
	return clk, st, svc, c
}

// rawFlowsPolicy lets Security Lake read the raw-flows bucket.
const rawFlowsPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"Service":"securitylake.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::raw-flows/*"}]}`

// rawFlows creates the raw bucket raw-flows (readable by Security Lake when readable is set) and returns the VPC
// flow log test file.
func rawFlows(t *testing.T, st *stack.Stack, c *actor.Caller, readable bool) []byte {
	t.Helper()
	_, err := st.Objects.CreateBucket(ctx, c, objstore.CreateBucketInput{Bucket: "raw-flows"})
	require.NoError(t, err)
	if readable {
		require.NoError(t, st.Objects.PutBucketPolicy(ctx, c, "raw-flows", rawFlowsPolicy))
	}
	body, err := os.ReadFile("../source/vpcflow/testdata/default-v2.log")
	require.NoError(t, err)
	return body
}

// putFlows uploads body as a VPC flow log file of the lake's account named after name, and queues it.
func putFlows(t *testing.T, st *stack.Stack, c *actor.Caller, name string, body []byte) {
	t.Helper()
	k := "AWSLogs/" + acct + "/vpcflowlogs/us-east-1/2026/12/01/" + acct + "_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20261201T1000Z_" + name + ".log"
	obj, err := st.Objects.PutObject(ctx, c, objstore.PutInput{Bucket: "raw-flows", Key: k, Body: bytes.NewReader(body), Size: int64(len(body))})
	require.NoError(t, err)
	_, err = st.Ingest.Enqueue(ctx, ingest.ObjectRef{Bucket: "raw-flows", Key: k, ETag: obj.ETag, Size: obj.Size, Account: acct, Region: "us-east-1"})
	require.NoError(t, err)
}

// TestThrottling: an account over its rate gets ThrottlingException (429) with Retry-After; denied calls spend
// nothing, and the rate refills with time.
func TestThrottling(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := stacktest.Start(t, clk)
	svc, err := lake.New(lake.Config{Store: st.Meta, Authz: st.IAM, Lakes: st.Lakes, Clock: clk, Limit: lake.Limit{Rate: 0.5, Burst: 2}})
	require.NoError(t, err)
	c := rootIn("us-east-1")
	for range 2 {
		_, err := svc.ListDataLakes(ctx, c, nil)
		require.NoError(t, err)
	}
	_, err = svc.ListDataLakes(ctx, c, nil)
	require.Equal(t, "ThrottlingException", code(t, err))
	ae, _ := awserr.As(err)
	require.Equal(t, 429, ae.Status)
	require.Equal(t, "Retry-After", ae.Headers[0].Name)
	require.Equal(t, "2", ae.Headers[0].Value, "half a call a second: the next in 2 s")
	clk.Advance(2 * time.Second)
	_, err = svc.ListDataLakes(ctx, c, nil)
	require.NoError(t, err)
}

// TestSetAsideRecordsBecomeOneException: records that cannot be normalized are set aside, and the source's set-aside
// records are one exception while objects keep bringing them; an object without any ends the cause.
func TestSetAsideRecordsBecomeOneException(t *testing.T) {
	clk, st, svc, c := lakeWithSources(t, "VPC_FLOW")
	good := rawFlows(t, st, c, true)
	bad := append(append([]byte{}, good...), []byte("2 not a flow record at all\n")...)
	ingestFile := func(name string, body []byte) {
		t.Helper()
		putFlows(t, st, c, name, body)
		require.NoError(t, st.Ingest.Run(ctx))
		require.NoError(t, st.Ingest.Flush(ctx))
	}
	ingestFile("a1b2c3d4", bad)
	ingestFile("b2c3d4e5", bad)
	n, err := svc.SyncExceptions(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	exc, _, err := svc.ListDataLakeExceptions(ctx, c, nil, "", nil)
	require.NoError(t, err)
	require.Len(t, exc, 1)
	require.Contains(t, exc[0].Exception, "set aside 2 records of source VPC_FLOW 2.0")
	require.Contains(t, exc[0].Remediation, "seclake ingest set-aside")
	_, srcs, _, err := svc.GetDataLakeSources(ctx, c, nil, "", nil)
	require.NoError(t, err)
	require.Equal(t, "COLLECTING", srcs[0].Statuses[0].Status, "set-aside records do not stop the source")

	clk.Advance(time.Minute)
	ingestFile("c3d4e5f6", good)
	clk.Advance(time.Minute)
	ingestFile("d4e5f6a7", bad)
	n, err = svc.SyncExceptions(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "a clean object ended the cause; new set-aside records are a new one")
}
