package table_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/cloudtrail"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
	bucket = "aws-security-data-lake-us-east-1-abcdef"
)

var (
	ctx  = context.Background()
	root = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct},
		Region: region}
)

// The lake key's policy: the account's statement, and the one that lets the lake's service principal use it.
const (
	accountStatement = `{"Sid":"Enable IAM User Permissions","Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}`
	lakeStatement = `{"Sid":"Allow Security Lake to use the key","Effect":"Allow",
 "Principal":{"Service":"securitylake.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*",
 "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}`
	// lakeReadStatement lets the lake read (kms:Decrypt) but not write: kms:GenerateDataKey is missing.
	lakeReadStatement = `{"Sid":"Allow Security Lake to read","Effect":"Allow",
 "Principal":{"Service":"securitylake.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}`
	bucketPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"SecurityLakeWrite","Effect":"Allow",
 "Principal":{"Service":"securitylake.amazonaws.com"},"Action":["s3:PutObject","s3:GetObject","s3:DeleteObject"],
 "Resource":"arn:aws:s3:::aws-security-data-lake-us-east-1-abcdef/*",
 "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},
 {"Sid":"SecurityLakeList","Effect":"Allow","Principal":{"Service":"securitylake.amazonaws.com"},
 "Action":"s3:ListBucket","Resource":"arn:aws:s3:::aws-security-data-lake-us-east-1-abcdef",
 "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`
)

func keyPolicy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

type env struct {
	clk   *clock.Fake
	st    *stack.Stack
	lake  *table.Lake
	blobs string
	key   string
}

// newEnv starts the stack on SQLite and a local blob directory, creates the lake bucket with SSE-KMS under a key
// whose policy is given, and opens the lake's catalog in the metadata store's database.
func newEnv(t testing.TB, policy string) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	return newEnvOn(t, policy, store, "sqlite", dir)
}

// sqlStore is a metadata store that lends its database to the catalog.
type sqlStore interface {
	meta.Store
	SQLDB() (*sql.DB, error)
}

// newEnvOn is newEnv on store; dir is one of the test's temporary directories.
func newEnvOn(t testing.TB, policy string, store sqlStore, dialect, dir string) *env {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st := stacktest.StartOn(t, clk, store)
	md, err := st.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{Policy: policy})
	require.NoError(t, err)
	_, err = st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: bucket})
	require.NoError(t, err)
	require.NoError(t, st.Objects.PutBucketPolicy(ctx, root, bucket, bucketPolicy))
	require.NoError(t, st.Objects.PutBucketEncryption(ctx, root, bucket, &objstore.Encryption{Rules: []objstore.EncryptionRule{
		{Default: &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEKMS, KMSMasterKeyID: md.ARN}}}}))
	db, err := store.SQLDB()
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	lake, err := table.Open(ctx, table.Config{DB: db, Dialect: dialect, Objects: st.Objects, Bucket: bucket,
		Region: region, Account: acct, Clock: clk})
	require.NoError(t, err)
	t.Cleanup(func() { lake.Close() })
	// stacktest's blob directory is another of the test's temporary directories, beside dir.
	return &env{clk: clk, st: st, lake: lake, blobs: filepath.Dir(dir), key: md.ARN}
}

// collect keeps the batches a source makes.
type collect struct{ batches []source.Batch }

func (c *collect) Events(b source.Batch) error    { c.batches = append(c.batches, b); return nil }
func (c *collect) SetAside(source.SetAside) error { return nil }

// normalize runs src on a testdata file and returns its events for tableName.
func normalize(t testing.TB, src source.Source, file, tableName string) table.Batch {
	t.Helper()
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	return normalizeBytes(t, src, data, tableName, region)
}

// normalizeBytes normalizes data as an object delivered in the lake's account and in region.
func normalizeBytes(t testing.TB, src source.Source, data []byte, tableName, region string) table.Batch {
	t.Helper()
	var c collect
	_, err := src.Normalize(ctx, source.Object{Name: "input", Body: bytes.NewReader(data), Account: acct, Region: region}, &c)
	require.NoError(t, err)
	b := table.Batch{Account: acct, Region: region}
	for _, sb := range c.batches {
		if sb.Table == tableName {
			b.Events = append(b.Events, sb.Events...)
		}
	}
	require.NotEmpty(t, b.Events)
	return b
}

