package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/table"
)

// rawFile is a vendor file uploaded into the location as AWS (or its exporters) lay it out.
type rawFile struct {
	testdata, key string
	gzip          bool
	table         string // the Security Lake table its events go to
}

// rawFiles are the files of the end-to-end test; their events are the lines of <testdata>.ocsf.jsonl (the
// sources' golden files, so the expected counts follow the sources).
var rawFiles = []rawFile{
	{"cloudtrail/testdata/management.json", "AWSLogs/" + testAccount + "/CloudTrail/us-east-1/2024/05/01/" + testAccount + "_CloudTrail_us-east-1_20240501T1000Z_a1b2c3d4.json.gz", true, "cloud_trail_mgmt"},
	{"vpcflow/testdata/default-v2.log", "AWSLogs/" + testAccount + "/vpcflowlogs/us-east-1/2024/05/01/" + testAccount + "_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240501T1000Z_a1b2c3d4.log.gz", true, "vpc_flow"},
	{"route53/testdata/queries.log", "AWSLogs/" + testAccount + "/vpcdnsquerylogs/vpc-0123456789abcdef0/2024/05/01/vpc-0123456789abcdef0_20240501T1000Z_a1b2c3d4.log.gz", true, "route53"},
	{"waf/testdata/actions.log", "AWSLogs/" + testAccount + "/WAFLogs/us-east-1/authz-acl/2024/05/01/10/00/" + testAccount + "_waflogs_us-east-1_authz-acl_20240501T1000Z_a1b2c3d4.log.gz", true, "waf"},
	{"eksaudit/testdata/events.jsonl", "exports/eks/prod/kube-apiserver-audit-0123456789abcdef/000000.jsonl", false, "eks_audit"},
	{"securityhub/testdata/compliance.json", "exports/securityhub/findings/2024/05/01/compliance.json", false, "sh_findings"},
}

// brokenFiles were the files that did not ingest: a Security Hub vulnerability finding's CVSS scores (floats in
// decimal columns) and its nested lists (values inside lists written a definition level short). Fixed in
// internal/table (TestDecimalColumns, TestRowLevels); TestIngestLocationSecurityHub ingests them.
var brokenFiles = []rawFile{
	{"securityhub/testdata/vulnerability.jsonl", "exports/securityhub/findings/2024/05/01/vulnerability.jsonl", false, "sh_findings"},
}

// TestIngestLocationEndToEnd registers a bucket with `seclake ingest add`, with a CloudTrail file already in
// it (backfilled); uploads raw CloudTrail, VPC flow, Route 53, WAF, EKS audit and Security Hub files with
// `aws s3 cp`; and polls the status API until every object is done. Then each table has exactly the rows of
// its files, the same file uploaded again under its key (same bytes, same ETag: the same object) adds none,
// seclake's own API calls are rows of the CloudTrail table, the lake's data files are ciphertext on disk and
// Parquet through `aws s3 cp`, and the API works through boto3's model (AWS_DATA_PATH).
func TestIngestLocationEndToEnd(t *testing.T) {
	requireTool(t, "aws")
	s := startServer(t, withConfig(shortFlush))
	dir := t.TempDir()
	local := map[string]string{}
	for _, f := range rawFiles {
		local[f.key] = writeRaw(t, dir, f)
	}
	_, err := s.aws(t, "s3", "mb", "s3://raw-logs")
	require.NoError(t, err)
	_, err = s.aws(t, "s3", "cp", local[rawFiles[0].key], "s3://raw-logs/"+rawFiles[0].key)
	require.NoError(t, err)

	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, `"Principal":{"Service":"securitylake.amazonaws.com"}`, "the refusal prints the statement to add")
	out, code = runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs", "--grant-access", "--json")
	require.Equal(t, 0, code, out)
	var added struct {
		Location   struct{ LocationID string }
		LakeBucket string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &added))
	require.True(t, added.Location.LocationID != "" && added.LakeBucket != "", out)

	for _, f := range rawFiles[1:] {
		_, err = s.aws(t, "s3", "cp", local[f.key], "s3://raw-logs/"+f.key)
		require.NoError(t, err)
	}
	waitIngested(t, s, int64(len(rawFiles)))

	// The same bytes again under the same key: the same ETag, the same object; nothing more is ingested.
	_, err = s.aws(t, "s3", "cp", local[rawFiles[1].key], "s3://raw-logs/"+rawFiles[1].key)
	require.NoError(t, err)
	st := waitIngested(t, s, int64(len(rawFiles)))
	require.Zero(t, st.Failed)
	// New bytes under the same key: a new ETag, a new object, ingested (three of the flow file's six lines).
	vpc := rawFiles[1]
	lines, err := os.ReadFile(filepath.Join("../../internal/source", vpc.testdata))
	require.NoError(t, err)
	three := writeRaw(t, dir, rawFile{key: "three-" + vpc.key, gzip: true}, bytes.Join(bytes.SplitAfter(lines, []byte("\n"))[:3], nil))
	_, err = s.aws(t, "s3", "cp", three, "s3://raw-logs/"+vpc.key)
	require.NoError(t, err)
	waitIngested(t, s, int64(len(rawFiles))+1)

	lake, err := s.app.Lakes().Open(context.Background(), testAccount, testRegion)
	require.NoError(t, err)
	for _, f := range rawFiles {
		want := goldenLines(t, f.testdata)
		if f.table == "vpc_flow" {
			want += 3
		}
		require.EqualValues(t, want, tableRows(t, lake, f.table, iceberg.LessThan(iceberg.Reference("eventday"), "20250101")), f.table)
	}
	require.NotZero(t, tableRows(t, lake, "cloud_trail_mgmt", iceberg.GreaterThanEqual(iceberg.Reference("eventday"), "20250101")),
		"seclake's own API calls are rows of the CloudTrail table")

	requireLakeFiles(t, s, added.LakeBucket, dir)
	requireReports(t, env)

	// The API through the aws CLI and its model.
	list, err := s.awsModel(t, "seclake", "list-ingest-locations")
	require.NoError(t, err)
	require.Contains(t, list, added.Location.LocationID)
	_, err = s.awsModel(t, "seclake", "remove-ingest-location", "--location-id", added.Location.LocationID)
	require.NoError(t, err)
	out, code = runSeclakeEnv(t, env, "ingest", "list")
	require.Equal(t, 0, code, out)
	require.NotContains(t, out, added.Location.LocationID)
}

