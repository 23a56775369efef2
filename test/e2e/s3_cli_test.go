package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// awsConfig runs the aws CLI as root with the given CLI configuration file contents.
func (s *server) awsConfig(t *testing.T, config string, args ...string) (string, error) {
	t.Helper()
	requireTool(t, "aws")
	cfg := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(cfg, []byte(config), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append([]string{"--endpoint-url", s.URL}, args...)...)
	cmd.Env = append(cliEnv(testKeyID, testSecret, ""), "AWS_CONFIG_FILE="+cfg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("aws %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// writeRandomFile writes n random bytes to a new file in dir and returns its path and contents.
func writeRandomFile(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p, b
}

func TestS3CLIHighLevelCommands(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	_, err := s.aws(t, "s3", "mb", "s3://cli-bucket")
	require.NoError(t, err)

	small, smallBody := writeRandomFile(t, dir, "small.bin", 1000)
	big, bigBody := writeRandomFile(t, dir, "big.bin", 20<<20) // above the CLI's 8 MiB multipart threshold
	_, err = s.aws(t, "s3", "cp", small, "s3://cli-bucket/a/small.bin")
	require.NoError(t, err)
	_, err = s.aws(t, "s3", "cp", big, "s3://cli-bucket/a/big.bin")
	require.NoError(t, err)

	out, err := s.aws(t, "s3", "ls", "s3://cli-bucket/a/")
	require.NoError(t, err)
	require.Contains(t, out, "small.bin")
	require.Contains(t, out, "big.bin")
	out, err = s.aws(t, "s3", "ls")
	require.NoError(t, err)
	require.Contains(t, out, "cli-bucket")

	got := filepath.Join(dir, "got-big.bin")
	_, err = s.aws(t, "s3", "cp", "s3://cli-bucket/a/big.bin", got)
	require.NoError(t, err)
	b, err := os.ReadFile(got)
	require.NoError(t, err)
	require.True(t, bytes.Equal(bigBody, b), "the multipart object reads back intact")

	// sync uploads a tree, and only what changed the second time.
	tree := filepath.Join(dir, "tree")
	for _, name := range []string{"x/1.txt", "x/2.txt", "y/3.txt", "with space & plus+.txt"} {
		writeRandomFile(t, tree, name, 100)
	}
	_, err = s.aws(t, "s3", "sync", tree, "s3://cli-bucket/tree/")
	require.NoError(t, err)
	out, err = s.aws(t, "s3", "ls", "--recursive", "s3://cli-bucket/tree/")
	require.NoError(t, err)
	require.Contains(t, out, "tree/with space & plus+.txt")
	require.Equal(t, 4, strings.Count(out, "tree/"))
	back := filepath.Join(dir, "back")
	_, err = s.aws(t, "s3", "sync", "s3://cli-bucket/tree/", back)
	require.NoError(t, err)
	b, err = os.ReadFile(filepath.Join(back, "with space & plus+.txt"))
	require.NoError(t, err)
	require.Len(t, b, 100)

	// A presigned GET works without credentials. (CLI v1 presigns with SigV2 unless told s3v4.)
	out, err = s.awsConfig(t, "[default]\ns3 =\n  signature_version = s3v4\n", "s3", "presign", "s3://cli-bucket/a/small.bin", "--expires-in", "300")
	require.NoError(t, err)
	resp, err := http.Get(strings.TrimSpace(out))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, smallBody, body)

	// Anonymous access is refused without a policy.
	resp, err = http.Get(s.URL + "/cli-bucket/a/small.bin")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	// Objects are SSE-S3 by default.
	out, err = s.aws(t, "s3api", "head-object", "--bucket", "cli-bucket", "--key", "a/small.bin")
	require.NoError(t, err)
	var head struct{ ServerSideEncryption, ETag string }
	require.NoError(t, json.Unmarshal([]byte(out), &head))
	require.Equal(t, "AES256", head.ServerSideEncryption)

	_, err = s.aws(t, "s3", "rb", "s3://cli-bucket")
	require.ErrorContains(t, err, "BucketNotEmpty")
	_, err = s.aws(t, "s3", "rm", "--recursive", "s3://cli-bucket/")
	require.NoError(t, err)
	_, err = s.aws(t, "s3", "rb", "s3://cli-bucket")
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "head-bucket", "--bucket", "cli-bucket")
	require.ErrorContains(t, err, "404")
}
