package eventpattern

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// s3Events are "Object Created" events for the buckets of benchRules, as S3 sends them to EventBridge.
func s3Events(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b1%02d","detail-type":"Object Created",`+
			`"source":"aws.s3","account":"123456789012","time":"2021-11-12T00:00:00Z","region":"ca-central-1",`+
			`"resources":["arn:aws:s3:::bucket-%d"],"detail":{"version":"0","bucket":{"name":"bucket-%d"},`+
			`"object":{"key":"logs/%d/2021/11/12/part-%05d.json.gz","size":%d,"etag":"b1946ac92492d2347c6235b4d2611184",`+
			`"sequencer":"00617F08299329D189"},"request-id":"N4N7GDK58NMKJ12R","requester":"123456789012",`+
			`"source-ip-address":"10.0.%d.17","reason":"PutObject"}}`, i%100, i%80, i%80, i%80, i, 1000+i, i%250)
	}
	return out
}

// benchRules are 100 rules: 80 subscribers each watching a bucket and prefix, and 20 rules of other operators
// over every S3 "Object Created" event.
func benchRules(tb testing.TB) []*Pattern {
	var pats []*Pattern
	for i := range 80 {
		pats = append(pats, must(tb, fmt.Sprintf(`{"source":["aws.s3"],"detail-type":["Object Created"],`+
			`"detail":{"bucket":{"name":["bucket-%d"]},"object":{"key":[{"prefix":"logs/%d/"}]}}}`, i, i)))
	}
	others := []string{
		`{"source":["aws.s3"],"detail":{"object":{"size":[{"numeric":[">",%d,"<=",100000]}]}}}`,
		`{"detail-type":["Object Created"],"detail":{"object":{"key":[{"suffix":".%d.gz"}]}}}`,
		`{"source":["aws.s3"],"detail":{"source-ip-address":[{"cidr":"10.%d.0.0/16"}]}}`,
		`{"detail":{"reason":[{"anything-but":["CopyObject%d","CompleteMultipartUpload"]}],"requester":[{"exists":true}]}}`,
		`{"region":["ca-central-%d"],"detail":{"object":{"key":[{"wildcard":"logs/*/2021/*/part-*"}]}}}`,
	}
	for i := range 20 {
		pats = append(pats, must(tb, fmt.Sprintf(others[i%len(others)], i)))
	}
	return pats
}

// BenchmarkSet100S3 matches S3 "Object Created" events against 100 rules.
func BenchmarkSet100S3(b *testing.B) {
	set := NewSet(benchRules(b))
	events := s3Events(1000)
	var dst []int
	matched := 0
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, n := cpuTime(b), 0
	for i := 0; b.Loop(); i++ {
		n++
		var err error
		dst, err = set.Match(events[i%len(events)], dst[:0])
		if err != nil {
			b.Fatal(err)
		}
		matched += len(dst)
	}
	if matched == 0 {
		b.Fatal("no event matched")
	}
	// Other processes share the machine: events per CPU-second of this process is the number that means
	// something (the wall-clock ns/op counts time spent waiting for a core).
	b.ReportMetric(float64(n)/(cpuTime(b)-cpu0).Seconds(), "events/cpu-s")
}

// BenchmarkCompile compiles a typical rule.
func BenchmarkCompile(b *testing.B) {
	src := `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]},"object":{"key":[{"prefix":"logs/"}]}}}`
	for b.Loop() {
		if _, err := Compile(src); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchRulesMatch(t *testing.T) {
	set := NewSet(benchRules(t))
	got, err := set.Match(s3Events(8)[7], nil)
	// bucket-7 with its prefix, the size rules (size 1007 > 0, 5, 10, 15) and the anything-but rules; not the
	// suffix rules (".json.gz"), the cidr rules (10.0.7.17 is outside 10.2/16, 10.7/16, …) or the region rules.
	want := []int{7, 80, 83, 85, 88, 90, 93, 95, 98}
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Match = %v, %v; want %v", got, err, want)
	}
}
