// Command s3bench measures an S3-compatible server over loopback with seclake's own S3 client
// (internal/blob/s3blob, the client a seclake node uses for a remote blob store): PUT and GET throughput of
// 1 MiB and 64 MiB objects, and 4 KiB PUTs and GETs per second with 1 and 8 clients. It starts the server
// itself, so that MinIO and seclake are measured the same way on the same machine:
//
//	go run ./tools/s3bench -target minio               # MinIO built by tools/minio.sh, no encryption
//	go run ./tools/s3bench -target seclake -sse kms    # seclake, bucket default SSE-KMS with a bucket key
//	go run ./tools/s3bench -target seclake -sse s3     # seclake, bucket default SSE-S3
//	go run ./tools/s3bench -target moto                # moto_server, for trying the harness
//
// It prints one Markdown table row per run, in the columns of docs/benchmarks.md ("S3 vs MinIO").
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/blob/s3blob"
	"github.com/seclake/seclake/internal/blob/s3blob/s3peer"
)

type options struct {
	target, sse, seclake, minio string
	duration                    time.Duration
	count                       int
	header                      bool
}

func main() {
	var o options
	flag.StringVar(&o.target, "target", "minio", "server to start: minio, seclake or moto")
	flag.StringVar(&o.sse, "sse", "none", "bucket default encryption (seclake only): none, s3 (SSE-S3) or kms (SSE-KMS with a bucket key)")
	flag.StringVar(&o.seclake, "seclake", "", "seclake binary (default: go build ./cmd/seclake into a temporary directory)")
	flag.StringVar(&o.minio, "minio", "", "MinIO binary (default: $SECLAKE_MINIO, else the one tools/minio.sh built)")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each measurement runs")
	flag.IntVar(&o.count, "count", 3, "runs of each measurement; the median is reported")
	flag.BoolVar(&o.header, "header", false, "print the table header and the machine first")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "s3bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	tmp, err := os.MkdirTemp("", "s3bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	srv, err := start(ctx, o, tmp)
	if err != nil {
		return err
	}
	defer srv.Close()
	bucket := "s3bench"
	if err := srv.CreateBucket(ctx, bucket); err != nil {
		return err
	}
	if err := setEncryption(ctx, srv, bucket, o.sse); err != nil {
		return err
	}
	store, err := s3blob.Open(ctx, srv.Config(bucket))
	if err != nil {
		return err
	}
	if o.header {
		printHeader()
	}
	b := &bench{store: store, cpu: srv.CPUTime, o: o}
	row, err := b.measureAll(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("| %s | %s | %s | %s |\n", srv.Name, o.sse, strings.Join(row, " | "), peakRSS(srv.PID()))
	return nil
}

// start builds (if needed) and starts the target server with its data under tmp.
func start(ctx context.Context, o options, tmp string) (*s3peer.Server, error) {
	if o.sse != "none" && o.target != "seclake" {
		return nil, fmt.Errorf("-sse %s: only the seclake target encrypts here", o.sse)
	}
	switch o.target {
	case "minio":
		bin := o.minio
		if bin == "" {
			var err error
			if bin, err = s3peer.MinIOBinary(); err != nil {
				return nil, err
			}
		}
		return s3peer.StartMinIO(ctx, bin, filepath.Join(tmp, "minio"))
	case "seclake":
		bin := o.seclake
		if bin == "" {
			bin = filepath.Join(tmp, "seclake")
			build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/seclake")
			build.Stdout, build.Stderr = os.Stderr, os.Stderr
			if err := build.Run(); err != nil {
				return nil, fmt.Errorf("go build ./cmd/seclake (run s3bench from the repository root): %w", err)
			}
		}
		return s3peer.StartSeclake(ctx, bin, filepath.Join(tmp, "seclake-data"))
	case "moto":
		return s3peer.StartMoto(ctx)
	}
	return nil, fmt.Errorf("-target %q: want minio, seclake or moto", o.target)
}

// columns name the measurements, in the order measureAll returns them.
var columns = []string{
	"PUT 1 MiB", "GET 1 MiB", "PUT 64 MiB", "GET 64 MiB",
	"PUT 4 KiB ×1", "GET 4 KiB ×1", "PUT 4 KiB ×8", "GET 4 KiB ×8",
}

func printHeader() {
	fmt.Printf("Machine: %s, %d cores, %s RAM, %s, %s/%s\n\n", procField("/proc/cpuinfo", "model name"), runtime.NumCPU(),
		procField("/proc/meminfo", "MemTotal"), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("Each cell: per wall-clock second (per second of the server's CPU time).\n\n")
	fmt.Printf("| server | SSE | %s | server peak RSS |\n", strings.Join(columns, " | "))
	fmt.Printf("|%s\n", strings.Repeat(" --- |", len(columns)+3))
}

// procField returns the value of the first "name: value" line of a /proc file, or "?".
func procField(path, name string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, name); ok {
			return strings.TrimSpace(strings.TrimLeft(v, "\t :"))
		}
	}
	return "?"
}

// peakRSS returns the peak resident memory of process pid (VmHWM), or "?" where it cannot be read.
func peakRSS(pid int) string {
	var kb int64
	if _, err := fmt.Sscanf(procField(fmt.Sprintf("/proc/%d/status", pid), "VmHWM"), "%d kB", &kb); err != nil {
		return "?"
	}
	return fmt.Sprintf("%d MiB", kb>>10)
}
