package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

const (
	lakeDatabase = "amazon_security_lake_glue_db_us_east_1"
	cloudTrail   = "amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0"
)

// cloudTrailLake starts a server whose lake holds the CloudTrail golden file's events (ingested from a raw
// file through an ingest location), with a bucket athena-results for query results. It returns the server
// and how many rows the file made (eventday < 20250101; seclake's own calls are rows of today).
func cloudTrailLake(t *testing.T, cfg func(*config.Config)) (*server, int) {
	t.Helper()
	requireTool(t, "aws")
	s := startServer(t, withConfig(func(c *config.Config) {
		shortFlush(c)
		if cfg != nil {
			cfg(c)
		}
	}))
	f := rawFiles[0]
	local := writeRaw(t, t.TempDir(), f)
	for _, cmd := range [][]string{{"s3", "mb", "s3://raw-logs"}, {"s3", "mb", "s3://athena-results"}, {"s3", "cp", local, "s3://raw-logs/" + f.key}} {
		_, err := s.aws(t, cmd...)
		require.NoError(t, err)
	}
	out, code := runSeclakeEnv(t, append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL), "ingest", "add", "--bucket", "raw-logs", "--grant-access")
	require.Equal(t, 0, code, out)
	waitIngested(t, s, 1)
	return s, goldenLines(t, f.testdata)
}

type athenaExecution struct {
	QueryExecution struct {
		QueryExecutionId, Query, StatementType, WorkGroup string
		ResultConfiguration                               struct{ OutputLocation string }
		Status                                            struct {
			State, StateChangeReason string
			AthenaError              *struct {
				ErrorCategory int
				ErrorMessage  string
			}
		}
		Statistics struct{ DataScannedInBytes, EngineExecutionTimeInMillis, TotalExecutionTimeInMillis int64 }
	}
}

// startQuery runs aws athena start-query-execution with args and returns the execution's ID.
func startQuery(t *testing.T, s *server, sql string, args ...string) string {
	t.Helper()
	var out struct{ QueryExecutionId string }
	awsJSON(t, s, &out, append([]string{"athena", "start-query-execution", "--query-string", sql}, args...)...)
	require.NotEmpty(t, out.QueryExecutionId)
	return out.QueryExecutionId
}

