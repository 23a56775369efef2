package e2e

import (
	"encoding/json"
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// TestS3ReplicationToAnotherSeclakeAsARole maps a whole account of server B to B (replication.remotes by
// account) and signs the replicas as a role of B, assumed through B's STS with an external ID that the role's
// trust policy requires. A rule whose destination account is mapped replicates there; a remote that cannot be
// reached leaves the version FAILED, with the connection error and the remote's name in A's log.
func TestS3ReplicationToAnotherSeclakeAsARole(t *testing.T) {
	b := startRemoteServer(t)
	out, err := runPython(t, remoteKeyID, remoteSecret, map[string]string{"ENDPOINT": b.URL}, `
import boto3, os, json
E = os.environ["ENDPOINT"]
s3 = boto3.client("s3", endpoint_url=E)
iam = boto3.client("iam", endpoint_url=E)
s3.create_bucket(Bucket="b-by-role")
s3.put_bucket_versioning(Bucket="b-by-role", VersioningConfiguration={"Status": "Enabled"})
iam.create_user(UserName="peer-a")
user = iam.get_user(UserName="peer-a")["User"]["Arn"]
iam.put_user_policy(UserName="peer-a", PolicyName="assume", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": user}, "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId": "seclake-a-7f3c"}}}]}
role = iam.create_role(RoleName="replicas-from-a", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="replicas-from-a", PolicyName="replicate", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"], "Resource": "arn:aws:s3:::b-by-role/*"}]}))
k = iam.create_access_key(UserName="peer-a")["AccessKey"]
print(json.dumps({"id": k["AccessKeyId"], "secret": k["SecretAccessKey"], "role": role}))
`)
	require.NoError(t, err, out)
	var setup struct{ ID, Secret, Role string }
	require.NoError(t, json.Unmarshal([]byte(out), &setup), out)

	closed, err := net.Listen("tcp", "127.0.0.1:0") // a port that refuses connections once closed
	require.NoError(t, err)
	down := "http://" + closed.Addr().String()
	require.NoError(t, closed.Close())
	remotes := []config.Remote{
		{Name: "b-as-role", Account: remoteAccount, Endpoint: b.URL, AccessKeyIDEnv: "B_ID", SecretAccessKeyEnv: "B_SECRET",
			RoleARN: setup.Role, ExternalID: "seclake-a-7f3c"},
		{Name: "down", Bucket: "gone-replicas", Endpoint: down, AccessKeyIDEnv: "B_ID", SecretAccessKeyEnv: "B_SECRET"},
	}
	a := startServer(t, withConfig(func(c *config.Config) { c.Replication.Remotes = remotes }),
		withEnv(map[string]string{"B_ID": setup.ID, "B_SECRET": setup.Secret}))

	out, err = runPython(t, testKeyID, testSecret, map[string]string{"ENDPOINT": a.URL, "ENDPOINT_B": b.URL,
		"B_ROOT_ID": remoteKeyID, "B_ROOT_SECRET": remoteSecret}, `
import boto3, os, json, time
src = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"])
dst = boto3.client("s3", endpoint_url=os.environ["ENDPOINT_B"], aws_access_key_id=os.environ["B_ROOT_ID"], aws_secret_access_key=os.environ["B_ROOT_SECRET"])
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="repl", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="repl", PolicyName="read", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObjectVersionForReplication", "Resource": "*"}]}))
for bucket, dest in (("to-role", {"Bucket": "arn:aws:s3:::b-by-role", "Account": "444455556666"}),
                     ("to-down", {"Bucket": "arn:aws:s3:::gone-replicas"})):
    src.create_bucket(Bucket=bucket)
    src.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    src.put_bucket_replication(Bucket=bucket, ReplicationConfiguration={"Role": role, "Rules": [{"ID": "all", "Priority": 1,
        "Status": "Enabled", "Filter": {"Prefix": ""}, "DeleteMarkerReplication": {"Status": "Enabled"}, "Destination": dest}]})

def status(bucket, key, want, timeout=30):
    deadline = time.time() + timeout
    while True:
        st = src.head_object(Bucket=bucket, Key=key).get("ReplicationStatus")
        if st in want or time.time() > deadline:
            return st
        time.sleep(0.2)

v = src.put_object(Bucket="to-role", Key="a", Body=b"by role")["VersionId"]
assert status("to-role", "a", ("COMPLETED", "FAILED")) == "COMPLETED"
r = dst.get_object(Bucket="b-by-role", Key="a")
assert r["Body"].read() == b"by role" and r["VersionId"] == v and r["ReplicationStatus"] == "REPLICA", r
print("role ok")

src.put_object(Bucket="to-down", Key="a", Body=b"nowhere")
assert status("to-down", "a", ("COMPLETED", "FAILED")) == "FAILED"
print("down ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "role ok")
	require.Contains(t, out, "down ok")
	logs := a.logs.String()
	require.Contains(t, logs, "remote down:")
	require.Contains(t, logs, "connection refused")
	require.NotContains(t, logs, setup.Secret)
}
