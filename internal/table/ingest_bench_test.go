package table_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/cloudtrail"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/table"
)

// trailRecords is the number of records of the generated CloudTrail log file of the ingest benchmarks.
const trailRecords = 50_000

// trailFile returns a gzip CloudTrail log file ({"Records":[…]}) of n records made from the records of the
// cloudtrail package's testdata (management events of several services, a data event, an Insights event), each
// with its own eventID, requestID, source address and time spread over one day, and returns its plain JSON too.
func trailFile(tb testing.TB, n int) (gz, plain []byte) {
	tb.Helper()
	data, err := os.ReadFile("../source/cloudtrail/testdata/management.json")
	require.NoError(tb, err)
	var file struct{ Records []map[string]any }
	require.NoError(tb, json.Unmarshal(data, &file))
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	out := struct {
		Records []map[string]any `json:"Records"`
	}{Records: make([]map[string]any, 0, n)}
	for i := range n {
		tmpl := file.Records[i%len(file.Records)]
		r := make(map[string]any, len(tmpl))
		for k, v := range tmpl {
			r[k] = v
		}
		r["eventID"] = fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i*7919)
		r["requestID"] = fmt.Sprintf("req-%010d", i)
		r["sourceIPAddress"] = fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256)
		r["eventTime"] = day.Add(time.Duration(i*86400/n) * time.Second).Format(time.RFC3339)
		out.Records = append(out.Records, r)
	}
	plain, err = json.Marshal(out)
	require.NoError(tb, err)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err = zw.Write(plain)
	require.NoError(tb, err)
	require.NoError(tb, zw.Close())
	return b.Bytes(), plain
}

// ingest normalizes the object with src and appends the events of each table in one Append per table; it
// returns the number of events committed.
func ingest(tb testing.TB, e *env, src source.Source, obj source.Object, tables map[string]*table.Table) int {
	var c collect
	if _, err := src.Normalize(ctx, obj, &c); err != nil {
		tb.Fatal(err)
	}
	batches := map[string]*table.Batch{}
	for _, sb := range c.batches {
		b := batches[sb.Table]
		if b == nil {
			b = &table.Batch{Account: obj.Account, Region: obj.Region}
			batches[sb.Table] = b
		}
		b.Events = append(b.Events, sb.Events...)
	}
	n := 0
	for name, b := range batches {
		tbl := tables[name]
		if tbl == nil {
			tbl = openTable(tb, e, name)
			tables[name] = tbl
		}
		if _, err := tbl.Append(ctx, *b); err != nil {
			tb.Fatal(err)
		}
		n += len(b.Events)
	}
	return n
}

// reportCPU reports events per second and per CPU-second (the process's CPU time, every goroutine and thread).
func reportCPU(b *testing.B, events int, cpu time.Duration) {
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	if cpu > 0 {
		b.ReportMetric(float64(events)/cpu.Seconds(), "events/cpu-s")
	}
}

// BenchmarkIngestCloudTrail is seclake's end-to-end ingest of a gzip CloudTrail log file of 50,000 records per
// iteration: gunzip, parse and normalize to OCSF (source/cloudtrail), then per table rows to zstd Parquet per
// partition sorted by time, encrypted under the lake's KMS key through the object store, manifests and metadata
// written, and the commit in the SQLite catalog. Its peer is BenchmarkIngestCloudTrailDuckDB (-tags duckdb).
func BenchmarkIngestCloudTrail(b *testing.B) {
	gz, _ := trailFile(b, trailRecords)
	benchIngest(b, cloudtrail.New(), "AWSLogs/111122223333/CloudTrail/us-east-1/x.json.gz", gz)
}

// BenchmarkIngestVPCFlow is the same for a VPC flow log file of 50,000 lines (plain text, 2 days, 2 accounts):
// vpcflow normalization, then Append.
func BenchmarkIngestVPCFlow(b *testing.B) {
	benchIngest(b, vpcflow.New(), "flows.log", flowLines(trailRecords, 0, 2, "111122223333", "444455556666"))
}

// benchIngest ingests the object name of content data with src per iteration.
func benchIngest(b *testing.B, src source.Source, name string, data []byte) {
	e := newEnv(b, keyPolicy(accountStatement, lakeStatement))
	tables := map[string]*table.Table{}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	events := 0
	cpu := cputime.Used()
	for b.Loop() {
		events += ingest(b, e, src, source.Object{Name: name, Body: bytes.NewReader(data), Account: acct,
			Region: region}, tables)
	}
	reportCPU(b, events, cputime.Used()-cpu)
}

// BenchmarkCompact compacts 20 files of 2,000 VPC flow events each, in one partition, into one per iteration
// (the appends that make them are not timed): read and decrypt, merge by time, encode, encrypt, commit. In
// millis, the files have their timestamps in milliseconds (as the lake wrote them before), rewritten in
// microseconds.
func BenchmarkCompact(b *testing.B) {
	b.Run("micros", func(b *testing.B) { benchCompact(b, false) })
	b.Run("millis", func(b *testing.B) { benchCompact(b, true) })
}

func benchCompact(b *testing.B, millis bool) {
	const files, lines = 20, 2000
	e := newEnv(b, keyPolicy(accountStatement, lakeStatement))
	batches := make([]table.Batch, files)
	for i := range batches {
		batches[i] = normalizeBytes(b, vpcflow.New(), flowLines(lines, i, 1, acct), "vpc_flow", region)
	}
	var elapsed, cpuUsed time.Duration
	var bytesRead int64
	for i := range b.N {
		b.StopTimer()
		restore := func() {}
		if millis {
			restore = table.WriteMillis()
		}
		vpc, err := e.lake.Table(ctx, mustSource(b, fmt.Sprintf("bench-%d", i)))
		restore()
		require.NoError(b, err)
		for _, batch := range batches {
			_, err := vpc.Append(ctx, batch)
			require.NoError(b, err)
		}
		b.StartTimer()
		start, cpu := time.Now(), cputime.Used()
		res, err := vpc.Compact(ctx, table.CompactOptions{})
		cpuUsed += cputime.Used() - cpu
		elapsed += time.Since(start)
		require.NoError(b, err)
		require.Equal(b, files, res.FilesRemoved)
		bytesRead += res.BytesRead
	}
	b.ReportMetric(float64(files*b.N)/elapsed.Seconds(), "files/s")
	b.ReportMetric(float64(bytesRead)/1e6/elapsed.Seconds(), "MB/s")
	if cpuUsed > 0 {
		b.ReportMetric(float64(lines*files*b.N)/cpuUsed.Seconds(), "rows/cpu-s")
	}
}

// mustSource is a custom source with the vpc_flow columns, named name.
func mustSource(tb testing.TB, name string) table.Source {
	src, err := table.AWS("vpc_flow")
	require.NoError(tb, err)
	return table.Source{Shape: src.Shape, Custom: name, Version: "1.0"}
}