// waitQuery polls get-query-execution until the execution is in one of states (or fails after a generous
// deadline) and returns it.
func waitQuery(t *testing.T, s *server, id string, states ...string) athenaExecution {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var x athenaExecution
		awsJSON(t, s, &x, "athena", "get-query-execution", "--query-execution-id", id)
		for _, st := range states {
			if x.QueryExecution.Status.State == st {
				return x
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("query %s is %s, not %v", id, x.QueryExecution.Status.State, states)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

type athenaResults struct {
	ResultSet struct {
		Rows []struct {
			Data []struct{ VarCharValue *string }
		}
		ResultSetMetadata struct {
			ColumnInfo []struct {
				Name, Type string
				Precision  int
			}
		}
	}
	NextToken string
}

// TestAthenaQueriesOverCloudTrailWithTheCLI is the query flow with the aws CLI over a lake of CloudTrail rows:
// start-query-execution, get-query-execution until SUCCEEDED, get-query-results with Athena's typed result
// set (header row first), the actor.user fields of the rows, the CSV Athena writes in the output location,
// list and batch-get, boto3's paginator, a failing query's reason, and `seclake query` in each output format.
func TestAthenaQueriesOverCloudTrailWithTheCLI(t *testing.T) {
	s, want := cloudTrailLake(t, nil)
	ctxArgs := []string{"--query-execution-context", "Database=" + lakeDatabase, "--result-configuration", "OutputLocation=s3://athena-results/q/"}
	countSQL := "SELECT count(*) AS n FROM " + cloudTrail + " WHERE eventday < '20250101'"
	id := startQuery(t, s, countSQL, ctxArgs...)
	x := waitQuery(t, s, id, "SUCCEEDED", "FAILED")
	q := x.QueryExecution
	require.Equal(t, "SUCCEEDED", q.Status.State, q.Status.StateChangeReason)
	require.Equal(t, "s3://athena-results/q/"+id+".csv", q.ResultConfiguration.OutputLocation)
	require.Equal(t, "DML", q.StatementType)
	require.Equal(t, "primary", q.WorkGroup)
	require.Positive(t, q.Statistics.DataScannedInBytes)

	var res athenaResults
	awsJSON(t, s, &res, "athena", "get-query-results", "--query-execution-id", id)
	require.Len(t, res.ResultSet.Rows, 2)
	require.Equal(t, "n", *res.ResultSet.Rows[0].Data[0].VarCharValue)
	require.Equal(t, strconv.Itoa(want), *res.ResultSet.Rows[1].Data[0].VarCharValue)
	require.Equal(t, "bigint", res.ResultSet.ResultSetMetadata.ColumnInfo[0].Type)
	require.Equal(t, 19, res.ResultSet.ResultSetMetadata.ColumnInfo[0].Precision)

	csvOut, err := s.aws(t, "s3", "cp", "s3://athena-results/q/"+id+".csv", "-")
	require.NoError(t, err)
	require.Equal(t, "\"n\"\n\""+strconv.Itoa(want)+"\"\n", csvOut)

	// The guide's question: who called what. actor.user fields come back as columns.
	users := startQuery(t, s, "SELECT actor.user.uid AS uid, actor.user.type AS type, api.operation AS operation FROM "+cloudTrail+
		" WHERE eventday < '20250101' ORDER BY time", ctxArgs...)
	require.Equal(t, "SUCCEEDED", waitQuery(t, s, users, "SUCCEEDED", "FAILED").QueryExecution.Status.State)
	// boto3 pages through them two rows at a time.
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, json, os
c = boto3.client("athena", endpoint_url=os.environ["ENDPOINT"])
rows, pages = [], 0
for page in c.get_paginator("get_query_results").paginate(QueryExecutionId="`+users+`", PaginationConfig={"PageSize": 2}):
    pages += 1
    rows += [[d.get("VarCharValue") for d in r["Data"]] for r in page["ResultSet"]["Rows"]]
print(json.dumps({"pages": pages, "rows": rows}))
`)
	require.NoError(t, err)
	var paged struct {
		Pages int
		Rows  [][]*string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &paged))
	require.Len(t, paged.Rows, want+1)
	require.Equal(t, (want+2)/2, paged.Pages)
	require.Equal(t, []string{"uid", "type", "operation"}, []string{*paged.Rows[0][0], *paged.Rows[0][1], *paged.Rows[0][2]})
	withUser := 0
	for _, r := range paged.Rows[1:] {
		if r[0] != nil && *r[0] != "" && r[2] != nil {
			withUser++
		}
	}
	require.Positive(t, withUser, "rows carry actor.user.uid")

	// The guide's subscriber flow, within one account: a database and a resource link to the lake's table,
	// queried through Athena.
	awsJSON(t, s, nil, "glue", "create-database", "--database-input", `{"Name":"subscriber_db"}`)
	awsJSON(t, s, nil, "glue", "create-table", "--database-name", "subscriber_db", "--table-input",
		`{"Name":"cloudtrail_link","TargetTable":{"CatalogId":"`+testAccount+`","DatabaseName":"`+lakeDatabase+`","Name":"`+cloudTrail+`"}}`)
	linked := startQuery(t, s, "SELECT count(*) FROM cloudtrail_link WHERE eventday < '20250101'",
		"--query-execution-context", "Database=subscriber_db", "--result-configuration", "OutputLocation=s3://athena-results/q/")
	l := waitQuery(t, s, linked, "SUCCEEDED", "FAILED").QueryExecution
	require.Equal(t, "SUCCEEDED", l.Status.State, l.Status.StateChangeReason)
	awsJSON(t, s, &res, "athena", "get-query-results", "--query-execution-id", linked)
	require.Equal(t, strconv.Itoa(want), *res.ResultSet.Rows[1].Data[0].VarCharValue)

	// The catalog through Athena: AwsDataCatalog, the lake's database, the table's columns and partitions.
	var cats struct {
		DataCatalogsSummary []struct{ CatalogName, Type string }
	}
	awsJSON(t, s, &cats, "athena", "list-data-catalogs")
	require.Equal(t, "AwsDataCatalog", cats.DataCatalogsSummary[0].CatalogName)
	var dbs struct{ DatabaseList []struct{ Name string } }
	awsJSON(t, s, &dbs, "athena", "list-databases", "--catalog-name", "AwsDataCatalog")
	require.Contains(t, dbs.DatabaseList, struct{ Name string }{lakeDatabase})
	var tmd struct {
		TableMetadata struct {
			Name                   string
			Columns, PartitionKeys []struct{ Name, Type string }
		}
	}
	awsJSON(t, s, &tmd, "athena", "get-table-metadata", "--catalog-name", "AwsDataCatalog", "--database-name", lakeDatabase, "--table-name", cloudTrail)
	require.Equal(t, cloudTrail, tmd.TableMetadata.Name)
	require.Contains(t, tmd.TableMetadata.PartitionKeys, struct{ Name, Type string }{"eventday", "string"})
	var actor string
	for _, c := range tmd.TableMetadata.Columns {
		if c.Name == "actor" {
			actor = c.Type
		}
	}
	require.Contains(t, actor, "user:struct<")
	var tables struct{ TableMetadataList []struct{ Name string } }
	awsJSON(t, s, &tables, "athena", "list-table-metadata", "--catalog-name", "AwsDataCatalog", "--database-name", lakeDatabase, "--expression", "cloud_trail")
	require.Len(t, tables.TableMetadataList, 1)
	_, err = s.aws(t, "athena", "get-database", "--catalog-name", "AwsDataCatalog", "--database-name", "no_such_db")
	require.ErrorContains(t, err, "MetadataException")

	var list struct{ QueryExecutionIds []string }
	awsJSON(t, s, &list, "athena", "list-query-executions")
	require.Equal(t, []string{linked, users, id}, list.QueryExecutionIds, "newest first")
	var batch struct {
		QueryExecutions              []struct{ QueryExecutionId string }
		UnprocessedQueryExecutionIds []struct{ QueryExecutionId, ErrorCode string }
	}
	awsJSON(t, s, &batch, "athena", "batch-get-query-execution", "--query-execution-ids", id, "00000000-0000-4000-8000-000000000000")
	require.Len(t, batch.QueryExecutions, 1)
	require.Equal(t, "00000000-0000-4000-8000-000000000000", batch.UnprocessedQueryExecutionIds[0].QueryExecutionId)

	// A query the engine refuses fails with its reason; its results cannot be read.
	bad := startQuery(t, s, "SELECT no_such_column FROM "+cloudTrail, ctxArgs...)
	b := waitQuery(t, s, bad, "SUCCEEDED", "FAILED").QueryExecution
	require.Equal(t, "FAILED", b.Status.State)
	require.Contains(t, b.Status.StateChangeReason, "COLUMN_NOT_FOUND")
	require.Equal(t, 2, b.Status.AthenaError.ErrorCategory)
	_, err = s.aws(t, "athena", "get-query-results", "--query-execution-id", bad)
	require.ErrorContains(t, err, "Query did not finish successfully. Final query state: FAILED")

	// A catalog other than AwsDataCatalog (another account's ID included) is no catalog of the caller's.
	other := startQuery(t, s, "SELECT count(*) FROM "+cloudTrail, "--query-execution-context",
		"Catalog=999988887777,Database="+lakeDatabase, "--result-configuration", "OutputLocation=s3://athena-results/q/")
	o := waitQuery(t, s, other, "SUCCEEDED", "FAILED").QueryExecution
	require.Equal(t, "FAILED", o.Status.State)
	require.Contains(t, o.Status.StateChangeReason, "CATALOG_NOT_FOUND")

	// seclake query: the same API with the user's credentials.
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	base := []string{"query", "--database", lakeDatabase, "--output-location", "s3://athena-results/cli/"}
	got, code := seclakeQuery(t, env, append(base, "--output", "csv", countSQL)...)
	require.Equal(t, 0, code, got)
	require.Equal(t, "n\n"+strconv.Itoa(want)+"\n", got)
	got, code = seclakeQuery(t, env, append(base, "--output", "json", "SELECT 1 AS one, NULL AS nothing, 'x' AS s")...)
	require.Equal(t, 0, code, got)
	require.Equal(t, `{"one":"1","nothing":null,"s":"x"}`+"\n", got)
	got, code = seclakeQuery(t, env, append(base, countSQL)...)
	require.Equal(t, 0, code, got)
	n := strconv.Itoa(want)
	require.Equal(t, "n\n"+strings.Repeat("-", len(n))+"\n"+n+"\n(1 rows)\n", got)
	got, code = runSeclakeEnv(t, env, append(base, "SELECT no_such_column FROM "+cloudTrail)...)
	require.Equal(t, 1, code, got)
	require.Contains(t, got, "FAILED: COLUMN_NOT_FOUND")
}

// TestAthenaResultsUnderSSEKMS: a work group's SSE_KMS configuration encrypts the result files under its key
// (ciphertext on disk), and a key whose policy does not let the caller use it fails the query with Athena's
// access-denied reason naming the missing permission.
func TestAthenaResultsUnderSSEKMS(t *testing.T) {
	s, _ := cloudTrailLake(t, nil)
	var key struct{ KeyMetadata struct{ Arn string } }
	awsJSON(t, s, &key, "kms", "create-key")
	awsJSON(t, s, nil, "athena", "create-work-group", "--name", "sealed", "--configuration",
		`{"ResultConfiguration":{"OutputLocation":"s3://athena-results/sealed/","EncryptionConfiguration":{"EncryptionOption":"SSE_KMS","KmsKey":"`+key.KeyMetadata.Arn+`"}}}`)
	// The marker is computed, so that it appears in the results only, not in the query's text.
	id := startQuery(t, s, "SELECT upper('athena-marker-7f3a') AS m, count(*) AS n FROM "+lakeDatabase+"."+cloudTrail, "--work-group", "sealed")
	require.Equal(t, "SUCCEEDED", waitQuery(t, s, id, "SUCCEEDED", "FAILED").QueryExecution.Status.State)
	var head struct{ ServerSideEncryption, SSEKMSKeyId string }
	awsJSON(t, s, &head, "s3api", "head-object", "--bucket", "athena-results", "--key", "sealed/"+id+".csv")
	require.Equal(t, "aws:kms", head.ServerSideEncryption)
	require.Equal(t, key.KeyMetadata.Arn, head.SSEKMSKeyId)
	var res athenaResults
	awsJSON(t, s, &res, "athena", "get-query-results", "--query-execution-id", id)
	require.Equal(t, "ATHENA-MARKER-7F3A", *res.ResultSet.Rows[1].Data[0].VarCharValue)
	require.NoError(t, filepath.WalkDir(s.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, []byte("ATHENA-MARKER-7F3A")) {
			t.Errorf("%s holds a result value in plaintext", path)
		}
		return nil
	}))

	other := `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyAnotherAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}]}`
	var locked struct{ KeyMetadata struct{ Arn string } }
	awsJSON(t, s, &locked, "kms", "create-key", "--policy", other, "--bypass-policy-lockout-safety-check")
	refused := startQuery(t, s, "SELECT 1", "--result-configuration",
		"OutputLocation=s3://athena-results/refused/,EncryptionConfiguration={EncryptionOption=SSE_KMS,KmsKey="+locked.KeyMetadata.Arn+"}")
	x := waitQuery(t, s, refused, "SUCCEEDED", "FAILED").QueryExecution
	require.Equal(t, "FAILED", x.Status.State)
	require.Contains(t, x.Status.StateChangeReason, "Access denied when writing output to url: s3://athena-results/refused/"+refused+".csv")
	require.Contains(t, x.Status.StateChangeReason, "kms:GenerateDataKey")
}

// TestAthenaConcurrencyLimitAndStop: with athena.concurrency 1, a second query waits QUEUED behind one that
// runs until stopped; StopQueryExecution interrupts the running one (CANCELLED) and the queued one then runs.
func TestAthenaConcurrencyLimitAndStop(t *testing.T) {
	requireTool(t, "aws")
	s := startServer(t, withConfig(func(c *config.Config) { c.Athena.Concurrency = 1 }))
	_, err := s.aws(t, "s3", "mb", "s3://athena-results")
	require.NoError(t, err)
	loc := []string{"--result-configuration", "OutputLocation=s3://athena-results/"}
	endless := startQuery(t, s, "SELECT sum(range % 7) FROM range(1000000000000)", loc...)
	waitQuery(t, s, endless, "RUNNING")
	next := startQuery(t, s, "SELECT 42 AS answer", loc...)
	var x athenaExecution
	for range 5 { // however often we look, it waits
		awsJSON(t, s, &x, "athena", "get-query-execution", "--query-execution-id", next)
		if x.QueryExecution.Status.State != "QUEUED" {
			var e athenaExecution
			awsJSON(t, s, &e, "athena", "get-query-execution", "--query-execution-id", endless)
			t.Fatalf("the second query is %s while the first is %s (%s)", x.QueryExecution.Status.State, e.QueryExecution.Status.State, e.QueryExecution.Status.StateChangeReason)
		}
	}
	awsJSON(t, s, nil, "athena", "stop-query-execution", "--query-execution-id", endless)
	stopped := waitQuery(t, s, endless, "CANCELLED").QueryExecution
	require.Equal(t, "Query cancelled by user", stopped.Status.StateChangeReason)
	require.Equal(t, "SUCCEEDED", waitQuery(t, s, next, "SUCCEEDED", "FAILED").QueryExecution.Status.State)
	var res athenaResults
	awsJSON(t, s, &res, "athena", "get-query-results", "--query-execution-id", next)
	require.Equal(t, "42", *res.ResultSet.Rows[1].Data[0].VarCharValue)
}

// seclakeQuery runs the seclake binary with args and returns its stdout alone (the progress line of a slow
// query goes to stderr) and exit code; stderr is in the failure message of a non-zero exit.
func seclakeQuery(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, seclakeBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return stdout.String() + stderr.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return stdout.String(), 0
}
