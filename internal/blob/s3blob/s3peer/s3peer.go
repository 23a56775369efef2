// Package s3peer starts S3-compatible servers (moto_server, MinIO, seclake) as child processes on 127.0.0.1,
// for the s3blob tests and the S3 benchmarks.
package s3peer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/seclake/seclake/internal/blob/s3blob"
)

// startTimeout bounds how long a server may take to answer its first request.
const startTimeout = 60 * time.Second

// Server is a running S3-compatible server.
type Server struct {
	// Name says what runs ("moto", "minio").
	Name string
	// Endpoint is the base URL, http://127.0.0.1:<port>.
	Endpoint string
	// AccessKeyID and SecretAccessKey are the credentials the server accepts.
	AccessKeyID     string
	SecretAccessKey string
	cmd             *exec.Cmd
	exited          chan struct{}
	stderr          *tail
}

// Config returns the s3blob configuration for a bucket on the server.
func (s *Server) Config(bucket string) s3blob.Config {
	return s3blob.Config{
		Bucket: bucket, Endpoint: s.Endpoint, Region: "us-east-1", PathStyle: true,
		AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey,
	}
}

// Client returns an S3 client for the server.
func (s *Server) Client(ctx context.Context) (*s3.Client, error) {
	return s3blob.NewClient(ctx, s.Config(""))
}

// CreateBucket creates a bucket.
func (s *Server) CreateBucket(ctx context.Context, bucket string) error {
	c, err := s.Client(ctx)
	if err != nil {
		return err
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("create bucket %s on %s: %w", bucket, s.Name, err)
	}
	return nil
}

// PID returns the server's process ID.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// clockTicks is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const clockTicks = 100

// CPUTime returns the CPU time (user and system) the server process has used so far, from /proc (Linux).
func (s *Server) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.PID()))
	if err != nil {
		return 0, fmt.Errorf("read %s's CPU time: %w", s.Name, err)
	}
	// The fields after the command name (which may hold spaces, so it ends at the last ')') start with the
	// state, field 3; utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	f := strings.Fields(string(b[i+1:]))
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("read %s's CPU time: unexpected /proc stat line", s.Name)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read %s's CPU time: %w", s.Name, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// Close stops the server (SIGTERM, then SIGKILL after a few seconds) and waits for it to exit.
func (s *Server) Close() error {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	return nil
}

// StartMoto starts moto_server (from python's moto package) on a free port; it fails with exec.ErrNotFound
// when moto_server is not installed.
func StartMoto(ctx context.Context) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Name: "moto", Endpoint: "http://127.0.0.1:" + port, AccessKeyID: "testing", SecretAccessKey: "testing"}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", port)
	return s, s.start(ctx, cmd, "/moto-api/")
}

// StartMinIO starts the MinIO server binary bin with its data in dir on a free port, without encryption,
// the console or update checks.
func StartMinIO(ctx context.Context, bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	console, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Name: "minio", Endpoint: "http://127.0.0.1:" + port, AccessKeyID: "seclake-bench", SecretAccessKey: "seclake-bench-secret"}
	cmd := exec.Command(bin, "server", "--quiet", "--address", "127.0.0.1:"+port, "--console-address", "127.0.0.1:"+console, dir)
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKeyID, "MINIO_ROOT_PASSWORD="+s.SecretAccessKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off", "MINIO_HOME="+dir)
	return s, s.start(ctx, cmd, "/minio/health/ready")
}

// StartSeclake starts the seclake binary bin with its data in dir on a free port, with the management
// account's root access key pinned to the Server's credentials, and with extra environment (such as
// SECLAKE_BLOB) added.
func StartSeclake(ctx context.Context, bin, dir string, env ...string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Name: "seclake", Endpoint: "http://127.0.0.1:" + port, AccessKeyID: "AKIASECLAKEBENCH0001", SecretAccessKey: "seclake/bench/secret/000000000000000000000"}
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:"+port, "--data", dir, "--log-level", "warn")
	cmd.Env = append(append(os.Environ(), "SECLAKE_ACCOUNT_ID=111122223333",
		"SECLAKE_ROOT_ACCESS_KEY_ID="+s.AccessKeyID, "SECLAKE_ROOT_SECRET_ACCESS_KEY="+s.SecretAccessKey), env...)
	return s, s.start(ctx, cmd, "/_seclake/health")
}

// start runs cmd and waits until GET path answers 200.
func (s *Server) start(ctx context.Context, cmd *exec.Cmd, path string) error {
	s.cmd, s.exited, s.stderr = cmd, make(chan struct{}), &tail{}
	cmd.Stdout, cmd.Stderr = s.stderr, s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.Name, err)
	}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	for {
		if ready(ctx, s.Endpoint+path) {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before it was ready: %s", s.Name, s.stderr)
		case <-ctx.Done():
			_ = s.Close()
			return fmt.Errorf("%s not ready after %s: %w: %s", s.Name, startTimeout, ctx.Err(), s.stderr)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func ready(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// MinIOBinary returns the MinIO server binary: $SECLAKE_MINIO, else the one tools/minio.sh built into its
// cache. It returns an error that says how to get one when there is none.
func MinIOBinary() (string, error) {
	if bin := os.Getenv("SECLAKE_MINIO"); bin != "" {
		return bin, nil
	}
	script, err := repoFile("tools/minio.sh")
	if err != nil {
		return "", err
	}
	out, err := exec.Command("sh", script, "-n").Output()
	if err != nil {
		return "", fmt.Errorf("%s -n: %w", script, err)
	}
	bin := strings.TrimSpace(string(out))
	if fi, err := os.Stat(bin); err != nil || fi.IsDir() {
		return "", fmt.Errorf("no MinIO binary at %s: build it with tools/minio.sh or set SECLAKE_MINIO", bin)
	}
	return bin, nil
}

// repoFile returns the path of a file relative to the repository root, found from this source file.
func repoFile(rel string) (string, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the repository")
	}
	root := filepath.Join(filepath.Dir(self), "..", "..", "..", "..")
	p := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("locate %s: %w", rel, err)
	}
	return p, nil
}
