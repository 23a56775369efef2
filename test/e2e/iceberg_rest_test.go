package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	"github.com/apache/iceberg-go/catalog/rest"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/seclake/seclake/internal/table"
)

// restCatalog is iceberg-go's REST catalog client configured as for AWS Glue's Iceberg endpoint (SigV4 with
// the signing name glue, the account as the warehouse), reading files through seclake's S3 API with the same
// credentials.
func restCatalog(t testing.TB, s *server, keyID, secret string) *rest.Catalog {
	t.Helper()
	cat, err := rest.NewCatalog(context.Background(), "seclake", s.URL+"/iceberg",
		rest.WithSigV4RegionSvc(testRegion, "glue"),
		rest.WithAwsConfig(s.sdkConfig(keyID, secret, "")),
		rest.WithWarehouseLocation(testAccount),
		rest.WithAdditionalProps(iceberg.Properties{"s3.access-key-id": keyID, "s3.secret-access-key": secret}))
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	return cat
}

// TestIcebergRESTClientReadsAndWritesTheLake: iceberg-go's REST client finds the lake's namespace and tables
// through seclake's Iceberg REST catalog, loads each table and scans it through the S3 API — the row counts are
// what was appended — and, as an engine would, creates a table, appends to it with its own file IO (the files
// land in the lake bucket under its default encryption) and commits through the catalog; seclake's own view of
// the table then counts the rows. A user allowed glue:* but nothing on S3 loads the table and cannot read it.
func TestIcebergRESTClientReadsAndWritesTheLake(t *testing.T) {
	s := startServer(t)
	lr := fillLake(t, s)
	ctx := context.Background()
	cat := restCatalog(t, s, testKeyID, testSecret)

	nss, err := cat.ListNamespaces(ctx, nil)
	require.NoError(t, err)
	require.Contains(t, nss, icetable.Identifier{lakeDB})
	var names []string
	for id, err := range cat.ListTables(ctx, icetable.Identifier{lakeDB}) {
		require.NoError(t, err)
		names = append(names, id[len(id)-1])
	}
	require.Len(t, names, len(lr.rows))
	for name, rows := range lr.rows {
		require.Contains(t, names, name)
		tbl, err := cat.LoadTable(ctx, icetable.Identifier{lakeDB, name})
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(tbl.MetadataLocation(), "s3://"+lr.bucket+"/"), tbl.MetadataLocation())
		at, err := tbl.Scan().ToArrowTable(ctx)
		require.NoError(t, err)
		require.Equal(t, rows, at.NumRows(), name)
		at.Release()
	}
	_, err = cat.LoadTable(ctx, icetable.Identifier{lakeDB, "nope"})
	require.ErrorContains(t, err, "NoSuchTable")
	sum, err := cat.UpdateNamespaceProperties(ctx, icetable.Identifier{lakeDB}, []string{"nope"},
		iceberg.Properties{"owner": "secops"})
	require.NoError(t, err)
	require.Equal(t, []string{"owner"}, sum.Updated)
	require.Equal(t, []string{"nope"}, sum.Missing)
	props, err := cat.LoadNamespaceProperties(ctx, icetable.Identifier{lakeDB})
	require.NoError(t, err)
	require.Equal(t, "secops", props["owner"])

	// An engine's append: create, write files with the client's IO, commit (assert-ref-snapshot-id,
	// assert-table-uuid, add-snapshot, set-snapshot-ref).
	sc := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64},
		iceberg.NestedField{ID: 2, Name: "note", Type: iceberg.PrimitiveTypes.String})
	created, err := cat.CreateTable(ctx, icetable.Identifier{lakeDB, "engine_notes"}, sc,
		catalog.WithProperties(iceberg.Properties{icetable.CommitNumRetriesKey: "8"})) // iceberg-go's default: 0
	require.NoError(t, err)
	require.Equal(t, "s3://"+lr.bucket+"/ext/"+lakeDB+"/engine_notes", created.Location())
	// On the trail as Glue's CloudTrail names it (the action, not the REST operation), durable before the answer.
	ev, err := cloudtrail.NewFromConfig(s.rootConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []ctypes.LookupAttribute{{AttributeKey: ctypes.LookupAttributeKeyEventName,
			AttributeValue: aws.String("CreateTable")}}})
	require.NoError(t, err)
	require.Len(t, ev.Events, 1)
	require.Equal(t, "glue.amazonaws.com", aws.ToString(ev.Events[0].EventSource))
	for round := 1; round <= 2; round++ {
		tbl, err := cat.LoadTable(ctx, icetable.Identifier{lakeDB, "engine_notes"})
		require.NoError(t, err)
		_, err = tbl.AppendTable(ctx, notes(t, 3), 1024, nil)
		require.NoError(t, err)
		n, err := lr.lake.Rows(ctx, lakeDB, "engine_notes")
		require.NoError(t, err)
		require.EqualValues(t, 3*round, n, "seclake's view after append %d", round)
	}

	// Two engines appending at once: the catalog's conditional commit refuses the loser (409
	// CommitFailedException), which retries on the new metadata (commit.retry.num-retries); no append is lost.
	var g errgroup.Group
	for w := 0; w < 2; w++ {
		engine := restCatalog(t, s, testKeyID, testSecret)
		g.Go(func() error {
			for i := 0; i < 2; i++ {
				tbl, err := engine.LoadTable(ctx, icetable.Identifier{lakeDB, "engine_notes"})
				if err != nil {
					return err
				}
				if _, err := tbl.AppendTable(ctx, notes(t, 3), 1024, nil); err != nil {
					return err
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	n, err := lr.lake.Rows(ctx, lakeDB, "engine_notes")
	require.NoError(t, err)
	require.EqualValues(t, 6+2*2*3, n)

	// glue:* alone finds the table; reading its files needs s3:GetObject on the lake bucket.
	key, secret := createUserWithKey(t, s, "catalog-only")
	_, err = iam.NewFromConfig(s.rootConfig()).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("catalog-only"),
		PolicyName: aws.String("glue"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"glue:*","Resource":"*"}]}`)})
	require.NoError(t, err)
	limited := restCatalog(t, s, key, secret)
	tbl, err := limited.LoadTable(ctx, icetable.Identifier{lakeDB, "engine_notes"})
	require.NoError(t, err)
	_, err = tbl.Scan().ToArrowTable(ctx)
	require.ErrorContains(t, err, "StatusCode: 403") // S3's HeadObject refusal has no body
}

// notes is an Arrow table of n rows (id, note).
func notes(t *testing.T, n int) arrow.Table {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append("note")
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	t.Cleanup(tbl.Release)
	return tbl
}

// TestEngineAndLakeAppendTogether: an engine appending to one of the lake's own tables through the REST catalog
// while seclake appends to it: both commit through the catalog's conditional update, the losers retry, and every
// row of both is in the table. The engine first sets the table's commit retries with a set-properties commit.
func TestEngineAndLakeAppendTogether(t *testing.T) {
	s := startServer(t)
	lr := fillLake(t, s)
	ctx := context.Background()
	name := "amazon_security_lake_table_us_east_1_vpc_flow_2_0"
	before := lr.rows[name]
	cat := restCatalog(t, s, testKeyID, testSecret)
	id := icetable.Identifier{lakeDB, name}
	tbl, err := cat.LoadTable(ctx, id)
	require.NoError(t, err)
	tx := tbl.NewTransaction()
	require.NoError(t, tx.SetProperties(iceberg.Properties{icetable.CommitNumRetriesKey: "10"}))
	_, err = tx.Commit(ctx)
	require.NoError(t, err)

	src, err := table.AWS("vpc_flow")
	require.NoError(t, err)
	own, err := lr.lake.Table(ctx, src)
	require.NoError(t, err)
	flows := lakeBatch(t, "vpc_flow")
	const rounds, engineRows = 3, 4
	var g errgroup.Group
	g.Go(func() error {
		for i := 0; i < rounds; i++ {
			if _, err := own.Append(ctx, flows); err != nil {
				return err
			}
		}
		return nil
	})
	g.Go(func() error {
		for i := 0; i < rounds; i++ {
			tbl, err := cat.LoadTable(ctx, id)
			if err != nil {
				return err
			}
			if _, err := tbl.AppendTable(ctx, partitionRows(t, tbl, engineRows), 1024, nil); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, g.Wait())
	n, err := lr.lake.Rows(ctx, lakeDB, name)
	require.NoError(t, err)
	require.EqualValues(t, before+rounds*int64(len(flows.Events))+rounds*engineRows, n)
}

// partitionRows is an Arrow table of n rows for tbl's schema: every column null but the partition columns.
func partitionRows(t testing.TB, tbl *icetable.Table, n int) arrow.Table {
	t.Helper()
	schema, err := icetable.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	require.NoError(t, err)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	values := map[string]string{"region": testRegion, "accountid": testAccount, "eventday": "20261201"}
	for i, f := range schema.Fields() {
		for j := 0; j < n; j++ {
			if v, ok := values[f.Name]; ok {
				b.Field(i).(*array.StringBuilder).Append(v)
			} else {
				b.Field(i).AppendNull()
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	at := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	t.Cleanup(at.Release)
	return at
}
