package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// flowLog is a VPC flow log file as VPC delivers it to S3: a header line, then records.
const flowLog = `version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path
5 111122223333 eni-0a1b2c3d4e5f60001 198.51.100.7 10.0.1.15 443 49152 6 10 5210 1700000000 1700000060 ACCEPT OK vpc-0a1b2c3d4e5f60001 subnet-0a1b2c3d4e5f60001 i-0a1b2c3d4e5f60001 18 IPv4 198.51.100.7 10.0.1.15 us-east-1 use1-az1 - - - - ingress -
5 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.7 49152 443 6 12 4811 1700000000 1700000060 REJECT OK vpc-0a1b2c3d4e5f60001 subnet-0a1b2c3d4e5f60001 i-0a1b2c3d4e5f60001 19 IPv4 10.0.1.15 198.51.100.7 us-east-1 use1-az1 - - - - egress 8
5 111122223333 eni-0a1b2c3d4e5f60001 - - - - - - - 1700000060 1700000120 - NODATA vpc-0a1b2c3d4e5f60001 subnet-0a1b2c3d4e5f60001 i-0a1b2c3d4e5f60001 - - - - us-east-1 use1-az1 - - - - - -
`

// TestOCSFNormalizeAndValidate runs the binary as a user checking their data: a gzip flow log normalized to
// OCSF JSON lines, the lines validated, a broken record set aside with its line, broken events reported with
// their line and field path, standard input for both.
func TestOCSFNormalizeAndValidate(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(flowLog))
	require.NoError(t, zw.Close())
	logFile := filepath.Join(dir, "flows.log.gz")
	require.NoError(t, os.WriteFile(logFile, gz.Bytes(), 0o644))

	out, errOut, code := runSeclakeIO(t, "", "ocsf", "normalize", "--source", "vpcflow", logFile)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "3 records read, 3 normalized into 3 events, 0 set aside")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &ev))
	require.EqualValues(t, 400105, ev["type_uid"])
	require.Equal(t, "Denied", ev["action"])
	require.Equal(t, "1.1.0", ev["metadata"].(map[string]any)["version"])
	require.Equal(t, "us-east-1", ev["cloud"].(map[string]any)["region"])

	events := filepath.Join(dir, "flows.ocsf.jsonl")
	require.NoError(t, os.WriteFile(events, []byte(out), 0o644))
	out, errOut, code = runSeclakeIO(t, "", "ocsf", "validate", "--table", "vpc_flow", events)
	require.Equal(t, 0, code, out+errOut)
	require.Contains(t, out, "3 events, 3 valid, 0 with problems")

	// The Security Lake name works too, and standard input; a bad record is set aside, the rest goes on.
	bad := "2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.7 49152 443 6 12 4811 1700000000 1700000060 ACCEPT OK\n" +
		"2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.999 198.51.100.7 49152 443 6 12 4811 1700000000 1700000060 ACCEPT OK\n"
	out, errOut, code = runSeclakeIO(t, bad, "ocsf", "normalize", "--source", "VPC_FLOW", "--region", "eu-west-1")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `-:2: set aside: srcaddr "10.0.1.999" is not an IP address`)
	require.Equal(t, 1, strings.Count(out, "\n"))
	require.Contains(t, out, `"region":"eu-west-1"`)

	broken := strings.Replace(lines[0], `"activity_name":"Traffic"`, `"activity_name":"Open"`, 1) + "\n" +
		strings.Replace(lines[1], `"port":49152`, `"port":"49152"`, 1) + "\n" + lines[2] + "\n"
	out, _, code = runSeclakeIO(t, broken, "ocsf", "validate")
	require.Equal(t, 1, code)
	require.Contains(t, out, `-:1: activity_name: "Open", but activity_id 6 is "Traffic"`)
	require.Contains(t, out, `-:2: src_endpoint.port: want an integer (port_t), got "49152"`)
	require.Contains(t, out, "3 events, 1 valid, 2 with problems")

	_, errOut, code = runSeclakeIO(t, "", "ocsf", "normalize", "--source", "nope")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `no source "nope"; the sources are `)
	require.Contains(t, errOut, "vpcflow")
	_, errOut, code = runSeclakeIO(t, "", "ocsf", "normalize", logFile)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "give --source")
}

func TestOCSFHelp(t *testing.T) {
	out, code := runSeclake(t, "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "ocsf normalize")
	require.Contains(t, out, "ocsf validate")
	for _, cmd := range []string{"normalize", "validate"} {
		out, code := runSeclake(t, "ocsf", cmd, "--help")
		require.Equal(t, 0, code, out)
		require.Contains(t, out, "Usage: seclake ocsf "+cmd)
	}
	out, code = runSeclake(t, "ocsf", "normalize", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "vpcflow")
	require.Contains(t, out, "VPC_FLOW 2.0, table vpc_flow")
	out, code = runSeclake(t, "ocsf")
	require.Equal(t, 2, code)
	require.Contains(t, out, "usage: seclake ocsf normalize")
}

// runSeclakeIO runs the binary with stdin and returns its standard output, standard error and exit status.
func runSeclakeIO(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, seclakeBinary(t), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), errOut.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), errOut.String(), 0
}