func openTable(t testing.TB, e *env, name string) *table.Table {
	t.Helper()
	src, err := table.AWS(name)
	require.NoError(t, err)
	tbl, err := e.lake.Table(ctx, src)
	require.NoError(t, err)
	return tbl
}

// count scans the table with iceberg-go and returns the rows and the data files the scan planned.
func count(t *testing.T, tbl *table.Table, filter iceberg.BooleanExpression) (rows int64, files int) {
	t.Helper()
	it, err := tbl.Load(ctx)
	require.NoError(t, err)
	var opts []icetable.ScanOption
	if filter != nil {
		opts = append(opts, icetable.WithRowFilter(filter))
	}
	scan := it.Scan(opts...)
	tasks, err := scan.PlanFiles(ctx)
	require.NoError(t, err)
	arrowTbl, err := scan.ToArrowTable(ctx)
	require.NoError(t, err)
	defer arrowTbl.Release()
	return arrowTbl.NumRows(), len(tasks)
}

func TestAppendAndScan(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	require.Equal(t, "amazon_security_lake_table_us_east_1_vpc_flow_2_0", vpc.Name())
	require.Equal(t, "s3://"+bucket+"/aws/VPC_FLOW/2.0", vpc.Location())
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	got, err := vpc.Append(ctx, flows)
	require.NoError(t, err)
	require.Equal(t, len(flows.Events), got.Rows)
	require.Len(t, got.Files, 1, "one partition")
	require.Contains(t, got.Files[0], "/aws/VPC_FLOW/2.0/data/region=us-east-1/accountid=111122223333/eventday=20231114/")

	ct := openTable(t, e, "cloud_trail_mgmt")
	mgmt := normalize(t, cloudtrail.New(), "../source/cloudtrail/testdata/management.json", "cloud_trail_mgmt")
	_, err = ct.Append(ctx, mgmt)
	require.NoError(t, err)

	// A second append to vpc_flow, from another region.
	data, err := os.ReadFile("../source/vpcflow/testdata/default-v2.log")
	require.NoError(t, err)
	flows2 := normalizeBytes(t, vpcflow.New(), data, "vpc_flow", "eu-west-1")
	_, err = vpc.Append(ctx, flows2)
	require.NoError(t, err)

	rows, files := count(t, vpc, nil)
	require.EqualValues(t, len(flows.Events)+len(flows2.Events), rows)
	require.GreaterOrEqual(t, files, 2)
	rows, files = count(t, vpc, iceberg.EqualTo(iceberg.Reference("region"), "us-east-1"))
	require.EqualValues(t, len(flows.Events), rows)
	require.Equal(t, 1, files, "partition pruning by region")
	rows, _ = count(t, vpc, iceberg.EqualTo(iceberg.Reference("eventday"), "19990101"))
	require.Zero(t, rows)

	rows, _ = count(t, ct, nil)
	require.EqualValues(t, len(mgmt.Events), rows)

	// Reopening finds the same table and its rows.
	again := openTable(t, e, "vpc_flow")
	rows, _ = count(t, again, nil)
	require.EqualValues(t, len(flows.Events)+len(flows2.Events), rows)

	requireCiphertext(t, e)
}

// requireCiphertext checks that every file in the blob directory (the test's temporary directories but the
// metadata database) is ciphertext: no Parquet magic, no Avro magic, no metadata JSON, no flow log values.
func requireCiphertext(t *testing.T, e *env) {
	t.Helper()
	scanned := 0
	require.NoError(t, filepath.WalkDir(e.blobs, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "meta.db") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		for _, marker := range []string{"PAR1", "Obj\x01", "format-version", "10.0.1.15", "111122223333"} {
			if bytes.Contains(data, []byte(marker)) {
				t.Errorf("%s holds plaintext (%q)", path, marker)
			}
		}
		return nil
	}))
	require.NotZero(t, scanned)
}