// requireLakeFiles checks the lake's data files: Parquet through the S3 API, ciphertext on disk.
func requireLakeFiles(t *testing.T, s *server, lakeBucket, dir string) {
	t.Helper()
	keys, err := s.aws(t, "s3", "ls", "--recursive", "s3://"+lakeBucket+"/aws/VPC_FLOW/2.0/data/")
	require.NoError(t, err)
	fields := strings.Fields(strings.TrimSpace(keys))
	require.NotEmpty(t, fields, "the table has data files")
	got := filepath.Join(dir, "data.parquet")
	_, err = s.aws(t, "s3", "cp", "s3://"+lakeBucket+"/"+fields[len(fields)-1], got)
	require.NoError(t, err)
	body, err := os.ReadFile(got)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(body, []byte("PAR1")) && bytes.HasSuffix(body, []byte("PAR1")), "a plaintext Parquet file through S3")
	requireCiphertextOnDisk(t, s.DataDir)
}

// requireReports checks the reports through the CLI: status per source, the EKS audit records set aside (reasons
// the source's golden file gives), no failures.
func requireReports(t *testing.T, env []string) {
	t.Helper()
	out, code := runSeclakeEnv(t, env, "ingest", "status")
	require.Equal(t, 0, code, out)
	for _, src := range []string{"cloudtrail", "vpcflow", "route53", "waf", "eksaudit", "securityhub"} {
		require.Contains(t, out, src)
	}
	out, code = runSeclakeEnv(t, env, "ingest", "set-aside", "--source", "eksaudit", "--json")
	require.Equal(t, 0, code, out)
	var aside struct {
		Records []struct{ Object, Reason string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &aside))
	require.NotEmpty(t, aside.Records)
	golden := goldenSetAside(t, "eksaudit/testdata/events.setaside.txt")
	for _, r := range aside.Records {
		require.Equal(t, "s3://raw-logs/"+rawFiles[4].key, r.Object, "the EKS audit file")
		require.Contains(t, golden, r.Reason, "a reason the source gives for this file")
	}
	out, code = runSeclakeEnv(t, env, "ingest", "failures", "--json")
	require.Equal(t, 0, code, out)
	require.JSONEq(t, `{"failures":[]}`, out)

}

