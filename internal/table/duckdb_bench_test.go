//go:build duckdb

package table_test

import (
	"bytes"
	"compress/gzip"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the DuckDB database/sql driver, for the peer of the ingest benchmark
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/seclake/seclake/internal/cputime"
)

// BenchmarkIngestCloudTrailDuckDB is the peer of BenchmarkIngestCloudTrail: DuckDB (duckdb-go, in process)
// converts the same gzip CloudTrail file of 50,000 records to a zstd Parquet file with read_json and COPY, one
// row per record. It neither normalizes to OCSF nor encrypts nor commits to a table. Its input is handed to it
// as a memfd (/proc/self/fd/N, in memory, never on disk); its output is a Parquet file in the test's temporary
// directory, plaintext on disk (DuckDB writes files: that is its nature), removed after each iteration.
// Built only with -tags duckdb (package query is the project's importer of DuckDB; this is a measurement).
//
// Sub-benchmarks: columns, the record's top-level fields as columns (typed, nested structs for the nested
// objects, as inferred by read_json); struct, each record as one struct column; json, each record kept as JSON
// text (no typing: the least DuckDB can do with it); ndjson, not the same input but DuckDB's best case: the same
// records one per line (gzip NDJSON, which CloudTrail does not write), read in parallel, as columns.
func BenchmarkIngestCloudTrailDuckDB(b *testing.B) {
	gz, plain := trailFile(b, trailRecords)
	fd := memfd(b, "cloudtrail.json.gz", gz)
	var file struct{ Records []json.RawMessage }
	require.NoError(b, json.Unmarshal(plain, &file))
	var nd bytes.Buffer
	zw := gzip.NewWriter(&nd)
	for _, r := range file.Records {
		_, _ = zw.Write(r)
		_, _ = zw.Write([]byte("\n"))
	}
	require.NoError(b, zw.Close())
	ndfd := memfd(b, "cloudtrail.ndjson.gz", nd.Bytes())
	db, err := sql.Open("duckdb", "")
	require.NoError(b, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	out := filepath.Join(b.TempDir(), "out.parquet")
	from := fmt.Sprintf(`read_json('/proc/self/fd/%d', compression = 'gzip', format = 'unstructured',
 maximum_object_size = 1073741824`, fd)
	for _, v := range []struct{ name, sel string }{
		{"columns", "SELECT unnest(Records, max_depth := 2) FROM " + from + ")"},
		{"struct", "SELECT unnest(Records) AS record FROM " + from + ")"},
		{"json", "SELECT unnest(Records) AS record FROM " + from + ", columns = {'Records': 'JSON[]'})"},
		{"ndjson", fmt.Sprintf("SELECT * FROM read_json('/proc/self/fd/%d', compression = 'gzip', "+
			"format = 'newline_delimited')", ndfd)},
	} {
		b.Run(v.name, func(b *testing.B) {
			query := fmt.Sprintf("COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION zstd)", v.sel,
				strings.ReplaceAll(out, "'", "''"))
			b.SetBytes(int64(len(gz)))
			events := 0
			cpu := cputime.Used()
			for b.Loop() {
				var n int64
				require.NoError(b, db.QueryRow(query).Scan(&n))
				if n != trailRecords {
					b.Fatalf("DuckDB wrote %d rows, want %d", n, trailRecords)
				}
				events += int(n)
				require.NoError(b, os.Remove(out))
			}
			reportCPU(b, events, cputime.Used()-cpu)
		})
	}
}

// memfd returns a memory file descriptor holding data, closed when the benchmark ends: DuckDB reads it as
// /proc/self/fd/N, so the input never touches the disk.
func memfd(b *testing.B, name string, data []byte) int {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	require.NoError(b, err)
	f := os.NewFile(uintptr(fd), name)
	b.Cleanup(func() { f.Close() })
	_, err = f.Write(data)
	require.NoError(b, err)
	return fd
}
