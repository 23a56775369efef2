package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// seclakeBinary builds cmd/seclake once per test run.
func seclakeBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "seclake-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "seclake")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/seclake").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// process is a seclake server running as its own process.
type process struct {
	server
	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *syncBuffer
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// startProcess runs `seclake serve` on dataDir with the test account pinned and waits until it is healthy.
func startProcess(t testing.TB, dataDir string, extraEnv ...string) *process {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(seclakeBinary(t), "serve", "--listen", addr, "--data", dataDir)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"),
		"SECLAKE_ACCOUNT_ID=" + testAccount, "SECLAKE_ROOT_ACCESS_KEY_ID=" + testKeyID,
		"SECLAKE_ROOT_SECRET_ACCESS_KEY=" + testSecret}, extraEnv...)
	p := &process{cmd: cmd, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, cmd.Start())
	p.URL, p.DataDir = "http://"+addr, dataDir
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		if t.Failed() {
			t.Logf("seclake stderr:\n%s", p.stderr.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.URL + "/_seclake/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("seclake did not become healthy:\n%s", p.stderr.String())
	return nil
}

// kill sends SIGKILL and waits for the process to die.
func (p *process) kill(t testing.TB) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t testing.TB) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "seclake did not exit cleanly:\n%s", p.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatal("seclake did not stop within 60s of SIGTERM")
	}
}

// runSeclake runs a seclake subcommand and returns its output and exit code.
func runSeclake(t testing.TB, args ...string) (string, int) {
	return runSeclakeEnv(t, nil, args...)
}

// runSeclakeEnv is runSeclake with extra environment variables.
func runSeclakeEnv(t testing.TB, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, seclakeBinary(t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), 0
}
