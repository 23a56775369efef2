package table_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source/cloudtrail"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/table"
)

// flowLines returns n VPC flow log lines (version 2) of the given accounts, from 10.0.1.15, spread over days
// days from 2023-11-14, in an order that is not the order of time; seed varies the times.
func flowLines(n, seed, days int, accounts ...string) []byte {
	var sb strings.Builder
	for i := range n {
		account := accounts[i%len(accounts)]
		start := 1699920000 + 3600 + (i%days)*86400 + (n-i)*7 + seed*10
		fmt.Fprintf(&sb, "2 %s eni-0a1b2c3d4e5f6%04d 10.0.1.15 198.51.100.%d %d 443 6 %d %d %d %d ACCEPT OK\n",
			account, i%10000, i%250, 1024+i%60000, 1+i%40, 60+i%9000, start, start+60)
	}
	return []byte(sb.String())
}

// appendFlows appends n generated flow lines over days days, and returns the number of events.
func appendFlows(t testing.TB, tbl *table.Table, n, seed, days int) int {
	t.Helper()
	b := normalizeBytes(t, vpcflow.New(), flowLines(n, seed, days, acct), "vpc_flow", region)
	_, err := tbl.Append(ctx, b)
	require.NoError(t, err)
	return len(b.Events)
}

// appendTimes appends b to tbl n times.
func appendTimes(t *testing.T, tbl *table.Table, b table.Batch, n int) {
	t.Helper()
	for range n {
		_, err := tbl.Append(ctx, b)
		require.NoError(t, err)
	}
}

// smallFiles appends n files of lines flow events each in one partition, and returns the number of events.
func smallFiles(t testing.TB, tbl *table.Table, n, lines int) int {
	events := 0
	for i := range n {
		events += appendFlows(t, tbl, lines, i, 1)
	}
	return events
}

// keys lists the keys of the bucket under prefix, as the bucket's owner.
func keys(t *testing.T, e *env, prefix string) []string {
	t.Helper()
	var out []string
	in := objstore.ListInput{Bucket: bucket, Prefix: prefix, MaxKeys: 1000}
	for {
		page, err := e.st.Objects.ListObjects(ctx, root, in)
		require.NoError(t, err)
		for _, o := range page.Objects {
			out = append(out, o.Key)
		}
		if !page.IsTruncated {
			return out
		}
		in.After = page.Last
	}
}

const vpcData = "aws/VPC_FLOW/2.0/data/"

// day selects the partition of the lake's region and account on day d.
func day(d string) iceberg.BooleanExpression {
	return iceberg.NewAnd(iceberg.EqualTo(iceberg.Reference("region"), region),
		iceberg.EqualTo(iceberg.Reference("eventday"), d))
}

func TestCompactionRewritesSmallFilesAndExpiryDeletesThem(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	var events int
	for i := range 6 {
		events += appendFlows(t, vpc, 40, i, 2)
	}
	// A third partition with a single small file: nothing to pack it with.
	other := normalizeBytes(t, vpcflow.New(), flowLines(10, 0, 1, acct), "vpc_flow", "eu-west-1")
	_, err := vpc.Append(ctx, other)
	require.NoError(t, err)
	events += len(other.Events)
	rows, files := count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	require.Equal(t, 13, files)
	it, err := vpc.Load(ctx)
	require.NoError(t, err)
	before := it.CurrentSnapshot().SnapshotID

	// Files at or above three quarters of the target are not candidates.
	res, err := vpc.Compact(ctx, table.CompactOptions{TargetSize: 1})
	require.NoError(t, err)
	require.Zero(t, res)

	res, err = vpc.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, res.Partitions)
	require.Equal(t, 12, res.FilesRemoved)
	require.Equal(t, 2, res.FilesAdded)
	require.EqualValues(t, events-len(other.Events), res.Rows)
	require.NotZero(t, res.SnapshotID)
	rows, files = count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	require.Equal(t, 3, files)
	for _, d := range []string{"20231114", "20231115"} {
		rows, files = count(t, vpc, day(d))
		require.EqualValues(t, 3*40, rows, d)
		require.Equal(t, 1, files, d)
	}
	it, err = vpc.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, icetable.OpReplace, it.CurrentSnapshot().Summary.Operation)

	// The compacted files are sorted by time, and ciphertext on disk like every other file.
	for _, task := range planFiles(t, vpc, day("20231114")) {
		requireSortedByTime(t, readDataFile(t, e, task))
	}
	requireCiphertext(t, e)

	// The old snapshot is still readable, its files still in the bucket.
	require.Len(t, keys(t, e, vpcData), 15)
	old := it.Scan(icetable.WithSnapshotID(before))
	arrowTbl, err := old.ToArrowTable(ctx)
	require.NoError(t, err)
	require.EqualValues(t, events, arrowTbl.NumRows())
	arrowTbl.Release()

	// Expiry of every snapshot but the current one deletes the replaced files and the old manifests.
	metadataBefore := len(keys(t, e, "aws/VPC_FLOW/2.0/metadata/"))
	cutoff := time.UnixMilli(it.CurrentSnapshot().TimestampMs + 1)
	exp, err := vpc.ExpireSnapshots(ctx, cutoff, 1)
	require.NoError(t, err)
	require.Equal(t, 7, exp.Snapshots)
	require.Len(t, keys(t, e, vpcData), 3)
	require.Less(t, len(keys(t, e, "aws/VPC_FLOW/2.0/metadata/")), metadataBefore)
	require.GreaterOrEqual(t, exp.FilesDeleted, 12+7, "the data files, the manifest lists, the manifests")
	rows, files = count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	require.Equal(t, 3, files)
	it, err = vpc.Load(ctx)
	require.NoError(t, err)
	_, err = it.Scan(icetable.WithSnapshotID(before)).ToArrowTable(ctx)
	require.Error(t, err, "the expired snapshot is gone")

	// Nothing left to do.
	res, err = vpc.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	require.Zero(t, res)
}

