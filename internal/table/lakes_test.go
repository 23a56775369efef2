package table_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/table"
)

// TestLakesCreateOpenAppend: the stack's lakes create an account's lake bucket (SSE-S3 by default, the service
// principal's policy), return it again rather than a second one, refuse to open a lake that does not exist, and
// append through the opened lake.
func TestLakesCreateOpenAppend(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := stacktest.Start(t, clk)
	_, err := st.Lakes.Open(ctx, acct, "eu-west-1")
	var ae *awserr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "ResourceNotFoundException", ae.Code)

	info, err := st.Lakes.Create(ctx, root, "eu-west-1", "")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(info.Bucket, "aws-security-data-lake-eu-west-1-"), info.Bucket)
	require.Len(t, info.Bucket, 63, "the suffix fills the name to S3's limit")
	long, err := st.Lakes.Create(ctx, root, "ap-northeast-1", "")
	require.NoError(t, err, "a long region name still makes a valid bucket name")
	require.Len(t, long.Bucket, 63)
	again, err := st.Lakes.Create(ctx, root, "eu-west-1", "")
	require.NoError(t, err)
	require.Equal(t, info.Bucket, again.Bucket, "one lake per account and region")
	all, err := st.Lakes.List(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)

	enc, err := st.Objects.GetBucketEncryption(ctx, root, info.Bucket)
	require.NoError(t, err)
	require.Equal(t, objstore.SSEAES256, enc.Rules[0].Default.SSEAlgorithm)

	lake, err := st.Lakes.Open(ctx, acct, "eu-west-1")
	require.NoError(t, err)
	src, err := table.AWS("vpc_flow")
	require.NoError(t, err)
	tbl, err := lake.Table(ctx, src)
	require.NoError(t, err)
	require.Equal(t, "amazon_security_lake_table_eu_west_1_vpc_flow_2_0", tbl.Name())
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	got, err := tbl.Append(ctx, flows)
	require.NoError(t, err)
	rows, _ := count(t, tbl, nil)
	require.EqualValues(t, got.Rows, rows)
	same, err := st.Lakes.Open(ctx, acct, "eu-west-1")
	require.NoError(t, err)
	require.Same(t, lake, same)
}

// TestLakesCreateConcurrently: creators racing for one account and region make one bucket, not one each (seen in
// CI: lake.provision's job and a direct Provision both created an eu-west-1 bucket, one of them left empty).
func TestLakesCreateConcurrently(t *testing.T) {
	st := stacktest.Start(t, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)))
	const n = 4
	got := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			info, err := st.Lakes.Create(ctx, root, "eu-west-1", "")
			errs <- err
			got <- info.Bucket
		}()
	}
	buckets := map[string]bool{}
	for range n {
		require.NoError(t, <-errs)
		buckets[<-got] = true
	}
	require.Len(t, buckets, 1, "every creator returns the one lake")
	all, err := st.Objects.ListBuckets(ctx, root)
	require.NoError(t, err)
	lakeBuckets := 0
	for _, b := range all {
		if strings.HasPrefix(b.Name, "aws-security-data-lake-eu-west-1-") {
			lakeBuckets++
		}
	}
	require.Equal(t, 1, lakeBuckets, "one bucket for the account's lake in the region")
}
