package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// The second server of TestS3ReplicationToAnotherSeclake: its own account and root key.
const (
	remoteAccount = "444455556666"
	remoteKeyID   = "AKIASECLAKEREMOTE001"
	remoteSecret  = "seclake/remote/secret/000000000000000000000"
)

// startRemoteServer starts a second seclake with its own account.
func startRemoteServer(t testing.TB) *server {
	return startServer(t, withEnv(map[string]string{
		"SECLAKE_ACCOUNT_ID": remoteAccount, "SECLAKE_ROOT_ACCESS_KEY_ID": remoteKeyID, "SECLAKE_ROOT_SECRET_ACCESS_KEY": remoteSecret,
	}))
}

// TestS3ReplicationToAnotherSeclake replicates from server A into a bucket of server B, mapped in A's
// configuration (replication.remotes) with the access key of a user of B. A reads each version as the
// replication role (its source key's policy decides) and PUTs it to B, which authorizes the write as
// s3:ReplicateObject and encrypts it with the rule's ReplicaKmsKeyID, a key of B. B's replicas keep A's
// version IDs and say REPLICA; delete markers follow. When B's bucket policy refuses, the version is FAILED on
// A and A's log names B's refusal; once the policy is gone the retry completes it. A caller of B without
// s3:ReplicateObject cannot write replicas with the header.
func TestS3ReplicationToAnotherSeclake(t *testing.T) {
	b := startRemoteServer(t)
	out, err := runPython(t, remoteKeyID, remoteSecret, map[string]string{"ENDPOINT": b.URL}, `
import boto3, os, json
from botocore.config import Config
E = os.environ["ENDPOINT"]
s3 = boto3.client("s3", endpoint_url=E, config=Config(signature_version="s3v4"))
iam = boto3.client("iam", endpoint_url=E)
kms = boto3.client("kms", endpoint_url=E)
s3.create_bucket(Bucket="b-replicas")
s3.put_bucket_versioning(Bucket="b-replicas", VersioningConfiguration={"Status": "Enabled"})
iam.create_user(UserName="replicator")
user = iam.get_user(UserName="replicator")["User"]["Arn"]
key = kms.create_key(Description="replicas from A")["KeyMetadata"]["Arn"]
iam.put_user_policy(UserName="replicator", PolicyName="replicate", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"], "Resource": "arn:aws:s3:::b-replicas/*"},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey"], "Resource": key}]}))
ak = iam.create_access_key(UserName="replicator")["AccessKey"]
iam.create_user(UserName="writer")
iam.put_user_policy(UserName="writer", PolicyName="put", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b-replicas/*"}]}))
wk = iam.create_access_key(UserName="writer")["AccessKey"]
print(json.dumps({"id": ak["AccessKeyId"], "secret": ak["SecretAccessKey"], "key": key, "user": user,
                  "wid": wk["AccessKeyId"], "wsecret": wk["SecretAccessKey"]}))
`)
	require.NoError(t, err, out)
	var setup struct{ ID, Secret, Key, User, WID, WSecret string }
	require.NoError(t, json.Unmarshal([]byte(out), &setup), out)

	remote := config.Remote{Name: "seclake-b", Bucket: "arn:aws:s3:::b-replicas", Endpoint: b.URL,
		AccessKeyIDEnv: "REMOTE_B_KEY_ID", SecretAccessKeyEnv: "REMOTE_B_SECRET"}
	a := startServer(t, withConfig(func(c *config.Config) { c.Replication.Remotes = []config.Remote{remote} }),
		withEnv(map[string]string{"REMOTE_B_KEY_ID": setup.ID, "REMOTE_B_SECRET": setup.Secret}))

	out, err = runPython(t, testKeyID, testSecret, map[string]string{"ENDPOINT": a.URL, "ENDPOINT_B": b.URL, "B_KEY": setup.Key,
		"B_USER": setup.User, "B_ROOT_ID": remoteKeyID, "B_ROOT_SECRET": remoteSecret, "B_WRITER_ID": setup.WID,
		"B_WRITER_SECRET": setup.WSecret}, remoteReplicationScript)
	require.NoError(t, err, out)
	for _, step := range []string{"replicated", "markers", "denied", "recovered", "header refused"} {
		require.Contains(t, out, step+" ok")
	}
	logs := a.logs.String()
	require.Contains(t, logs, "replication failed")
	require.Contains(t, logs, "remote seclake-b: AccessDenied", "A's log names the remote and its refusal")
	require.Contains(t, logs, "s3:ReplicateObject", "A's log carries B's message, which names the action")
	require.Contains(t, logs, "replication recovered")
	require.NotContains(t, logs, setup.Secret, "the remote's secret is never logged")

	// The metrics count remote replications as local ones: four completed (two objects, a delete marker, the
	// refused object once allowed), at least one failure, nothing left.
	metrics := func() string {
		resp, err := http.Get(a.URL + "/_seclake/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		m, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(m)
	}
	require.Equal(t, "4", metricValue(metrics(), `seclake_s3_replication_operations_total{result="completed"}`))
	require.NotEmpty(t, metricValue(metrics(), `seclake_s3_replication_operations_total{result="failed"}`))
	require.Eventually(t, func() bool { return metricValue(metrics(), "seclake_s3_replication_pending") == "0" }, 10*time.Second, 50*time.Millisecond)
}

const remoteReplicationScript = `
import boto3, os, json, time
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(signature_version="s3v4")
src = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], config=cfg)
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"])
kms = boto3.client("kms", endpoint_url=os.environ["ENDPOINT"])
B = os.environ["ENDPOINT_B"]
dst = boto3.client("s3", endpoint_url=B, config=cfg, aws_access_key_id=os.environ["B_ROOT_ID"], aws_secret_access_key=os.environ["B_ROOT_SECRET"])

src.create_bucket(Bucket="a-src")
src.put_bucket_versioning(Bucket="a-src", VersioningConfiguration={"Status": "Enabled"})
key_src = kms.create_key(Description="source")["KeyMetadata"]["Arn"]
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="to-b", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="to-b", PolicyName="read", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObjectVersionForReplication", "Resource": "arn:aws:s3:::a-src/*"},
    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_src}]}))
src.put_bucket_replication(Bucket="a-src", ReplicationConfiguration={"Role": role, "Rules": [
    {"ID": "to-b", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""}, "DeleteMarkerReplication": {"Status": "Enabled"},
     "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}},
     "Destination": {"Bucket": "arn:aws:s3:::b-replicas", "Account": "444455556666",
                     "EncryptionConfiguration": {"ReplicaKmsKeyID": os.environ["B_KEY"]}}}]})

def status(key, version, want, timeout=30):
    deadline = time.time() + timeout
    while True:
        st = src.head_object(Bucket="a-src", Key=key, VersionId=version).get("ReplicationStatus")
        if st in want or time.time() > deadline:
            return st
        time.sleep(0.2)

bodies = {"plain.txt": b"hello from A", "secret.bin": os.urandom(300000)}
v1 = src.put_object(Bucket="a-src", Key="plain.txt", Body=bodies["plain.txt"], ContentType="text/plain",
                    Metadata={"origin": "a"}, Tagging="team=sec")["VersionId"]
v2 = src.put_object(Bucket="a-src", Key="secret.bin", Body=bodies["secret.bin"], ServerSideEncryption="aws:kms", SSEKMSKeyId=key_src)["VersionId"]
assert status("plain.txt", v1, ("COMPLETED", "FAILED")) == "COMPLETED"
assert status("secret.bin", v2, ("COMPLETED", "FAILED")) == "COMPLETED"
for k, v in (("plain.txt", v1), ("secret.bin", v2)):
    r = dst.get_object(Bucket="b-replicas", Key=k)
    assert r["Body"].read() == bodies[k], k
    assert r["VersionId"] == v and r["ReplicationStatus"] == "REPLICA", r
r = dst.head_object(Bucket="b-replicas", Key="plain.txt")
assert r["ContentType"] == "text/plain" and r["Metadata"] == {"origin": "a"}, r
assert dst.get_object_tagging(Bucket="b-replicas", Key="plain.txt")["TagSet"] == [{"Key": "team", "Value": "sec"}]
r = dst.head_object(Bucket="b-replicas", Key="secret.bin")
assert r["ServerSideEncryption"] == "aws:kms" and r["SSEKMSKeyId"] == os.environ["B_KEY"], r
lv = dst.list_object_versions(Bucket="b-replicas")["Versions"]
assert sorted(x["VersionId"] for x in lv) == sorted([v1, v2]), lv
print("replicated ok")

m = src.delete_object(Bucket="a-src", Key="plain.txt")["VersionId"]
deadline = time.time() + 30
while time.time() < deadline:
    markers = dst.list_object_versions(Bucket="b-replicas").get("DeleteMarkers", [])
    if markers:
        break
    time.sleep(0.2)
assert [(x["Key"], x["VersionId"], x["IsLatest"]) for x in markers] == [("plain.txt", m, True)], markers
print("markers ok")

# B's bucket policy refuses A's replicator: the version is FAILED on A.
deny = {"Version": "2012-10-17", "Statement": [{"Sid": "NoReplicasFromA", "Effect": "Deny", "Principal": {"AWS": os.environ["B_USER"]},
        "Action": "s3:ReplicateObject", "Resource": "arn:aws:s3:::b-replicas/*"}]}
dst.put_bucket_policy(Bucket="b-replicas", Policy=json.dumps(deny))
v3 = src.put_object(Bucket="a-src", Key="later.txt", Body=b"later")["VersionId"]
assert status("later.txt", v3, ("COMPLETED", "FAILED")) == "FAILED"
try:
    dst.head_object(Bucket="b-replicas", Key="later.txt")
    raise SystemExit("the refused replica exists")
except ClientError as e:
    assert e.response["Error"]["Code"] == "404", e.response
print("denied ok")

dst.delete_bucket_policy(Bucket="b-replicas")
assert status("later.txt", v3, ("COMPLETED",), 60) == "COMPLETED"
r = dst.get_object(Bucket="b-replicas", Key="later.txt")
assert r["Body"].read() == b"later" and r["VersionId"] == v3 and r["ReplicationStatus"] == "REPLICA", r
print("recovered ok")

# A caller of B that may only PutObject cannot pass its writes off as replicas.
w = boto3.client("s3", endpoint_url=B, config=cfg, aws_access_key_id=os.environ["B_WRITER_ID"], aws_secret_access_key=os.environ["B_WRITER_SECRET"])
def add_header(request, **kwargs):
    request.headers["x-seclake-replica-version-id"] = v3
w.meta.events.register("before-sign.s3.PutObject", add_header)
try:
    w.put_object(Bucket="b-replicas", Key="forged.txt", Body=b"forged")
    raise SystemExit("a forged replica was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
    assert "s3:ReplicateObject" in e.response["Error"]["Message"], e.response
print("header refused ok")
`

// runPython runs a boto3 script with the given credentials and extra environment; it returns stdout, or stderr
// as the error.
func runPython(t *testing.T, keyID, secret string, env map[string]string, script string) (string, error) {
	t.Helper()
	requireTool(t, "python3")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Env = cliEnv(keyID, secret, "")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("python: %v: %s", err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}