// requireSortedByTime checks that the rows of f are sorted by time.
func requireSortedByTime(t *testing.T, f *parquet.File) {
	t.Helper()
	leaf, ok := f.Schema().Lookup("time")
	require.True(t, ok)
	rows := make([]parquet.Row, f.NumRows())
	r := parquet.MultiRowGroup(f.RowGroups()...).Rows()
	defer r.Close()
	n, _ := r.ReadRows(rows)
	require.EqualValues(t, f.NumRows(), n)
	var last int64
	for i, row := range rows {
		for _, v := range row {
			if v.Column() == leaf.ColumnIndex {
				require.GreaterOrEqual(t, v.Int64(), last, "row %d", i)
				last = v.Int64()
			}
		}
	}
}

// planFiles returns the data files a scan of tbl plans.
func planFiles(t *testing.T, tbl *table.Table, filter iceberg.BooleanExpression) []string {
	t.Helper()
	it, err := tbl.Load(ctx)
	require.NoError(t, err)
	tasks, err := it.Scan(icetable.WithRowFilter(filter)).PlanFiles(ctx)
	require.NoError(t, err)
	var out []string
	for _, task := range tasks {
		out = append(out, task.File.FilePath())
	}
	return out
}

func TestCompactionKeepsConcurrentAppends(t *testing.T) { onBothStores(t, compactionRace) }

