package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/table"
)

// TestIndependentReaders proves the lake's tables are real Iceberg and real Parquet to readers that share no code
// with seclake or iceberg-go: raw files of five sources are ingested through a registered location; then for
// each table, Debian's python3-avro parses the current snapshot's manifest list and manifests (fetched through
// seclake's S3 API) and finds the same data files and record counts iceberg-go plans, summing to the ingested
// rows; and DuckDB (the @duckdb/node-api npm package) counts the rows of those data files, fetched through the
// S3 API, file by file and in total. The manifests' time_dt bounds, decoded by python as the Iceberg spec has a
// timestamptz (microseconds), are the lowest and highest time_dt DuckDB reads in each file: an engine pruning
// files on time_dt through the catalog keeps the files that hold matching rows.
func TestIndependentReaders(t *testing.T) {
	requireTool(t, "aws")
	py := avroPython(t)
	duck := duckdbReader(t)
	s := startServer(t, withConfig(shortFlush))
	_, err := s.aws(t, "s3", "mb", "s3://raw-logs")
	require.NoError(t, err)
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs", "--grant-access")
	require.Equal(t, 0, code, out)
	dir := t.TempDir()
	files := rawFiles[1:] // not CloudTrail: seclake's own API calls keep adding rows to that table
	for _, f := range files {
		_, err = s.aws(t, "s3", "cp", writeRaw(t, dir, f), "s3://raw-logs/"+f.key)
		require.NoError(t, err)
	}
	waitIngested(t, s, int64(len(files)))

	lake, err := s.app.Lakes().Open(context.Background(), testAccount, testRegion)
	require.NoError(t, err)
	for _, f := range files {
		want := ingestedRows(t, f.testdata)
		planned, current := plannedFiles(t, lake, f.table)
		require.NotEmpty(t, planned, f.table)

		avro := avroManifests(t, s, py, current.metadata)
		require.Equal(t, current.snapshot, avro.Snapshot, "%s: the metadata JSON's current snapshot", f.table)
		require.Equal(t, planned, avro.Files, "%s: python3-avro's data files and record counts are iceberg-go's", f.table)
		require.NotEmpty(t, avro.Manifests, f.table)
		require.Equal(t, want, sum(avro.Files), "%s: the manifests' record counts sum to the ingested rows", f.table)

		local := map[string]string{}
		for path := range planned {
			local[path] = fetchObject(t, s, dir, path)
		}
		counts := duckdbCount(t, duck, local)
		require.Equal(t, want, counts.Total, "%s: DuckDB counts the ingested rows", f.table)
		for path, n := range planned {
			require.Equal(t, n, counts.Files[local[path]], "%s: DuckDB's count of %s", f.table, path)
			read := counts.TimeDT[local[path]]
			require.NotNil(t, read[0], "%s: time_dt of %s", f.table, path)
			require.Equal(t, read, avro.TimeDT[path], "%s: the manifest's time_dt bounds (µs) of %s", f.table, path)
		}
	}
}

// tableState is where iceberg-go finds a table: its metadata JSON and current snapshot.
type tableState struct {
	metadata string
	snapshot int64
}

// plannedFiles returns the data files (path → record count) iceberg-go plans for a full scan of the table, and
// the table's metadata JSON and current snapshot.
func plannedFiles(t *testing.T, lake *table.Lake, name string) (map[string]int64, tableState) {
	t.Helper()
	src, err := table.AWS(name)
	require.NoError(t, err)
	tbl, err := lake.Table(context.Background(), src)
	require.NoError(t, err)
	it, err := tbl.Load(context.Background())
	require.NoError(t, err)
	tasks, err := it.Scan().PlanFiles(context.Background())
	require.NoError(t, err)
	files := map[string]int64{}
	for _, task := range tasks {
		require.Empty(t, task.DeleteFiles, "the lake only appends")
		files[task.File.FilePath()] = task.File.Count()
	}
	require.NotNil(t, it.CurrentSnapshot())
	return files, tableState{metadata: it.MetadataLocation(), snapshot: it.CurrentSnapshot().SnapshotID}
}