// TestIngestLocationSecurityHub registers a location through boto3 (with seclake's model) and ingests Security
// Hub vulnerability findings into it: exactly their events become rows.
func TestIngestLocationSecurityHub(t *testing.T) {
	requireTool(t, "python3")
	s := startServer(t, withConfig(shortFlush))
	_, err := s.aws(t, "s3", "mb", "s3://raw-logs")
	require.NoError(t, err)
	_, err = s.pythonEnv(t, []string{"AWS_DATA_PATH=" + modelPath(t)}, `
import boto3, os
c = boto3.client("seclake", endpoint_url=os.environ["ENDPOINT"])
c.add_ingest_location(bucket="raw-logs", prefix="exports/", grantAccess=True)
`)
	require.NoError(t, err)
	dir := t.TempDir()
	for _, f := range brokenFiles {
		_, err = s.aws(t, "s3", "cp", writeRaw(t, dir, f), "s3://raw-logs/"+f.key)
		require.NoError(t, err)
	}
	waitIngested(t, s, int64(len(brokenFiles)))
	lake, err := s.app.Lakes().Open(context.Background(), testAccount, testRegion)
	require.NoError(t, err)
	for _, f := range brokenFiles {
		require.EqualValues(t, goldenLines(t, f.testdata), tableRows(t, lake, f.table, nil), f.table)
	}
}

// shortFlush commits buffered events after a second, so the test does not wait a minute.
func shortFlush(c *config.Config) { c.Ingest.FlushAge = config.Duration(time.Second) }

// writeRaw writes the file to upload: the test file, or data when given, gzipped when AWS gzips it.
func writeRaw(t testing.TB, dir string, f rawFile, data ...[]byte) string {
	t.Helper()
	if len(data) == 0 {
		b, err := os.ReadFile(filepath.Join("../../internal/source", f.testdata))
		require.NoError(t, err)
		data = [][]byte{b}
	}
	body := data[0]
	if f.gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, err := zw.Write(body)
		require.NoError(t, err)
		require.NoError(t, zw.Close())
		body = buf.Bytes()
	}
	p := filepath.Join(dir, strings.ReplaceAll(f.key, "/", "_"))
	require.NoError(t, os.WriteFile(p, body, 0o600))
	return p
}

// goldenLines counts the events a source makes of a test file: the lines of its golden file.
func goldenLines(t testing.TB, testdata string) int {
	t.Helper()
	base := strings.TrimSuffix(testdata, filepath.Ext(testdata))
	data, err := os.ReadFile(filepath.Join("../../internal/source", base+".ocsf.jsonl"))
	require.NoError(t, err)
	return bytes.Count(data, []byte("\n"))
}

// goldenSetAside returns what a source's golden file says it sets aside from a test file.
func goldenSetAside(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../internal/source", path))
	require.NoError(t, err)
	return string(data)
}

// ingestStatus is the part of GetIngestStatus the test reads.
type ingestStatus struct {
	Queued, Done, Failed int64
	Sources              []struct {
		Source, LastError string
		Done              int64
	}
}