// requireRefusal checks that err is the object store's refusal naming the lake's principal and the key.
func requireRefusal(t *testing.T, e *env, err error) {
	t.Helper()
	require.Error(t, err)
	var de *objstore.DeliveryError
	require.True(t, errors.As(err, &de), "%v", err)
	require.Equal(t, table.Principal, de.Principal)
	require.Equal(t, "kms:GenerateDataKey", de.Action)
	require.Equal(t, e.key, de.Resource)
	require.Contains(t, err.Error(), "add a statement to the key policy of "+e.key)
}

func TestKeyPolicyRefusalCommitsNothing(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement))
	src, err := table.AWS("vpc_flow")
	require.NoError(t, err)
	_, err = e.lake.Table(ctx, src)
	requireRefusal(t, e, err)
	require.NoError(t, e.st.KMS.PutKeyPolicy(ctx, root, e.key, "default", keyPolicy(accountStatement, lakeStatement), false))
	vpc := openTable(t, e, "vpc_flow")

	require.NoError(t, e.st.KMS.PutKeyPolicy(ctx, root, e.key, "default", keyPolicy(accountStatement, lakeReadStatement), false))
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	_, err = vpc.Append(ctx, flows)
	requireRefusal(t, e, err)
	it, err := vpc.Load(ctx)
	require.NoError(t, err)
	require.Nil(t, it.CurrentSnapshot(), "nothing committed")
	out, err := e.st.Objects.ListObjects(ctx, root, objstore.ListInput{Bucket: bucket, Prefix: "aws/VPC_FLOW/2.0/data/"})
	require.NoError(t, err)
	require.Empty(t, out.Objects, "no data file written")

	require.NoError(t, e.st.KMS.PutKeyPolicy(ctx, root, e.key, "default", keyPolicy(accountStatement, lakeStatement), false))
	_, err = vpc.Append(ctx, flows)
	require.NoError(t, err)
	rows, _ := count(t, vpc, nil)
	require.EqualValues(t, len(flows.Events), rows)
}

// readDataFile fetches a data file through S3 (decrypted, as the bucket's owner) and opens it with parquet-go.
func readDataFile(t *testing.T, e *env, path string) *parquet.File {
	t.Helper()
	key := strings.TrimPrefix(path, "s3://"+bucket+"/")
	out, err := e.st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: bucket, Key: key})
	require.NoError(t, err)
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	require.NoError(t, err)
	require.Equal(t, objstore.SSEKMS, out.Object.SSE.Algorithm)
	require.Equal(t, e.key, out.Object.SSE.KeyARN)
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	return f
}

// TestDataFilesAreSortedZstdParquetWithTheLakeColumns reads a data file with parquet-go, not iceberg-go: rows
// sorted by time, zstd, and the partition columns filled.
func TestDataFilesAreSortedZstdParquetWithTheLakeColumns(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	slices.Reverse(flows.Events) // the file must come out sorted whatever the order given
	got, err := vpc.Append(ctx, flows)
	require.NoError(t, err)
	f := readDataFile(t, e, got.Files[0])
	require.EqualValues(t, len(flows.Events), f.NumRows())
	columns := map[string]int{}
	for i, path := range f.Schema().Columns() {
		columns[strings.Join(path, ".")] = i
	}
	for _, rg := range f.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			require.Equal(t, format.Zstd, cc.MetaData.Codec)
		}
	}
	rows := make([]parquet.Row, f.NumRows())
	n, _ := f.RowGroups()[0].Rows().ReadRows(rows)
	require.EqualValues(t, f.NumRows(), n)
	var last int64
	for _, row := range rows {
		values := map[int]parquet.Value{}
		for _, v := range row {
			values[v.Column()] = v
		}
		require.Equal(t, "us-east-1", values[columns["region"]].String())
		require.Equal(t, acct, values[columns["accountid"]].String())
		require.Equal(t, "20231114", values[columns["eventday"]].String())
		tm := values[columns["time"]].Int64()
		require.GreaterOrEqual(t, tm, last, "rows sorted by time")
		last = tm
	}
}

