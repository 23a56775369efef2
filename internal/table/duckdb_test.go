package table_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// duckdbCount is run by node with @duckdb/node-api: it prints the row count, the distinct regions and days, and
// the number of accounts, of the Parquet file named by argv[2].
const duckdbCount = `
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  const file = process.argv[2].replace(/'/g, "''");
  const r = await conn.runAndReadAll("SELECT count(*)::INTEGER, string_agg(DISTINCT region, ','), " +
    "string_agg(DISTINCT eventday, ','), count(DISTINCT accountid)::INTEGER FROM read_parquet('" + file + "')");
  console.log(JSON.stringify(r.getRows()[0]));
})().catch((e) => { console.error(e); process.exit(1); });
`

// TestDuckDBReadsTheDataFiles is an independent reader: DuckDB (the @duckdb/node-api npm package) reads a data
// file fetched through S3 and counts its rows. Skipped without node and npm.
func TestDuckDBReadsTheDataFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("installs an npm package")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	install := exec.Command("npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "@duckdb/node-api")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm install @duckdb/node-api: %v\n%.2000s", err, out)
	}
	script := filepath.Join(dir, "count.js")
	require.NoError(t, os.WriteFile(script, []byte(duckdbCount), 0o600))

	e := newEnv(t, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(t, e, "vpc_flow")
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	got, err := vpc.Append(ctx, flows)
	require.NoError(t, err)
	key := strings.TrimPrefix(got.Files[0], "s3://"+bucket+"/")
	out, err := e.st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: bucket, Key: key})
	require.NoError(t, err)
	file := filepath.Join(dir, "data.parquet") // a test fixture: the plaintext fetched through S3
	f, err := os.Create(file)
	require.NoError(t, err)
	_, err = f.ReadFrom(out.Body)
	out.Body.Close()
	require.NoError(t, err)
	require.NoError(t, f.Close())

	cmd := exec.Command("node", script, file)
	cmd.Dir = dir
	res, err := cmd.Output()
	require.NoError(t, err, "%.2000s", res)
	var row []any
	require.NoError(t, json.Unmarshal(res, &row), "%.2000s", res)
	require.Equal(t, []any{float64(len(flows.Events)), "us-east-1", "20231114", float64(1)}, row)
}