func compactionRace(t *testing.T, e *env) {
	vpc := openTable(t, e, "vpc_flow")
	events := smallFiles(t, vpc, 4, 30)
	// An append into the partition being compacted commits between the compaction's read and its commit.
	writer := openTable(t, e, "vpc_flow")
	var once sync.Once
	var raced int
	t.Cleanup(table.SetBeforeCompactCommit(func() {
		once.Do(func() { raced = appendFlows(t, writer, 25, 9, 1) })
	}))
	res, err := vpc.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	require.Equal(t, 4, res.FilesRemoved)
	require.NotZero(t, raced)
	events += raced
	rows, files := count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	require.Equal(t, 2, files, "the compacted file and the file appended meanwhile")

	// Writers append while compactions run: every row stays, none twice.
	const writers, appends = 3, 4
	var g errgroup.Group
	var mu sync.Mutex
	for w := range writers {
		tbl := openTable(t, e, "vpc_flow")
		g.Go(func() error {
			for i := range appends {
				b := normalizeBytes(t, vpcflow.New(), flowLines(20, 100+w*10+i, 1, acct), "vpc_flow", region)
				if _, err := tbl.Append(ctx, b); err != nil {
					return err
				}
				mu.Lock()
				events += len(b.Events)
				mu.Unlock()
			}
			return nil
		})
	}
	compactor := openTable(t, e, "vpc_flow")
	g.Go(func() error {
		for range 3 {
			if _, err := compactor.Compact(ctx, table.CompactOptions{}); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, g.Wait())
	_, err = vpc.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	rows, files = count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	require.Equal(t, 1, files)
}

func TestRemoveOrphansOnlyPastTheCutoff(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	events := appendFlows(t, vpc, 20, 0, 1)
	put := func(key string) {
		_, err := e.st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: bucket, Key: key,
			Body: strings.NewReader("left by a failed append"), Size: 23})
		require.NoError(t, err)
	}
	put(vpcData + "region=us-east-1/accountid=111122223333/eventday=20231114/old.zstd.parquet")
	put("aws/VPC_FLOW/2.0/metadata/old.avro")
	put("aws/VPC_FLOW/2.0x/metadata/another-table.avro")
	e.clk.Advance(time.Hour)
	put(vpcData + "region=us-east-1/accountid=111122223333/eventday=20231114/in-flight.zstd.parquet")
	all := len(keys(t, e, "aws/VPC_FLOW/2.0/"))

	res, err := vpc.RemoveOrphans(ctx, e.clk.Now())
	require.NoError(t, err)
	require.Equal(t, 2, res.Files, "the two files older than the cutoff")
	require.EqualValues(t, 46, res.Bytes)
	left := keys(t, e, "aws/VPC_FLOW/2.0")
	require.Len(t, left, all-2+1)
	require.Contains(t, left, "aws/VPC_FLOW/2.0x/metadata/another-table.avro", "another location")
	require.Contains(t, left, vpcData+"region=us-east-1/accountid=111122223333/eventday=20231114/in-flight.zstd.parquet")
	rows, _ := count(t, vpc, nil)
	require.EqualValues(t, events, rows)

	e.clk.Advance(time.Second)
	res, err = vpc.RemoveOrphans(ctx, e.clk.Now())
	require.NoError(t, err)
	require.Equal(t, 1, res.Files)
	rows, _ = count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	// What is left is what the table references: a second pass finds nothing.
	res, err = vpc.RemoveOrphans(ctx, e.clk.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Zero(t, res.Files)
}

func TestMetadataFilesStayBounded(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	appendTimes(t, vpc, flows, 100)
	var metadata int
	for _, k := range keys(t, e, "aws/VPC_FLOW/2.0/metadata/") {
		if strings.HasSuffix(k, ".metadata.json") {
			metadata++
		}
	}
	require.Equal(t, table.DefaultPreviousVersionsMax+1, metadata, "the current metadata file and its log")
	// Appends merge the manifests (commit.manifest-merge.enabled): a commit does not read one per append.
	it, err := vpc.Load(ctx)
	require.NoError(t, err)
	fsys, err := it.FS(ctx)
	require.NoError(t, err)
	manifests, err := it.CurrentSnapshot().Manifests(fsys)
	require.NoError(t, err)
	t.Logf("%d manifests after 100 appends", len(manifests))
	require.Less(t, len(manifests), 100)
	rows, _ := count(t, vpc, nil)
	require.EqualValues(t, 100*len(flows.Events), rows)
}

func TestMaintainEveryTable(t *testing.T) { onBothStores(t, maintainEveryTable) }

func maintainEveryTable(t *testing.T, e *env) {
	vpc := openTable(t, e, "vpc_flow")
	events := smallFiles(t, vpc, 4, 30)
	ct := openTable(t, e, "cloud_trail_mgmt")
	_, err := ct.Append(ctx, normalize(t, cloudtrail.New(), "../source/cloudtrail/testdata/management.json",
		"cloud_trail_mgmt"))
	require.NoError(t, err)
	orphan := vpcData + "region=us-east-1/accountid=111122223333/eventday=20231114/orphan.zstd.parquet"
	_, err = e.st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: bucket, Key: orphan,
		Body: strings.NewReader("x"), Size: 1})
	require.NoError(t, err)
	// A table made before the metadata retention properties existed gets them.
	it, err := ct.Load(ctx)
	require.NoError(t, err)
	tx := it.NewTransaction()
	require.NoError(t, tx.RemoveProperties([]string{icetable.MetadataDeleteAfterCommitEnabledKey,
		icetable.MetadataPreviousVersionsMaxKey}))
	_, err = tx.Commit(ctx)
	require.NoError(t, err)
	// Snapshots are stamped by iceberg-go's clock: the lake's is set a week and more after the newest.
	it, err = vpc.Load(ctx)
	require.NoError(t, err)
	e.clk.Set(time.UnixMilli(it.CurrentSnapshot().TimestampMs).Add(table.DefaultSnapshotAge + 24*time.Hour))

	sum, err := e.lake.Maintain(ctx, table.Policy{RetainLast: 1})
	require.NoError(t, err)
	require.Len(t, sum.Tables, 2)
	byName := map[string]table.TableSummary{}
	for _, ts := range sum.Tables {
		byName[ts.Table] = ts
	}
	v := byName[vpc.Name()]
	require.Equal(t, 4, v.Compact.FilesRemoved)
	require.Equal(t, 1, v.Compact.FilesAdded)
	require.Equal(t, 4, v.Expire.Snapshots, "the appends; the compaction is the current snapshot")
	require.Equal(t, 1, v.Orphans.Files)
	require.Less(t, v.FilesAfter, v.FilesBefore)
	require.Less(t, v.BytesAfter, v.BytesBefore)
	live := planFiles(t, vpc, day("20231114"))
	require.Len(t, live, 1)
	require.Equal(t, []string{strings.TrimPrefix(live[0], "s3://"+bucket+"/")}, keys(t, e, vpcData))
	rows, files := count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	require.Equal(t, 1, files)
	c := byName[ct.Name()]
	require.Zero(t, c.Compact.FilesRemoved)
	require.Zero(t, c.Expire.Snapshots, "one snapshot, retained")
	it, err = ct.Load(ctx)
	require.NoError(t, err)
	require.Equal(t, "true", it.Properties()[icetable.MetadataDeleteAfterCommitEnabledKey])
	require.Equal(t, "20", it.Properties()[icetable.MetadataPreviousVersionsMaxKey])
}