// TestConcurrentAppendsLoseNoCommit appends from several goroutines, each with its own handle on the table, as
// several writers would: every append is committed.
func TestConcurrentAppendsLoseNoCommit(t *testing.T) { onBothStores(t, concurrentAppends) }

// onBothStores runs f on SQLite, and on PostgreSQL when SECLAKE_TEST_POSTGRES is set.
func onBothStores(t *testing.T, f func(*testing.T, *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, newEnv(t, keyPolicy(accountStatement, lakeStatement))) })
	t.Run("postgres", func(t *testing.T) {
		store := stacktest.Postgres(t).(sqlStore)
		f(t, newEnvOn(t, keyPolicy(accountStatement, lakeStatement), store, "postgres", t.TempDir()))
	})
}

func concurrentAppends(t *testing.T, e *env) {
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	openTable(t, e, "vpc_flow")
	const writers, appends = 4, 3
	var g errgroup.Group
	for range writers {
		tbl := openTable(t, e, "vpc_flow")
		g.Go(func() error {
			for range appends {
				if _, err := tbl.Append(ctx, flows); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	rows, files := count(t, openTable(t, e, "vpc_flow"), nil)
	require.EqualValues(t, writers*appends*len(flows.Events), rows)
	require.Equal(t, writers*appends, files)
}

func TestEventsWithoutAPartitionAreRefused(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	ct := openTable(t, e, "cloud_trail_mgmt")
	mgmt := normalize(t, cloudtrail.New(), "../source/cloudtrail/testdata/management.json", "cloud_trail_mgmt")
	mgmt.Account = ""
	_, err := ct.Append(ctx, mgmt)
	require.ErrorContains(t, err, "has no valid region and account")
	mgmt.Account = "../../x"
	_, err = ct.Append(ctx, mgmt)
	require.ErrorContains(t, err, "has no valid region and account")
	it, err := ct.Load(ctx)
	require.NoError(t, err)
	require.Nil(t, it.CurrentSnapshot())
}

func TestCustomSourceTable(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpcShape, err := table.AWS("vpc_flow")
	require.NoError(t, err)
	tbl, err := e.lake.Table(ctx, table.Source{Shape: vpcShape.Shape, Custom: "my-flows", Version: "1.0"})
	require.NoError(t, err)
	require.Equal(t, "s3://"+bucket+"/ext/my-flows/1.0", tbl.Location())
	require.Equal(t, "amazon_security_lake_table_us_east_1_ext_my_flows_1_0", tbl.Name())
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	got, err := tbl.Append(ctx, flows)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(got.Files[0], "s3://"+bucket+"/ext/my-flows/1.0/data/"))
}

// TestTableMetadata checks the Iceberg metadata as another engine would read it: format v2, the location, the
// three identity partitions, every column optional, the name mapping that lets readers find the columns of files
// without field IDs.
func TestTableMetadata(t *testing.T) {
	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	_, err := vpc.Append(ctx, normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow"))
	require.NoError(t, err)
	it, err := vpc.Load(ctx)
	require.NoError(t, err)
	md := it.Metadata()
	require.Equal(t, 2, md.Version())
	require.Equal(t, vpc.Location(), md.Location())
	require.True(t, strings.HasPrefix(it.MetadataLocation(), vpc.Location()+"/metadata/"))
	var parts []string
	spec := it.Spec()
	for _, f := range spec.Fields() {
		require.Equal(t, iceberg.IdentityTransform{}, f.Transform)
		parts = append(parts, f.Name)
	}
	require.Equal(t, []string{"region", "accountid", "eventday"}, parts)
	for _, f := range it.Schema().Fields() {
		require.False(t, f.Required, f.Name)
	}
	require.NotNil(t, it.NameMapping())
	require.Equal(t, "zstd", it.Properties()["write.parquet.compression-codec"])
}
