package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	icetable "github.com/apache/iceberg-go/table"

	"github.com/seclake/seclake/internal/cputime"
)

// reportCPU reports the process's CPU time per operation (server and client share the process).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cputime.Used()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkIcebergRESTLoadTable: iceberg-go's REST client loads the VPC flow table from seclake's Iceberg REST
// catalog (SigV4, authorization, the metadata file read and decrypted through objstore, the JSON answer).
//
//	go test ./test/e2e -run '^$' -bench IcebergRESTLoadTable -benchtime 200x -cpu 1
func BenchmarkIcebergRESTLoadTable(b *testing.B) {
	s := startServer(b)
	fillLake(b, s)
	cat := restCatalog(b, s, testKeyID, testSecret)
	ctx := context.Background()
	id := icetable.Identifier{lakeDB, "amazon_security_lake_table_us_east_1_vpc_flow_2_0"}
	start := cputime.Used()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := cat.LoadTable(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, start)
}

// BenchmarkIcebergRESTScan: load the VPC flow table through the REST catalog and scan every row through
// seclake's S3 API (manifest list, manifests and Parquet files read with the caller's credentials, decrypted).
//
//	go test ./test/e2e -run '^$' -bench IcebergRESTScan -benchtime 50x -cpu 1
func BenchmarkIcebergRESTScan(b *testing.B) {
	s := startServer(b)
	lr := fillLake(b, s)
	cat := restCatalog(b, s, testKeyID, testSecret)
	ctx := context.Background()
	name := "amazon_security_lake_table_us_east_1_vpc_flow_2_0"
	start := cputime.Used()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tbl, err := cat.LoadTable(ctx, icetable.Identifier{lakeDB, name})
		if err != nil {
			b.Fatal(err)
		}
		at, err := tbl.Scan().ToArrowTable(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if at.NumRows() != lr.rows[name] {
			b.Fatalf("%d rows, want %d", at.NumRows(), lr.rows[name])
		}
		at.Release()
	}
	b.StopTimer()
	reportCPU(b, start)
	b.ReportMetric(float64(lr.rows[name]), "rows/op")
}

// BenchmarkGlueGetTables: Glue's GetTables on the lake's database (two Iceberg tables, each loaded for its
// columns and metadata location), signed and audited.
//
//	go test ./test/e2e -run '^$' -bench GlueGetTables -benchtime 200x -cpu 1
func BenchmarkGlueGetTables(b *testing.B) {
	s := startServer(b)
	fillLake(b, s)
	call := icebergCall{method: "POST", path: "/", body: `{"DatabaseName":"` + lakeDB + `"}`, target: "AWSGlue.GetTables"}
	start := cputime.Used()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if status, e := signedCall(b, s, testKeyID, testSecret, call); status != http.StatusOK {
			b.Fatalf("%d %v", status, e)
		}
	}
	b.StopTimer()
	reportCPU(b, start)
}
