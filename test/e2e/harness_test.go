// Package e2e drives a real seclake server with real AWS clients: the aws CLI, boto3 and the AWS SDK for Go v2.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/config"
)

// Fixed identities of the test servers.
const (
	testAccount = "111122223333"
	testKeyID   = "AKIASECLAKETEST00001"
	testSecret  = "seclake/test/secret/0000000000000000000000"
	testRegion  = "us-east-1"
)

// server is a seclake server running inside the test process.
type server struct {
	URL     string
	DataDir string
	Clock   clock.Clock
	app     *app.Server
	logs    *syncBuffer
}

type serverOptions struct {
	clock   clock.Clock
	dataDir string
	cfg     func(*config.Config)
	env     map[string]string
}

// startServer starts seclake on a free loopback port with the test account pinned; it stops with the test.
func startServer(t testing.TB, opts ...func(*serverOptions)) *server {
	t.Helper()
	o := serverOptions{clock: clock.System}
	for _, f := range opts {
		f(&o)
	}
	if o.dataDir == "" {
		o.dataDir = filepath.Join(t.TempDir(), "data")
	}
	cfg := config.Default()
	cfg.Listen = "127.0.0.1:0"
	cfg.DataDir = o.dataDir
	cfg.LogLevel = "debug"
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	logs := &syncBuffer{}
	env := map[string]string{
		"SECLAKE_ACCOUNT_ID":             testAccount,
		"SECLAKE_ROOT_ACCESS_KEY_ID":     testKeyID,
		"SECLAKE_ROOT_SECRET_ACCESS_KEY": testSecret,
	}
	for k, v := range o.env {
		env[k] = v
	}
	srv, err := app.Start(context.Background(), cfg, app.Options{
		Clock:  o.clock,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Stdout: io.Discard,
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	require.NoError(t, err)
	s := &server{URL: srv.URL(), DataDir: o.dataDir, Clock: o.clock, app: srv, logs: logs}
	t.Cleanup(func() {
		require.NoError(t, srv.Shutdown(context.Background()))
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return s
}

// withConfig changes the server's configuration.
func withConfig(f func(*config.Config)) func(*serverOptions) {
	return func(o *serverOptions) { o.cfg = f }
}

// withEnv adds to the environment the server reads its secrets from.
func withEnv(kv map[string]string) func(*serverOptions) { return func(o *serverOptions) { o.env = kv } }

// withClock runs the server on the given clock.
func withClock(c clock.Clock) func(*serverOptions) { return func(o *serverOptions) { o.clock = c } }

// cliEnv is the environment of the aws CLI and boto3 for the given credentials: nothing from the machine's own
// AWS configuration, no retries, so each test sees the first answer.
func cliEnv(keyID, secret, token string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=" + keyID, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_DEFAULT_REGION=" + testRegion, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_RETRY_MODE=standard", "PYTHONWARNINGS=ignore",
	}
	if token != "" {
		env = append(env, "AWS_SESSION_TOKEN="+token)
	}
	return env
}

// aws runs the aws CLI against the server as root and returns stdout, or stderr as the error.
func (s *server) aws(t testing.TB, args ...string) (string, error) {
	return s.awsAs(t, testKeyID, testSecret, "", args...)
}

// awsAs runs the aws CLI with the given credentials.
func (s *server) awsAs(t testing.TB, keyID, secret, token string, args ...string) (string, error) {
	t.Helper()
	return s.awsWith(t, cliEnv(keyID, secret, token), args...)
}

// awsEnv runs the aws CLI as root with extra environment variables.
func (s *server) awsEnv(t testing.TB, extra []string, args ...string) (string, error) {
	t.Helper()
	return s.awsWith(t, append(cliEnv(testKeyID, testSecret, ""), extra...), args...)
}

func (s *server) awsWith(t testing.TB, env []string, args ...string) (string, error) {
	t.Helper()
	requireTool(t, "aws")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append([]string{"--endpoint-url", s.URL, "--output", "json"}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("aws %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// python runs a boto3 script with ENDPOINT set to the server's URL and the given credentials in the
// environment; it returns stdout, or stderr as the error.
func (s *server) python(t testing.TB, keyID, secret, script string) (string, error) {
	t.Helper()
	return s.pythonWith(t, append(cliEnv(keyID, secret, ""), "ENDPOINT="+s.URL), script)
}

// pythonEnv runs a boto3 script as root with extra environment variables.
func (s *server) pythonEnv(t testing.TB, extra []string, script string) (string, error) {
	t.Helper()
	return s.pythonWith(t, append(append(cliEnv(testKeyID, testSecret, ""), "ENDPOINT="+s.URL), extra...), script)
}

func (s *server) pythonWith(t testing.TB, env []string, script string) (string, error) {
	t.Helper()
	requireTool(t, "python3")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("python: %v: %s", err, stderr.String())
	}
	return stdout.String(), nil
}

// sdkConfig returns an AWS SDK for Go v2 configuration that talks to the server with the given credentials.
func (s *server) sdkConfig(keyID, secret, token string) aws.Config {
	return aws.Config{
		Region:           testRegion,
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, token),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	}
}

// rootConfig is sdkConfig for the account's root user.
func (s *server) rootConfig() aws.Config { return s.sdkConfig(testKeyID, testSecret, "") }

func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed", name)
	}
}

// syncBuffer is a bytes.Buffer safe for the server's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