// waitIngested polls GetIngestStatus (through the aws CLI and the model) until done objects reach n and none
// waits (queued counts the objects waiting), or fails after a generous deadline.
func waitIngested(t testing.TB, s *server, n int64) ingestStatus {
	t.Helper()
	var st ingestStatus
	deadline := time.Now().Add(3 * time.Minute)
	for {
		out, err := s.awsModel(t, "seclake", "get-ingest-status")
		require.NoError(t, err)
		st = ingestStatus{}
		require.NoError(t, json.Unmarshal([]byte(out), &st))
		if st.Done >= n && st.Queued == 0 {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingestion did not finish: %s", truncate(out, 2000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// tableRows counts the rows of a Security Lake table that match filter, with iceberg-go's scan.
func tableRows(t testing.TB, lake *table.Lake, name string, filter iceberg.BooleanExpression) int64 {
	t.Helper()
	src, err := table.AWS(name)
	require.NoError(t, err)
	tbl, err := lake.Table(context.Background(), src)
	require.NoError(t, err)
	it, err := tbl.Load(context.Background())
	require.NoError(t, err)
	rows, err := it.Scan(icetable.WithRowFilter(filter)).ToArrowTable(context.Background())
	require.NoError(t, err)
	defer rows.Release()
	return rows.NumRows()
}

// requireCiphertextOnDisk checks that no blob under the data directory holds Parquet's or Avro's magic or
// Iceberg metadata in plaintext.
func requireCiphertextOnDisk(t *testing.T, dataDir string) {
	t.Helper()
	scanned := 0
	require.NoError(t, filepath.WalkDir(filepath.Join(dataDir, "blobs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		for _, marker := range []string{"PAR1", "Obj\x01", "format-version", "DescribeInstances"} {
			if bytes.Contains(data, []byte(marker)) {
				t.Errorf("%s holds plaintext (%q)", path, marker)
			}
		}
		return nil
	}))
	require.NotZero(t, scanned)
}

// awsModel runs the aws CLI as root with seclake's own models on AWS_DATA_PATH.
func (s *server) awsModel(t testing.TB, args ...string) (string, error) {
	t.Helper()
	return s.awsEnv(t, []string{"AWS_DATA_PATH=" + modelPath(t)}, args...)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// TestAddIngestLocationAsksTheCallersReadAccess: a user allowed seclake:AddIngestLocation and s3:ListBucket but
// not s3:GetObject on the location is refused naming s3:GetObject; with s3:GetObject too, the location is added
// (the bucket policy already lets the service principal read).
func TestAddIngestLocationAsksTheCallersReadAccess(t *testing.T) {
	s := startServer(t)
	_, err := s.aws(t, "s3", "mb", "s3://raw-logs")
	require.NoError(t, err)
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"SecLakeIngestRead","Effect":"Allow",` +
		`"Principal":{"Service":"securitylake.amazonaws.com"},"Action":["s3:GetObject","s3:ListBucket"],` +
		`"Resource":["arn:aws:s3:::raw-logs","arn:aws:s3:::raw-logs/*"],"Condition":{"StringEquals":{"aws:SourceAccount":"` + testAccount + `"}}}]}`
	_, err = s.aws(t, "s3api", "put-bucket-policy", "--bucket", "raw-logs", "--policy", policy)
	require.NoError(t, err)
	key, secret := createUserWithKey(t, s, "ingester")
	allow := func(actions ...string) {
		doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": actions, "Resource": "*"}}})
		require.NoError(t, err)
		_, err = s.aws(t, "iam", "put-user-policy", "--user-name", "ingester", "--policy-name", "ingest", "--policy-document", string(doc))
		require.NoError(t, err)
	}
	env := append(cliEnv(key, secret, ""), "AWS_ENDPOINT_URL="+s.URL)

	allow("seclake:AddIngestLocation", "s3:ListBucket", "s3:CreateBucket", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration")
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "AccessDeniedException")
	require.Contains(t, out, "s3:GetObject")

	allow("seclake:AddIngestLocation", "seclake:ListIngestLocations", "s3:ListBucket", "s3:GetObject", "s3:CreateBucket",
		"s3:PutBucketPolicy", "s3:PutEncryptionConfiguration")
	out, code = runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "Created your data lake in us-east-1")
	out, code = runSeclakeEnv(t, env, "ingest", "list")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "s3://raw-logs/")
}

// TestIngestFailureNamesTheMissingStatement: once the bucket policy no longer lets the Security Lake principal
// read, a new object is not lost: `seclake ingest failures` names the principal and the action, and after
// `add --grant-access` puts the statement back the object is ingested.
func TestIngestFailureNamesTheMissingStatement(t *testing.T) {
	s := startServer(t, withConfig(shortFlush))
	_, err := s.aws(t, "s3", "mb", "s3://raw-logs")
	require.NoError(t, err)
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs", "--grant-access")
	require.Equal(t, 0, code, out)
	_, err = s.aws(t, "s3api", "delete-bucket-policy", "--bucket", "raw-logs")
	require.NoError(t, err)

	f := rawFiles[1]
	_, err = s.aws(t, "s3", "cp", writeRaw(t, t.TempDir(), f), "s3://raw-logs/"+f.key)
	require.NoError(t, err)
	var fails struct {
		Failures []struct{ Key, Reason string }
	}
	deadline := time.Now().Add(2 * time.Minute)
	for len(fails.Failures) == 0 {
		require.False(t, time.Now().After(deadline), "the refused object is reported")
		time.Sleep(200 * time.Millisecond)
		out, code = runSeclakeEnv(t, env, "ingest", "failures", "--json")
		require.Equal(t, 0, code, out)
		require.NoError(t, json.Unmarshal([]byte(out), &fails))
	}
	require.Equal(t, f.key, fails.Failures[0].Key)
	require.Contains(t, fails.Failures[0].Reason, "securitylake.amazonaws.com")
	require.Contains(t, fails.Failures[0].Reason, "s3:GetObject")

	out, code = runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs", "--grant-access")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "Added to the bucket policy of raw-logs")
	waitIngested(t, s, 1)
	lake, err := s.app.Lakes().Open(context.Background(), testAccount, testRegion)
	require.NoError(t, err)
	require.EqualValues(t, goldenLines(t, f.testdata), tableRows(t, lake, f.table, nil))
}
