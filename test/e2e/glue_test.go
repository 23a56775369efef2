package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/cloudtrail"
	"github.com/seclake/seclake/internal/source/route53"
	"github.com/seclake/seclake/internal/source/securityhub"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/source/waf"
	"github.com/seclake/seclake/internal/table"
)

const lakeDB = "amazon_security_lake_glue_db_us_east_1"

// lakeRows is what a test appended to the lake's tables: rows per table name.
type lakeRows struct {
	bucket string
	rows   map[string]int64
	lake   *table.Lake
}

// collectBatches keeps a source's batches.
type collectBatches struct{ batches []source.Batch }

func (c *collectBatches) Events(b source.Batch) error    { c.batches = append(c.batches, b); return nil }
func (c *collectBatches) SetAside(source.SetAside) error { return nil }

// fillLake creates the account's lake in us-east-1 and appends the test files of five Security Lake sources
// (VPC flow, CloudTrail, Route 53, Security Hub, WAF) to their tables, in process (what ingestion will do).
func fillLake(t testing.TB, s *server) lakeRows {
	t.Helper()
	ctx := context.Background()
	root := &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: testAccount,
		ARN: actor.RootARN(testAccount), ID: testAccount}, Region: testRegion}
	info, err := s.app.Lakes().Create(ctx, root, testRegion, "")
	require.NoError(t, err)
	lake, err := s.app.Lakes().Open(ctx, testAccount, testRegion)
	require.NoError(t, err)
	out := lakeRows{bucket: info.Bucket, rows: map[string]int64{}, lake: lake}
	// Not eks_audit yet: its test events carry a user ARN as cloud.account.uid, which the table refuses.
	for _, name := range []string{"vpc_flow", "cloud_trail_mgmt", "route53", "sh_findings", "waf"} {
		src, err := table.AWS(name)
		require.NoError(t, err)
		tbl, err := lake.Table(ctx, src)
		require.NoError(t, err)
		got, err := tbl.Append(ctx, lakeBatch(t, name))
		require.NoError(t, err)
		out.rows[tbl.Name()] += int64(got.Rows)
	}
	return out
}

// lakeBatch is the events of a test file normalized for the Security Lake table name ("vpc_flow",
// "cloud_trail_mgmt").
func lakeBatch(t testing.TB, name string) table.Batch {
	t.Helper()
	in := map[string]struct {
		src  source.Source
		file string
	}{
		"vpc_flow":         {vpcflow.New(), "../../internal/source/vpcflow/testdata/default-v2.log"},
		"cloud_trail_mgmt": {cloudtrail.New(), "../../internal/source/cloudtrail/testdata/lines.jsonl"},
		"route53":          {route53.New(), "../../internal/source/route53/testdata/cwl-export.log"},
		"sh_findings":      {securityhub.New(), "../../internal/source/securityhub/testdata/eventbridge.json"},
		"waf":              {waf.New(), "../../internal/source/waf/testdata/actions.log"},
	}[name]
	data, err := os.ReadFile(in.file)
	require.NoError(t, err)
	var c collectBatches
	_, err = in.src.Normalize(context.Background(), source.Object{Name: in.file, Body: bytes.NewReader(data),
		Account: testAccount, Region: testRegion}, &c)
	require.NoError(t, err)
	b := table.Batch{Account: testAccount, Region: testRegion}
	for _, sb := range c.batches {
		if sb.Table == name {
			b.Events = append(b.Events, sb.Events...)
		}
	}
	require.NotEmpty(t, b.Events, in.file)
	return b
}

