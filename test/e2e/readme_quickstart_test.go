package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// readmeBlocks returns the ```sh blocks of README.md between the markers <!-- name:begin --> and
// <!-- name:end -->, in order.
func readmeBlocks(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	doc := string(b)
	begin, end := strings.Index(doc, "<!-- "+name+":begin -->"), strings.Index(doc, "<!-- "+name+":end -->")
	require.True(t, begin >= 0 && end > begin, "README.md has no %s section", name)
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(doc[begin:end], -1) {
		blocks = append(blocks, m[1])
	}
	require.NotEmpty(t, blocks)
	return blocks
}

// TestReadmeFirstLake runs the README's "Your first lake" commands, as written, with bash against a fresh server
// (the aws CLI with AWS_ENDPOINT_URL, the seclake binary on PATH, from the repository's root): they must all
// succeed, the data lake must be COMPLETED, the subscriber must get the queue message and read Parquet through
// its role, Athena and seclake query must answer with the CloudTrail rows, and the doctor must find every path OK.
func TestReadmeFirstLake(t *testing.T) {
	requireTool(t, "aws")
	requireTool(t, "python3")
	requireTool(t, "bash")
	requireTool(t, "gzip")
	s := startServer(t, withConfig(shortFlush))
	script := "set -euo pipefail\n" + strings.Join(readmeBlocks(t, "first-lake"), "\n")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = root
	// The root's key in a credentials file with the profile "seclake", as the README's setup has it.
	creds := filepath.Join(t.TempDir(), "credentials")
	require.NoError(t, os.WriteFile(creds, []byte("[seclake]\naws_access_key_id = "+testKeyID+"\naws_secret_access_key = "+testSecret+"\n"), 0o600))
	var env []string
	for _, e := range cliEnv(testKeyID, testSecret, "") {
		switch k, _, _ := strings.Cut(e, "="); k {
		case "PATH":
			e = "PATH=" + filepath.Dir(seclakeBinary(t)) + ":" + os.Getenv("PATH")
		case "AWS_SHARED_CREDENTIALS_FILE":
			e = k + "=" + creds
		case "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY":
			continue
		}
		env = append(env, e)
	}
	cmd.Env = append(env, "AWS_PROFILE=seclake", "AWS_ENDPOINT_URL="+s.URL)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	text := out.String()
	require.NoError(t, err, "the README's commands failed:\n%s", tail(text, 4000))
	for _, want := range []string{"data lake: COMPLETED", `"detail-type":"Object Created"`, "PAR1", "query SUCCEEDED", "DescribeInstances", "0 failed."} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, "FAIL ")
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