// TestMaintainWithoutListBucket: a bucket policy that does not let the lake list its bucket stops the file counts
// and orphan removal, with an error that names the action, but not compaction and expiry.
func TestMaintainWithoutListBucket(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	events := smallFiles(t, vpc, 3, 20)
	writeOnly := strings.Replace(bucketPolicy, `"s3:ListBucket"`, `"s3:GetBucketLocation"`, 1)
	require.NotEqual(t, bucketPolicy, writeOnly)
	require.NoError(t, e.st.Objects.PutBucketPolicy(ctx, root, bucket, writeOnly))
	sum, err := e.lake.Maintain(ctx, table.Policy{})
	require.ErrorContains(t, err, "s3:ListBucket")
	require.Len(t, sum.Tables, 1)
	require.Equal(t, 3, sum.Tables[0].Compact.FilesRemoved)
	rows, files := count(t, vpc, nil)
	require.EqualValues(t, events, rows)
	require.Equal(t, 1, files)
}

// TestCompactionKeepsEveryValue compacts CloudTrail events (nested objects, lists, maps) and compares every row,
// as JSON, before and after.
func TestCompactionKeepsEveryValue(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	ct := openTable(t, e, "cloud_trail_mgmt")
	mgmt := normalize(t, cloudtrail.New(), "../source/cloudtrail/testdata/management.json", "cloud_trail_mgmt")
	appendTimes(t, ct, mgmt, 3)
	before := rowsAsJSON(t, ct)
	require.Len(t, before, 3*len(mgmt.Events))
	res, err := ct.Compact(ctx, table.CompactOptions{})
	require.NoError(t, err)
	require.NotZero(t, res.FilesRemoved)
	require.Equal(t, res.FilesRemoved, 3*res.FilesAdded, "each partition's three files into one")
	after := rowsAsJSON(t, ct)
	require.Equal(t, len(before), len(after))
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("row %d differs after compaction:\n%.500s\n%.500s", i, before[i], after[i])
		}
	}
}

// rowsAsJSON scans the table and returns its rows as JSON lines, sorted.
func rowsAsJSON(t *testing.T, tbl *table.Table) []string {
	t.Helper()
	it, err := tbl.Load(ctx)
	require.NoError(t, err)
	at, err := it.Scan().ToArrowTable(ctx)
	require.NoError(t, err)
	defer at.Release()
	r := array.NewTableReader(at, 1024)
	defer r.Release()
	var out []string
	for r.Next() {
		var buf bytes.Buffer
		require.NoError(t, array.RecordToJSON(r.RecordBatch(), &buf))
		out = append(out, strings.Split(strings.TrimSpace(buf.String()), "\n")...)
	}
	slices.Sort(out)
	return out
}
