package table_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

// The regions of the rollup tests: ap-northeast-3 contributes to ap-northeast-1.
const contrib, rollup = "ap-northeast-3", "ap-northeast-1"

// replicatingLakes creates the account's lakes in both regions and S3 replication from the contributing lake's
// bucket to the rollup's, as Security Lake configures it.
func replicatingLakes(t testing.TB, st *stack.Stack) (from, to table.LakeInfo) {
	t.Helper()
	from, err := st.Lakes.Create(ctx, root, contrib, "")
	require.NoError(t, err)
	to, err = st.Lakes.Create(ctx, root, rollup, "")
	require.NoError(t, err)
	_, err = st.IAM.CreateRole(ctx, root, iam.CreateRoleInput{Name: "replication",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	require.NoError(t, err)
	require.NoError(t, st.IAM.PutInlinePolicy(ctx, root, iam.KindRole, "replication", "p",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:ReplicateObject"],"Resource":"*"}]}`))
	for _, b := range []string{from.Bucket, to.Bucket} {
		require.NoError(t, st.Objects.PutBucketVersioning(ctx, root, b, objstore.VersioningEnabled, ""))
	}
	prio, all := 1, ""
	require.NoError(t, st.Objects.PutBucketReplication(ctx, root, from.Bucket, &objstore.Replication{Role: "arn:aws:iam::" + acct + ":role/replication",
		Rules: []objstore.ReplicationRule{{ID: "rollup", Priority: &prio, Status: "Enabled", Filter: &objstore.LifecycleFilter{Prefix: &all},
			DeleteMarkerReplication: &objstore.ReplicationSwitch{Status: "Disabled"}, Destination: objstore.ReplicationDestination{Bucket: "arn:aws:s3:::" + to.Bucket}}}}))
	return from, to
}

// TestAddReplicatedToTheRollupTable: data files of a contributing region's lake (ap-northeast-3), copied into the
// rollup region's bucket (ap-northeast-1) as S3 replication does, join the rollup lake's table with their
// partition (region=ap-northeast-3): once, however often the replica is announced; a file the contributing lake
// has not committed waits; metadata files are ignored; and a compaction in the contributing lake replaces, in the
// rollup table too, the files it rewrote, so no row is counted twice.
func TestAddReplicatedToTheRollupTable(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := stacktest.Start(t, clk)
	from, to := replicatingLakes(t, st)
	src, err := table.AWS("vpc_flow")
	require.NoError(t, err)
	tableIn := func(region string) *table.Table {
		l, err := st.Lakes.Open(ctx, acct, region)
		require.NoError(t, err)
		tbl, err := l.Table(ctx, src)
		require.NoError(t, err)
		return tbl
	}
	source, target := tableIn(contrib), tableIn(rollup)
	// replicate runs S3 replication and announces the replica of key, as the rollup lake's subscription does.
	replicate := func(key string) (bool, error) {
		t.Helper()
		_, err := st.Objects.RunReplication(ctx)
		require.NoError(t, err)
		return st.Lakes.AddReplicated(ctx, acct, rollup, []string{contrib}, key)
	}
	keyOf := func(path string) string { return strings.TrimPrefix(path, "s3://"+from.Bucket+"/") }

	var events int
	var files []string
	for i := range 3 {
		b := normalizeBytes(t, vpcflow.New(), flowLines(20, i, 1, acct), "vpc_flow", contrib)
		got, err := source.Append(ctx, b)
		require.NoError(t, err)
		events += got.Rows
		files = append(files, got.Files...)
	}
	for _, f := range files {
		require.True(t, strings.Contains(f, "/data/region="+contrib+"/"), f)
		added, err := replicate(keyOf(f))
		require.NoError(t, err)
		require.True(t, added)
	}
	rows, _ := count(t, target, iceberg.EqualTo(iceberg.Reference("region"), contrib))
	require.EqualValues(t, events, rows, "the replicated rows are in the rollup table, in the contributing region's partition")
	added, err := st.Lakes.AddReplicated(ctx, acct, rollup, []string{contrib}, keyOf(files[0]))
	require.NoError(t, err)
	require.False(t, added, "announced again: added once")
	rows, _ = count(t, target, nil)
	require.EqualValues(t, events, rows)

	own, err := target.Append(ctx, normalizeBytes(t, vpcflow.New(), flowLines(5, 9, 1, acct), "vpc_flow", contrib))
	require.NoError(t, err)
	added, err = st.Lakes.AddReplicated(ctx, acct, rollup, []string{contrib}, strings.TrimPrefix(own.Files[0], "s3://"+to.Bucket+"/"))
	require.NoError(t, err)
	require.False(t, added, "the rollup lake's own file is not a replica")
	events += own.Rows
	added, err = st.Lakes.AddReplicated(ctx, acct, rollup, []string{contrib}, "aws/VPC_FLOW/2.0/metadata/00001-x.metadata.json")
	require.NoError(t, err)
	require.False(t, added, "metadata files are not data")
	// A data file that the contributing lake never committed waits while it is there, and is dropped once gone.
	stray := "aws/VPC_FLOW/2.0/data/region=" + contrib + "/accountid=" + acct + "/eventday=20231114/stray.zstd.parquet"
	raw, err := st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: from.Bucket, Key: keyOf(files[0])})
	require.NoError(t, err)
	body, _ := io.ReadAll(raw.Body)
	raw.Body.Close()
	_, err = st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: from.Bucket, Key: stray, Body: bytes.NewReader(body), Size: int64(len(body))})
	require.NoError(t, err)
	_, err = replicate(stray)
	require.ErrorIs(t, err, table.ErrNotCommitted)
	require.NoError(t, st.Objects.DeleteObject(ctx, root, from.Bucket, stray))
	added, err = st.Lakes.AddReplicated(ctx, acct, rollup, []string{contrib}, stray)
	require.NoError(t, err)
	require.False(t, added)

	// The contributing lake compacts its three files into one; its replica replaces them in the rollup table.
	res, err := source.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	require.Equal(t, 3, res.FilesRemoved)
	compacted := planFiles(t, source, nil)
	require.Len(t, compacted, 1)
	added, err = replicate(keyOf(compacted[0]))
	require.NoError(t, err)
	require.True(t, added)
	rows, n := count(t, target, nil)
	require.EqualValues(t, events, rows, "no row twice after the contributing lake's compaction")
	require.Equal(t, 2, n, "the compacted file and the rollup's own")

	// The rollup's orphan removal keeps the added replicas and removes the replicated metadata it never reads.
	removed, err := target.RemoveOrphans(ctx, clk.Now().Add(30*24*time.Hour))
	require.NoError(t, err)
	require.NotZero(t, removed.Files, "the contributing lake's metadata files")
	rows, _ = count(t, target, nil)
	require.EqualValues(t, events, rows)
}