// TestGlueReadsTheLakeWithBoto3: boto3's glue client sees the lake's database and its Iceberg tables as Security
// Lake's Glue tables (ICEBERG, metadata_location, the s3:// location, Hive-typed columns) and their partitions;
// keeps a resource link and a Hive table with their versions; and answers Glue's errors.
func TestGlueReadsTheLakeWithBoto3(t *testing.T) {
	s := startServer(t)
	lr := fillLake(t, s)
	script := `
import boto3, json, os
g = boto3.client("glue", endpoint_url=os.environ["ENDPOINT"])
out = {}
out["dbs"] = [d["Name"] for d in g.get_databases()["DatabaseList"]]
ts = g.get_tables(DatabaseName="` + lakeDB + `")["TableList"]
out["tables"] = {t["Name"]: {"type": t["Parameters"]["table_type"], "meta": t["Parameters"]["metadata_location"],
    "loc": t["StorageDescriptor"]["Location"], "cols": {c["Name"]: c["Type"] for c in t["StorageDescriptor"]["Columns"]}}
    for t in ts}
pages = list(g.get_paginator("get_tables").paginate(DatabaseName="` + lakeDB + `", PaginationConfig={"PageSize": 1}))
out["paged"] = [[t["Name"] for t in p["TableList"]] for p in pages]
parts = g.get_partitions(DatabaseName="` + lakeDB + `", TableName="amazon_security_lake_table_us_east_1_vpc_flow_2_0")
out["partitions"] = [p["Values"] for p in parts["Partitions"]]
ivs = g.get_table_versions(DatabaseName="` + lakeDB + `", TableName="amazon_security_lake_table_us_east_1_vpc_flow_2_0")
out["iceberg_versions"] = [[v["VersionId"], v["Table"]["Parameters"]["metadata_location"]] for v in ivs["TableVersions"]]
g.create_database(DatabaseInput={"Name": "analytics", "Description": "links"})
g.create_table(DatabaseName="analytics", TableInput={"Name": "flows", "TargetTable": {"CatalogId": "` + testAccount + `",
    "DatabaseName": "` + lakeDB + `", "Name": "amazon_security_lake_table_us_east_1_vpc_flow_2_0", "Region": "us-east-1"}})
out["link"] = g.get_table(DatabaseName="analytics", Name="flows")["Table"].get("TargetTable")
hive = {"Name": "notes", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "string"}], "Location": "s3://x/notes/"},
    "TableType": "EXTERNAL_TABLE"}
g.create_table(DatabaseName="analytics", TableInput=hive)
hive["StorageDescriptor"]["Columns"].append({"Name": "b", "Type": "int"})
g.update_table(DatabaseName="analytics", TableInput=hive)
vs = g.get_table_versions(DatabaseName="analytics", TableName="notes")["TableVersions"]
out["versions"] = [[v["VersionId"], len(v["Table"]["StorageDescriptor"]["Columns"])] for v in vs]
out["analytics"] = sorted(t["Name"] for t in g.get_tables(DatabaseName="analytics")["TableList"])
errs = {}
for name, call in {
    "missing_table": lambda: g.get_table(DatabaseName="` + lakeDB + `", Name="nope"),
    "missing_db": lambda: g.get_database(Name="nope"),
    "duplicate": lambda: g.create_table(DatabaseName="analytics", TableInput=hive),
    "iceberg_input": lambda: g.create_table(DatabaseName="analytics", TableInput={"Name": "x", "Parameters": {"table_type": "ICEBERG"}}),
}.items():
    try:
        call()
        errs[name] = "OK"
    except g.exceptions.ClientError as e:
        errs[name] = e.response["Error"]["Code"]
out["errors"] = errs
g.delete_table(DatabaseName="analytics", Name="notes")
out["after_delete"] = sorted(t["Name"] for t in g.get_tables(DatabaseName="analytics")["TableList"])
print(json.dumps(out))
`
	stdout, err := s.python(t, testKeyID, testSecret, script)
	require.NoError(t, err)
	var got struct {
		DBs    []string
		Tables map[string]struct {
			Type, Meta, Loc string
			Cols            map[string]string
		}
		Partitions [][]string
		IceVers    [][]string `json:"iceberg_versions"`
		Paged      [][]string
		Link       map[string]string
		Versions   [][]any
		Analytics  []string
		Errors     map[string]string
		AfterDel   []string `json:"after_delete"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Contains(t, got.DBs, lakeDB)
	require.Len(t, got.Tables, len(lr.rows))
	for name := range lr.rows {
		tb, ok := got.Tables[name]
		require.True(t, ok, "table %s listed", name)
		require.Equal(t, "ICEBERG", tb.Type)
		require.True(t, strings.HasPrefix(tb.Meta, "s3://"+lr.bucket+"/aws/"), tb.Meta)
		require.True(t, strings.HasPrefix(tb.Loc, "s3://"+lr.bucket+"/aws/"), tb.Loc)
		require.Equal(t, "string", tb.Cols["region"])
		require.Equal(t, "bigint", tb.Cols["time"]) // OCSF time: epoch milliseconds
		require.True(t, strings.HasPrefix(tb.Cols["metadata"], "struct<"), tb.Cols["metadata"])
	}
	require.Len(t, got.Paged, len(lr.rows), "one table a page")
	for _, p := range got.Paged {
		require.Len(t, p, 1)
		require.Contains(t, got.Tables, p[0])
	}
	require.NotEqual(t, got.Paged[0], got.Paged[1])
	require.NotEmpty(t, got.Partitions)
	for _, p := range got.Partitions {
		require.Len(t, p, 3)
		require.Equal(t, []string{"us-east-1", testAccount}, p[:2])
		require.Len(t, p[2], 8, "eventday YYYYMMDD: %v", p)
	}
	// The table's metadata files, newest first: the append's, then the creation's.
	require.Len(t, got.IceVers, 2)
	require.Equal(t, []string{"1", "0"}, []string{got.IceVers[0][0], got.IceVers[1][0]})
	require.Equal(t, got.Tables["amazon_security_lake_table_us_east_1_vpc_flow_2_0"].Meta, got.IceVers[0][1])
	require.NotEqual(t, got.IceVers[0][1], got.IceVers[1][1])
	require.Equal(t, map[string]string{"CatalogId": testAccount, "DatabaseName": lakeDB,
		"Name": "amazon_security_lake_table_us_east_1_vpc_flow_2_0", "Region": "us-east-1"}, got.Link)
	require.Equal(t, [][]any{{"1", float64(2)}, {"0", float64(1)}}, got.Versions)
	require.Equal(t, []string{"flows", "notes"}, got.Analytics)
	require.Equal(t, map[string]string{"missing_table": "EntityNotFoundException", "missing_db": "EntityNotFoundException",
		"duplicate": "AlreadyExistsException", "iceberg_input": "InvalidInputException"}, got.Errors)
	require.Equal(t, []string{"flows"}, got.AfterDel)
}

// TestGlueGetTablesWithTheCLI: aws glue get-tables lists the lake's tables, and the README's commands work.
func TestGlueGetTablesWithTheCLI(t *testing.T) {
	s := startServer(t)
	lr := fillLake(t, s)
	out, err := s.aws(t, "glue", "get-tables", "--database-name", lakeDB)
	require.NoError(t, err)
	var res struct {
		TableList []struct {
			Name, DatabaseName string
			Parameters         map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	var names []string
	for _, tb := range res.TableList {
		require.Equal(t, lakeDB, tb.DatabaseName)
		require.Equal(t, "ICEBERG", tb.Parameters["table_type"])
		names = append(names, tb.Name)
	}
	for name := range lr.rows {
		require.Contains(t, names, name)
	}

	// The README's commands.
	out, err = s.aws(t, "glue", "get-partitions", "--database-name", lakeDB,
		"--table-name", "amazon_security_lake_table_us_east_1_vpc_flow_2_0")
	require.NoError(t, err)
	var parts struct{ Partitions []struct{ Values []string } }
	require.NoError(t, json.Unmarshal([]byte(out), &parts))
	require.NotEmpty(t, parts.Partitions)
	require.Equal(t, []string{"us-east-1", testAccount}, parts.Partitions[0].Values[:2])
	_, err = s.aws(t, "glue", "create-database", "--database-input", "Name=analytics")
	require.NoError(t, err)
	_, err = s.aws(t, "glue", "create-table", "--database-name", "analytics", "--table-input",
		`{"Name":"flows","TargetTable":{"CatalogId":"`+testAccount+`",
  "DatabaseName":"`+lakeDB+`","Name":"amazon_security_lake_table_us_east_1_vpc_flow_2_0"}}`)
	require.NoError(t, err)
	out, err = s.aws(t, "glue", "get-table", "--database-name", "analytics", "--name", "flows")
	require.NoError(t, err)
	var link struct {
		Table struct{ TargetTable map[string]string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &link))
	require.Equal(t, "amazon_security_lake_table_us_east_1_vpc_flow_2_0", link.Table.TargetTable["Name"])
	out, err = s.aws(t, "glue", "get-databases")
	require.NoError(t, err)
	var dbs struct{ DatabaseList []struct{ Name string } }
	require.NoError(t, json.Unmarshal([]byte(out), &dbs))
	require.Len(t, dbs.DatabaseList, 2)
	require.Equal(t, "analytics", dbs.DatabaseList[1].Name)
}

// TestGlueUpdateTableCommitsIcebergMetadata: an engine that commits as Iceberg's Glue catalog does — writes a
// new metadata file, then UpdateTable with metadata_location and previous_metadata_location (and VersionId) —
// moves the table to it; a stale commit is ConcurrentModificationException, another table's metadata file
// InvalidInputException.
func TestGlueUpdateTableCommitsIcebergMetadata(t *testing.T) {
	s := startServer(t)
	fillLake(t, s)
	script := `
import boto3, json, os
from botocore.config import Config
g = boto3.client("glue", endpoint_url=os.environ["ENDPOINT"])
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], config=Config(s3={"addressing_style": "path"}))
db, name = "` + lakeDB + `", "amazon_security_lake_table_us_east_1_vpc_flow_2_0"
t = g.get_table(DatabaseName=db, Name=name)["Table"]
cur = t["Parameters"]["metadata_location"]
bucket, key = cur[len("s3://"):].split("/", 1)
md = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
# what an engine writes: the same table, the current file in its metadata log
md.setdefault("metadata-log", []).append({"timestamp-ms": md["last-updated-ms"], "metadata-file": cur})
md["last-updated-ms"] += 1
body = json.dumps(md).encode()
newkey = key.rsplit("/", 1)[0] + "/99999-glue-commit.metadata.json"
s3.put_object(Bucket=bucket, Key=newkey, Body=body)
new = "s3://%s/%s" % (bucket, newkey)
def update(loc, prev, version):
    ti = {"Name": name, "TableType": "EXTERNAL_TABLE",
          "Parameters": {"table_type": "ICEBERG", "metadata_location": loc, "previous_metadata_location": prev}}
    try:
        g.update_table(DatabaseName=db, TableInput=ti, VersionId=version)
        return "OK"
    except g.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
out = {"first": update(new, cur, t["VersionId"])}
after = g.get_table(DatabaseName=db, Name=name)["Table"]
out["params"] = [after["Parameters"]["metadata_location"] == new, after["Parameters"]["previous_metadata_location"] == cur,
    after["VersionId"] != t["VersionId"]]
out["stale"] = update(new + ".x", cur, after["VersionId"])
out["stale_version"] = update(new + ".x", new, t["VersionId"])
other = g.get_table(DatabaseName=db, Name="amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0")["Table"]
out["other_table"] = update(other["Parameters"]["metadata_location"], new, after["VersionId"])
print(json.dumps(out))
`
	stdout, err := s.python(t, testKeyID, testSecret, script)
	require.NoError(t, err)
	var got struct {
		First, Stale string
		StaleVersion string `json:"stale_version"`
		OtherTable   string `json:"other_table"`
		Params       []bool
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Equal(t, "OK", got.First)
	require.Equal(t, []bool{true, true, true}, got.Params)
	require.Equal(t, "ConcurrentModificationException", got.Stale, "previous_metadata_location is not current")
	require.Equal(t, "ConcurrentModificationException", got.StaleVersion, "VersionId is not current")
	require.Equal(t, "InvalidInputException", got.OtherTable)
}