// avroReport is what testdata/avro-reader/manifests.py prints.
type avroReport struct {
	Snapshot  int64
	Manifests []string
	Files     map[string]int64
	// TimeDT is each data file's lower and upper bound of time_dt, in microseconds.
	TimeDT map[string][2]*int64 `json:"time_dt"`
}

// avroManifests reads the table's current snapshot from its metadata JSON with python3-avro.
func avroManifests(t *testing.T, s *server, python, metadata string) avroReport {
	t.Helper()
	script, err := filepath.Abs("testdata/avro-reader/manifests.py")
	require.NoError(t, err)
	out := runTool(t, "", cliEnv(testKeyID, testSecret, ""), python, script, metadata, s.URL)
	var r avroReport
	require.NoError(t, json.Unmarshal(out, &r), truncate(string(out), 2000))
	return r
}

// duckdbCounts is what testdata/duckdb-reader/count.mjs prints.
type duckdbCounts struct {
	Total int64
	Files map[string]int64
	// TimeDT is each file's lowest and highest time_dt, in microseconds.
	TimeDT map[string][2]*int64 `json:"time_dt"`
}

// duckdbCount counts the rows of the local Parquet files with DuckDB.
func duckdbCount(t *testing.T, dir string, local map[string]string) duckdbCounts {
	t.Helper()
	args := []string{"count.mjs"}
	for _, p := range local {
		args = append(args, p)
	}
	out := runTool(t, dir, []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, "node", args...)
	var c duckdbCounts
	require.NoError(t, json.Unmarshal(out, &c), truncate(string(out), 2000))
	return c
}

// fetchObject reads an s3:// object through seclake's S3 API (aws s3 cp to stdout) into a 0600 file in dir.
func fetchObject(t *testing.T, s *server, dir, url string) string {
	t.Helper()
	body, err := s.aws(t, "s3", "cp", url, "-")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(body, "PAR1"), "%s is Parquet through the S3 API", url)
	p := filepath.Join(dir, strings.NewReplacer("/", "_", ":", "_").Replace(url))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

// avroPython returns a Python interpreter that has Debian's python3-avro (the machine's python3 may be another
// installation than Debian's), or skips.
func avroPython(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import avro.datafile").Run() == nil {
			return py
		}
	}
	t.Skip("python3-avro is not installed (apt-get install python3-avro; .ci/run installs it)")
	return ""
}

// duckdbReader installs testdata/duckdb-reader's locked npm packages (npm ci, cached in ~/.cache/npm) and
// returns its directory, or skips when node or npm is missing.
func duckdbReader(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: the DuckDB reader needs Node.js and npm (.ci/run installs them)", tool)
		}
	}
	dir, err := filepath.Abs("testdata/duckdb-reader")
	require.NoError(t, err)
	home, err := os.UserHomeDir()
	require.NoError(t, err)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home}
	runTool(t, dir, env, "npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--cache", filepath.Join(home, ".cache", "npm"))
	return dir
}

// runTool runs a command in dir with env and returns its stdout; it fails the test with its stderr.
func runTool(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "%s: %s", name, truncate(stderr.String(), 2000))
	return stdout.Bytes()
}

// ingestedRows is the number of rows a test file becomes through a location: the events of its golden file, and
// the records the golden file sets aside only because the object's time is unknown (a location knows it: the
// object's Last-Modified time).
func ingestedRows(t *testing.T, testdata string) int64 {
	t.Helper()
	n := int64(goldenLines(t, testdata))
	aside, err := os.ReadFile(filepath.Join("../../internal/source", strings.TrimSuffix(testdata, filepath.Ext(testdata))+".setaside.txt"))
	if os.IsNotExist(err) {
		return n
	}
	require.NoError(t, err)
	return n + int64(bytes.Count(aside, []byte("the object's time is unknown")))
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
