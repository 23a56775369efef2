package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// wrongSecret is the secret of the remote with a wrong key: B refuses its signatures.
const wrongSecret = "seclake/remote/wrong/0000000000000000000000"

// TestIngestRemoteLocation ingests from a bucket of another seclake (server B), registered on server A as a
// remote location (`seclake ingest add --remote`) with B's access key from A's environment. The CloudTrail and
// VPC flow files already in B's bucket become exactly their rows in A's tables; a file added on B later is
// picked up by the next poll; a remote whose key B refuses shows B's error on its location (and in A's log),
// and A's log never holds either secret.
func TestIngestRemoteLocation(t *testing.T) {
	requireTool(t, "aws")
	b := startRemoteServer(t)
	dir := t.TempDir()
	ct, vpc := rawFiles[0], rawFiles[1]
	_, err := b.awsAs(t, remoteKeyID, remoteSecret, "", "s3", "mb", "s3://b-logs")
	require.NoError(t, err)
	for _, f := range []rawFile{ct, vpc} {
		_, err = b.awsAs(t, remoteKeyID, remoteSecret, "", "s3", "cp", writeRaw(t, dir, f), "s3://b-logs/"+f.key)
		require.NoError(t, err)
	}

	a := startServer(t, withConfig(func(c *config.Config) {
		shortFlush(c)
		c.Ingest.PollInterval = config.Duration(time.Second)
		c.Ingest.Remotes = []config.IngestRemote{
			{Name: "seclake-b", Endpoint: b.URL, AccessKeyIDEnv: "B_KEY_ID", SecretAccessKeyEnv: "B_SECRET"},
			{Name: "seclake-b-wrong", Endpoint: b.URL, AccessKeyIDEnv: "B_KEY_ID", SecretAccessKeyEnv: "B_WRONG_SECRET"},
		}
	}), withEnv(map[string]string{"B_KEY_ID": remoteKeyID, "B_SECRET": remoteSecret, "B_WRONG_SECRET": wrongSecret}))
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+a.URL)

	out, code := runSeclakeEnv(t, env, "ingest", "add", "--remote", "nobody", "--bucket", "b-logs")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, `No ingest remote is named "nobody"`)
	requireRemoteAddAuthorized(t, a)
	// boto3 with seclake's model: the remote member of the request and of the location.
	out, err = a.pythonEnv(t, []string{"AWS_DATA_PATH=" + modelPath(t)}, `
import boto3, os
c = boto3.client("seclake", endpoint_url=os.environ["ENDPOINT"])
loc = c.add_ingest_location(bucket="b-logs", prefix="boto3/", remote="seclake-b")["location"]
print(loc["remote"], loc["bucket"], loc["prefix"])
`)
	require.NoError(t, err, out)
	require.Equal(t, "seclake-b b-logs boto3/\n", out)
	out, code = runSeclakeEnv(t, env, "ingest", "add", "--remote", "seclake-b", "--bucket", "b-logs", "--prefix", "AWSLogs/", "--json")
	require.Equal(t, 0, code, out)
	var added struct {
		Location struct{ LocationID, Remote string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &added))
	require.Equal(t, "seclake-b", added.Location.Remote, out)
	st := waitIngested(t, a, 2)
	require.Zero(t, st.Failed)

	lake, err := a.app.Lakes().Open(context.Background(), testAccount, testRegion)
	require.NoError(t, err)
	old := iceberg.LessThan(iceberg.Reference("eventday"), "20250101")
	require.EqualValues(t, goldenLines(t, ct.testdata), tableRows(t, lake, ct.table, old))
	require.EqualValues(t, goldenLines(t, vpc.testdata), tableRows(t, lake, vpc.table, old))

	// A later file on B (its key sorts after the last one seen, as AWS's delivery keys do): the next poll.
	later := rawFile{testdata: vpc.testdata, gzip: true, table: vpc.table,
		key: "AWSLogs/" + testAccount + "/vpcflowlogs/us-east-1/2024/05/02/" + testAccount + "_vpcflowlogs_us-east-1_fl-0123456789abcdef0_20240502T1000Z_e5f6a7b8.log.gz"}
	_, err = b.awsAs(t, remoteKeyID, remoteSecret, "", "s3", "cp", writeRaw(t, dir, later), "s3://b-logs/"+later.key)
	require.NoError(t, err)
	waitIngested(t, a, 3)
	require.EqualValues(t, 2*goldenLines(t, vpc.testdata), tableRows(t, lake, vpc.table, old))

	requireRefusedRemoteShown(t, env)
	require.Eventually(t, func() bool { return strings.Count(a.logs.String(), "remote seclake-b-wrong: list") >= 2 },
		time.Minute, 200*time.Millisecond, "the refused listing is retried at the next poll")

	logs := a.logs.String()
	require.Contains(t, logs, "SignatureDoesNotMatch", "A's log names B's refusal")
	require.NotContains(t, logs, remoteSecret, "the remote's secret is never logged")
	require.NotContains(t, logs, wrongSecret, "the remote's secret is never logged")
}

// requireRemoteAddAuthorized: adding a remote location is authorized as seclake:AddIngestLocation: a user of A
// without it is refused naming it; with it (and no read permission on A: the bucket is B's; only what creating
// the account's lake needs), the add succeeds and creates the lake.
func requireRemoteAddAuthorized(t *testing.T, a *server) {
	t.Helper()
	key, secret := createUserWithKey(t, a, "remote-ingester")
	env := append(cliEnv(key, secret, ""), "AWS_ENDPOINT_URL="+a.URL)
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--remote", "seclake-b", "--bucket", "b-logs", "--prefix", "none/")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "AccessDeniedException")
	require.Contains(t, out, "seclake:AddIngestLocation")
	_, err := a.aws(t, "iam", "put-user-policy", "--user-name", "remote-ingester", "--policy-name", "ingest", "--policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["seclake:AddIngestLocation",`+
			`"s3:CreateBucket","s3:PutBucketPolicy","s3:PutEncryptionConfiguration"],"Resource":"*"}]}`)
	require.NoError(t, err)
	out, code = runSeclakeEnv(t, env, "ingest", "add", "--remote", "seclake-b", "--bucket", "b-logs", "--prefix", "none/")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "seclake-b:s3://b-logs/none/")
	require.Contains(t, out, "Created your data lake in us-east-1")
}

// requireRefusedRemoteShown: a remote location whose key B refuses says why on the location, with B's error
// code, in `seclake ingest get` and `list`; the poll retries it.
func requireRefusedRemoteShown(t *testing.T, env []string) {
	t.Helper()
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--remote", "seclake-b-wrong", "--bucket", "b-logs", "--json")
	require.Equal(t, 0, code, out)
	var added struct{ Location struct{ LocationID string } }
	require.NoError(t, json.Unmarshal([]byte(out), &added))
	var failing string
	require.Eventually(t, func() bool {
		out, code = runSeclakeEnv(t, env, "ingest", "get", "--json", added.Location.LocationID)
		var got struct {
			Location struct{ Backfill struct{ Error string } }
		}
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			return false
		}
		failing = got.Location.Backfill.Error
		return failing != ""
	}, time.Minute, 200*time.Millisecond, "the refused listing shows on the location")
	require.Contains(t, failing, "remote seclake-b-wrong")
	require.Contains(t, failing, "SignatureDoesNotMatch", "B's error code")
	out, code = runSeclakeEnv(t, env, "ingest", "list")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "seclake-b-wrong:s3://b-logs/")
	require.Contains(t, out, "failing (remote seclake-b-wrong")
	require.Contains(t, out, "seclake-b:s3://b-logs/AWSLogs/")
}
