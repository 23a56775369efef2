package ingest_test

import (
	"fmt"
	"testing"

	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/kms"
)

// BenchmarkIngestCloudTrail ingests a gzip CloudTrail log file of 20,000 records per iteration, end to end: the
// raw object read through the object store as the Security Lake service principal, normalized to OCSF, buffered
// and committed (default flush policy) as zstd Parquet files encrypted under the lake's KMS key, with the ledger's
// write-ahead records and watermarks. Run with -cpu 1; events/cpu-s counts the process's CPU time.
func BenchmarkIngestCloudTrail(b *testing.B) {
	const records = 20_000
	e := newEnv(b, nil)
	eu := *root
	eu.Region = "eu-west-1"
	md, err := e.st.KMS.CreateKey(ctx, &eu, kms.CreateKeyRequest{Policy: keyPolicy(accountStatement, lakeStatement)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.st.Lakes.Create(ctx, &eu, "eu-west-1", md.ARN); err != nil {
		b.Fatal(err)
	}
	s := e.service(nil)
	body, _ := cloudTrail(b, "bench", 0, records)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	cpu := cputime.Used()
	i := 0
	for b.Loop() {
		b.StopTimer()
		ref := e.put(ctKey(fmt.Sprint("bench", i)), body)
		ref.Region = "eu-west-1"
		i++
		b.StartTimer()
		if _, err := s.Enqueue(ctx, ref); err != nil {
			b.Fatal(err)
		}
		if err := s.Run(ctx); err != nil {
			b.Fatal(err)
		}
		if err := s.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	used := cputime.Used() - cpu
	st, err := s.Status(ctx)
	if err != nil || st.Done != int64(i) {
		b.Fatalf("done %d of %d (%v)", st.Done, i, err)
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if used > 0 {
		b.ReportMetric(float64(records)*float64(b.N)/used.Seconds(), "events/cpu-s")
	}
}
