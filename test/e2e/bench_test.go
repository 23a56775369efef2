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
	p := startProcess(b, filepath.Join(b.TempDir(), "data"))
	client := sts.NewFromConfig(benchClient(p))
	ctx := context.Background()
	if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		b.Fatal(err)
	}
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
	b.StopTimer()
	reportServer(b, p)
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
	reportServer(b, p)
}

func reportServer(b *testing.B, p *process) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if rss, err := peakRSS(p.cmd.Process.Pid); err == nil {
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
