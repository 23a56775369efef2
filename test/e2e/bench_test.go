package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// peakRSS returns a process's peak resident memory (VmHWM) in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// benchClient is an SDK config tuned for load: enough idle connections for the parallel workers.
var benchEnv = strings.Fields(os.Getenv("SECLAKE_BENCH_ENV"))

func benchClient(p *process) aws.Config {
	cfg := p.rootConfig()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	cfg.HTTPClient = &http.Client{Transport: tr}
	return cfg
}

// BenchmarkEdgeGetCallerIdentity measures authenticated, audited read requests per second through the Go SDK
// over loopback against the real binary (server and client share the machine), and the server's peak memory.
//
//	go test ./test/e2e -run '^$' -bench EdgeGetCallerIdentity -benchtime 20000x
func BenchmarkEdgeGetCallerIdentity(b *testing.B) {
	p := startProcess(b, filepath.Join(b.TempDir(), "data"), benchEnv...)
	client := sts.NewFromConfig(benchClient(p))
	ctx := context.Background()
	if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16)
	m := meterServer(b, p)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	m.report(b)
}

// BenchmarkEdgeCreateUser measures mutating requests, each acknowledged only once its audit record is durable.
//
//	go test ./test/e2e -run '^$' -bench EdgeCreateUser -benchtime 5000x
func BenchmarkEdgeCreateUser(b *testing.B) {
	p := startProcess(b, filepath.Join(b.TempDir(), "data"))
	client := iam.NewFromConfig(benchClient(p))
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(16)
	m := meterServer(b, p)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			name := fmt.Sprintf("bench-%d", n.Add(1))
			if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	m.report(b)
}

// pidCPU returns the user and system CPU time a process has used so far (/proc/<pid>/stat, in clock ticks
// of 10 ms on Linux).
func pidCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces; the fields after it are plain.
	i := strings.LastIndexByte(string(data), ')')
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	var ticks int64
	for _, s := range f[11:13] { // utime and stime: fields 14 and 15 of the line
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// serverMeter measures a benchmark against a seclake process: start it after setup, and report once the timed
// loop is done.
type serverMeter struct {
	p   *process
	cpu time.Duration
}

func meterServer(b *testing.B, p *process) *serverMeter {
	cpu, err := pidCPU(p.cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return &serverMeter{p: p, cpu: cpu}
}

// report gives requests per second (wall-clock, with the client sharing the machine), the server process's
// own CPU time per request and the requests it serves per CPU-second (what one free core would serve), and
// its peak memory.
func (m *serverMeter) report(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if cpu, err := pidCPU(m.p.cmd.Process.Pid); err == nil && cpu > m.cpu {
		used := cpu - m.cpu
		b.ReportMetric(float64(used.Microseconds())/float64(b.N), "server-cpu-µs/req")
		b.ReportMetric(float64(b.N)/used.Seconds(), "req/server-cpu-s")
	}
	if rss, err := peakRSS(m.p.cmd.Process.Pid); err == nil {
		b.ReportMetric(float64(rss)/(1<<20), "server-peak-MiB")
	}
}

// BenchmarkInProcessGetCallerIdentity is BenchmarkEdgeGetCallerIdentity with the server in the test process,
// for profiling: -cpuprofile then shows server and client together.
//
//	go test ./test/e2e -run '^$' -bench InProcessGetCallerIdentity -benchtime 20000x -cpuprofile cpu.prof
func BenchmarkInProcessGetCallerIdentity(b *testing.B) {
	s := startServer(b)
	cfg := s.rootConfig()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	cfg.HTTPClient = &http.Client{Transport: tr}
	client := sts.NewFromConfig(cfg)
	ctx := context.Background()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
