package table_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// BenchmarkAppendVPCFlow appends 20,000 VPC flow events (normalized once, before the timer) to the vpc_flow
// table per iteration: rows to zstd Parquet per partition (2 accounts × 2 days), each file encrypted under the
// lake's KMS key through the object store, read back by iceberg-go for its statistics, manifests and metadata
// written, and the commit in the SQLite catalog. Run with -cpu 1; events/cpu-s counts the process's CPU time.
func BenchmarkAppendVPCFlow(b *testing.B) {
	const lines = 20_000
	var sb strings.Builder
	for i := range lines {
		account := []string{"111122223333", "444455556666"}[i%2]
		start := 1700000000 + (i%2)*86400 + i
		fmt.Fprintf(&sb, "2 %s eni-0a1b2c3d4e5f6%04d 10.0.%d.%d 198.51.100.%d %d 443 6 %d %d %d %d ACCEPT OK\n",
			account, i%10000, i%250, i%200, i%250, 1024+i%60000, 1+i%40, 60+i%9000, start, start+60)
	}
	e := newEnv(b, keyPolicy(accountStatement, lakeStatement))
	vpc := openTable(b, e, "vpc_flow")
	batch := normalizeBytes(b, vpcflow.New(), []byte(sb.String()), "vpc_flow", region)
	if len(batch.Events) != lines {
		b.Fatalf("normalized %d events, want %d", len(batch.Events), lines)
	}
	b.ReportAllocs()
	cpu := cputime.Used()
	for b.Loop() {
		if _, err := vpc.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	used := cputime.Used() - cpu
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if used > 0 {
		b.ReportMetric(float64(lines)*float64(b.N)/used.Seconds(), "events/cpu-s")
	}
}
