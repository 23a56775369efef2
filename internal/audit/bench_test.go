package audit

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/meta"
)

// benchRecord is a realistic record (a KMS Decrypt that S3 made for an assumed role, about 1.2 KB of JSON).
func benchRecord(i int) *Record {
	r := sampleRecord()
	r.EventTime = time.Time{}
	r.RequestID = fmt.Sprintf("req-%d", i)
	return r
}

func openBenchLog(b *testing.B, store meta.Store) *Log {
	l, err := Open(context.Background(), Config{Store: store, ChainKey: testChainKey})
	require.NoError(b, err)
	return l
}

// reportRate reports records per wall-clock second and this process's CPU time (user + system, from
// getrusage) per record since cpu0, which stays meaningful on a shared, loaded machine. A PostgreSQL
// server's own CPU time is not included.
func reportRate(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	reportCPU(b, cpu0, b.N, "cpu-µs/record")
}

// BenchmarkAppend measures durable appends with 64 concurrent callers (the edge's mutating requests), of
// management events (indexed for Lookup) and of data events (chained only: Lookup does not return them).
func BenchmarkAppend(b *testing.B) {
	forEachBenchCase(b, func(b *testing.B, store meta.Store, category EventCategory) {
		l := openBenchLog(b, store)
		defer l.Close()
		b.SetParallelism(64 / runtime.GOMAXPROCS(0)) // RunParallel starts parallelism × GOMAXPROCS callers
		b.ResetTimer()
		cpu0 := cputime.Used()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				r := benchRecord(i)
				r.EventCategory = category
				if err := l.Append(context.Background(), r); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
		reportRate(b, cpu0)
		b.ReportMetric(float64(l.Stats().Committed)/float64(max(1, l.Stats().Batches)), "records/batch")
	})
}

// BenchmarkAppendAsync measures fire-and-forget appends from one caller, including the final flush.
func BenchmarkAppendAsync(b *testing.B) {
	forEachBenchCase(b, func(b *testing.B, store meta.Store, category EventCategory) {
		l := openBenchLog(b, store)
		b.ResetTimer()
		cpu0 := cputime.Used()
		for i := range b.N {
			r := benchRecord(i)
			r.EventCategory = category
			l.AppendAsync(r)
		}
		require.NoError(b, l.Close())
		reportRate(b, cpu0)
		b.ReportMetric(float64(l.Stats().Committed)/float64(max(1, l.Stats().Batches)), "records/batch")
	})
}

// BenchmarkPrepare measures the per-record work done in the caller's goroutine (normalize, JSON, what the
// index needs), record construction included.
func BenchmarkPrepare(b *testing.B) {
	l := &Log{cfg: Config{}}
	l.cfg.setDefaults()
	b.ReportAllocs()
	cpu0 := cputime.Used()
	for i := range b.N {
		if _, err := l.prepare(benchRecord(i)); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0, b.N, "cpu-µs/op")
}

// reportCPU reports this process's CPU time since cpu0 per n units.
func reportCPU(b *testing.B, cpu0 time.Duration, n int, unit string) {
	b.ReportMetric(float64((cputime.Used()-cpu0).Nanoseconds())/1e3/float64(n), unit)
}

// BenchmarkParams measures building requestParameters from a request struct.
func BenchmarkParams(b *testing.B) {
	in := &testEncryptInput{
		KeyID:             "arn:aws:kms:us-east-1:111122223333:key/k1",
		Plaintext:         make([]byte, 4096),
		EncryptionContext: map[string]string{"aws:s3:arn": "arn:aws:s3:::lake/obj", "Department": "10"},
		GrantTokens:       []string{"g1"},
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := Params(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookup measures one page of lookups on a trail of 20,000 records written by AppendAsync (in
// commits of about 500): 50 events by EventName (a quarter of the records have it), 50 events without an
// attribute, and one event by its (version 7) EventId.
func BenchmarkLookup(b *testing.B) {
	for name, open := range storeKinds {
		b.Run(name, func(b *testing.B) {
			store := open(b)
			l := openBenchLog(b, store)
			var ids []string
			for i := range 20000 {
				r := benchRecord(i)
				if i%4 == 0 {
					r.EventName = "Encrypt"
				}
				l.AppendAsync(r)
				ids = append(ids, r.EventID)
			}
			require.NoError(b, l.Close())
			l = openBenchLog(b, store)
			defer l.Close()
			acct := sampleRecord().RecipientAccountID
			cases := []struct {
				name string
				in   func(i int) *LookupInput
				want int
			}{
				{"attribute", func(int) *LookupInput {
					return &LookupInput{LookupAttributes: []LookupAttribute{{AttrEventName, "Encrypt"}}}
				}, 50},
				{"all", func(int) *LookupInput { return &LookupInput{} }, 50},
				{"eventId", func(i int) *LookupInput {
					return &LookupInput{LookupAttributes: []LookupAttribute{{AttrEventID, ids[(i*7919)%len(ids)]}}}
				}, 1},
			}
			for _, tc := range cases {
				b.Run(tc.name, func(b *testing.B) {
					cpu0 := cputime.Used()
					for i := range b.N {
						out, err := l.Lookup(context.Background(), acct, tc.in(i))
						if err != nil || len(out.Events) != tc.want {
							b.Fatal(err, len(out.Events))
						}
					}
					reportCPU(b, cpu0, b.N, "cpu-µs/op")
				})
			}
		})
	}
}

// BenchmarkVerify measures walking the chain of 20,000 records written by AppendAsync.
func BenchmarkVerify(b *testing.B) {
	for name, open := range storeKinds {
		b.Run(name, func(b *testing.B) {
			store := open(b)
			l := openBenchLog(b, store)
			const n = 20000
			for i := range n {
				l.AppendAsync(benchRecord(i))
			}
			require.NoError(b, l.Close())
			b.ResetTimer()
			cpu0 := cputime.Used()
			for range b.N {
				rep, err := Verify(context.Background(), store, testChainKey)
				if err != nil || !rep.OK() {
					b.Fatal(err, rep)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
			reportCPU(b, cpu0, n*b.N, "cpu-µs/record")
		})
	}
}

// forEachBenchCase runs fn on a new store of each kind, for management and data events.
func forEachBenchCase(b *testing.B, fn func(b *testing.B, store meta.Store, category EventCategory)) {
	for name, open := range storeKinds {
		for _, c := range []EventCategory{CategoryManagement, CategoryData} {
			b.Run(name+"/"+strings.ToLower(string(c)), func(b *testing.B) { fn(b, open(b), c) })
		}
	}
}
