package query_test

import (
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the peer: DuckDB on plaintext local Parquet files
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/table"
)

// benchSQL are the benchmark's statements over the VPC flow table (%s is its qualified name).
var benchSQL = []struct{ name, sql string }{
	{"count", "SELECT count(*) FROM %s"},
	{"scan-filter", "SELECT src_endpoint.ip, dst_endpoint.ip, traffic.bytes FROM %s WHERE traffic.packets = 977"},
	{"aggregate", "SELECT dst_endpoint.port, count(*) AS n, sum(traffic.bytes) AS b FROM %s GROUP BY 1 ORDER BY b DESC LIMIT 10"},
	{"distinct", "SELECT count(DISTINCT src_endpoint.ip) FROM %s"},
	{"pruned", "SELECT count(*), sum(traffic.packets) FROM %s WHERE eventday = '20231116'"},
}

// BenchmarkQuery runs each statement over the same rows two ways in one run: seclake (resolving through Glue,
// planning, reading the encrypted data files through the object store as an IAM user, decrypting into memfds,
// DuckDB locked down) and DuckDB alone over the same Parquet files, decrypted beforehand into plaintext local files.
// Rows: SECLAKE_QUERY_BENCH_ROWS (default 1,000,000), VPC flow records over 10 days (10 files). Reported:
// rows/s, and the process's peak RSS (VmHWM) at the end.
func BenchmarkQuery(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("SECLAKE_QUERY_BENCH_ROWS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(b, err)
	}
	e, alice, qualified, peer, plan := benchLake(b, n)
	defer peer.Close()

	for _, bs := range benchSQL {
		stmt := fmt.Sprintf(bs.sql, qualified)
		b.Run(bs.name+"/seclake", func(b *testing.B) {
			for b.Loop() {
				rows, err := e.st.Query.Query(ctx, query.Request{SQL: stmt, Caller: alice})
				require.NoError(b, err)
				for rows.Next() {
				}
				require.NoError(b, rows.Err())
				rows.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(bs.name+"/duckdb", func(b *testing.B) {
			for b.Loop() {
				rows, err := peer.Query(stmt)
				require.NoError(b, err)
				cols, _ := rows.Columns()
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				for rows.Next() {
					require.NoError(b, rows.Scan(ptrs...))
				}
				require.NoError(b, rows.Err())
				rows.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var size int64
	for _, f := range plan.Files {
		size += f.Size
	}
	fmt.Printf("rows %d, data files %d (%d bytes), peak RSS %s, Go heap in use %d MiB, Go heap peak (sys) %d MiB\n", n,
		len(plan.Files), size, peakRSS(), ms.HeapInuse>>20, ms.HeapSys>>20)
}

// benchLake fills a lake's VPC flow table with n records over 10 days and opens the peer: DuckDB over plaintext
// copies of the table's data files.
func benchLake(b *testing.B, n int) (*lakeEnv, *actor.Caller, string, *sql.DB, *table.Plan) {
	e := newLake(b)
	const days = 10
	var name string
	for d := range days {
		var sb strings.Builder
		start := int64(1700000000 + d*86400)
		for i := range n / days {
			fmt.Fprintf(&sb, "2 %s eni-%05d 10.%d.%d.%d 198.51.100.%d %d %d 6 %d %d %d %d ACCEPT OK\n", acct, i%1000,
				i%7, (i/7)%250, i%250, i%200, 30000+i%30000, []int{443, 80, 22, 53, 8080}[i%5], 1+i%1000, 100+i%5000,
				start+int64(i%86000), start+int64(i%86000)+60)
		}
		name = e.appendTo(b, vpcflow.New(), []byte(sb.String()), "vpc_flow")
	}
	alice := e.user(b, "alice", readAll...)
	qualified := `"` + lakeDB + `"."` + name + `"`

	// The peer's plaintext copies of the same data files.
	dir := b.TempDir()
	plan, err := e.lake.Plan(ctx, lakeDB, name, nil)
	require.NoError(b, err)
	var files []string
	for i, f := range plan.Files {
		got, err := e.st.Objects.GetObject(ctx, e.root, objstore.GetInput{Bucket: f.Bucket, Key: f.Key})
		require.NoError(b, err)
		path := filepath.Join(dir, fmt.Sprintf("%d.parquet", i))
		out, err := os.Create(path)
		require.NoError(b, err)
		_, err = io.Copy(out, got.Body)
		require.NoError(b, err)
		got.Body.Close()
		require.NoError(b, out.Close())
		files = append(files, "'"+path+"'")
	}
	peer, err := sql.Open("duckdb", "")
	require.NoError(b, err)
	peer.SetMaxOpenConns(1)
	for _, s := range []string{"SET threads = " + strconv.Itoa(runtime.NumCPU()), "SET TimeZone = 'UTC'",
		"CREATE SCHEMA " + lakeDB,
		"CREATE VIEW " + qualified + " AS SELECT * FROM read_parquet([" + strings.Join(files, ", ") + "])"} {
		_, err := peer.Exec(s)
		require.NoError(b, err)
	}

	return e, alice, qualified, peer, plan
}

// peakRSS is the process's peak resident set size (VmHWM).
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(l, "VmHWM:")), " ")
		}
	}
	return "?"
}
