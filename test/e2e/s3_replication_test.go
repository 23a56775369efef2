package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestS3ReplicationAcrossRegions replicates between two regions of one server with boto3: SSE-KMS objects
// are decrypted with the source region's key and encrypted again with the destination's (ReplicaKmsKeyID), as
// the replication role assumed by s3.amazonaws.com. The destination key's policy lacks a statement for the
// role at first: the version turns FAILED and the log names the missing permission; once the statement is
// added the retry completes it. Prefix and tag filters, priorities and delete-marker replication select what
// is replicated; replicas keep the source's version IDs and say REPLICA.
func TestS3ReplicationAcrossRegions(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os, json, time
from botocore.config import Config

E = os.environ["ENDPOINT"]
cfg = Config(signature_version="s3v4")
src = boto3.client("s3", endpoint_url=E, region_name="us-east-1", config=cfg)
dst = boto3.client("s3", endpoint_url=E, region_name="eu-west-1", config=cfg)
kms_src = boto3.client("kms", endpoint_url=E, region_name="us-east-1")
kms_dst = boto3.client("kms", endpoint_url=E, region_name="eu-west-1")
iam = boto3.client("iam", endpoint_url=E, region_name="us-east-1")
ACCOUNT = "111122223333"

src.create_bucket(Bucket="repl-src")
dst.create_bucket(Bucket="repl-dst", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
for c, b in ((src, "repl-src"), (dst, "repl-dst")):
    c.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})

key_src = kms_src.create_key(Description="source")["KeyMetadata"]["Arn"]
admin = {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey", "kms:Decrypt"], "Resource": "*"}
key_dst = kms_dst.create_key(Description="replicas", Policy=json.dumps({"Version": "2012-10-17", "Statement": [admin]}))["KeyMetadata"]["Arn"]
assert ":eu-west-1:" in key_dst and ":us-east-1:" in key_src

trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="s3-replication", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="s3-replication", PolicyName="replicate", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionTagging"], "Resource": "arn:aws:s3:::repl-src/*"},
    {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], "Resource": "arn:aws:s3:::repl-dst/*"},
    {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key_src},
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Encrypt"], "Resource": key_dst}]}))

dest = {"Bucket": "arn:aws:s3:::repl-dst", "EncryptionConfiguration": {"ReplicaKmsKeyID": key_dst}}
src.put_bucket_replication(Bucket="repl-src", ReplicationConfiguration={"Role": role, "Rules": [
    {"ID": "logs", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": "logs/"},
     "DeleteMarkerReplication": {"Status": "Enabled"},
     "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"}}, "Destination": dest},
    {"ID": "tagged", "Priority": 2, "Status": "Enabled",
     "Filter": {"And": {"Prefix": "tagged/", "Tags": [{"Key": "replicate", "Value": "yes"}]}},
     "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::repl-dst"}}]})

def status(key, want, timeout=30):
    deadline = time.time() + timeout
    while True:
        st = src.head_object(Bucket="repl-src", Key=key).get("ReplicationStatus")
        if st in want or time.time() > deadline:
            return st
        time.sleep(0.2)

body = os.urandom(100000)
v = src.put_object(Bucket="repl-src", Key="logs/a.gz", Body=body, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_src)["VersionId"]
st = status("logs/a.gz", ("FAILED", "COMPLETED"))
assert st == "FAILED", st
print("failed ok")

# The key policy gets the statement the role needs; the retry completes the replication.
pol = json.loads(kms_dst.get_key_policy(KeyId=key_dst, PolicyName="default")["Policy"])
pol["Statement"].append({"Sid": "Replication", "Effect": "Allow", "Principal": {"AWS": role},
                         "Action": ["kms:GenerateDataKey", "kms:Encrypt"], "Resource": "*"})
kms_dst.put_key_policy(KeyId=key_dst, PolicyName="default", Policy=json.dumps(pol))
st = status("logs/a.gz", ("COMPLETED",), 60)
assert st == "COMPLETED", st
r = dst.get_object(Bucket="repl-dst", Key="logs/a.gz")
assert r["Body"].read() == body
assert r["ReplicationStatus"] == "REPLICA" and r["VersionId"] == v, r
assert r["SSEKMSKeyId"] == key_dst and r["ServerSideEncryption"] == "aws:kms", r
print("recovered ok")

# Tag filter and priority: only the tagged object matches; SSE-S3 objects replicate as they are.
src.put_object(Bucket="repl-src", Key="tagged/t", Body=b"t", Tagging="replicate=yes")
src.put_object(Bucket="repl-src", Key="tagged/u", Body=b"u")
src.put_object(Bucket="repl-src", Key="other/x", Body=b"x")
assert status("tagged/t", ("COMPLETED",)) == "COMPLETED"
assert "ReplicationStatus" not in src.head_object(Bucket="repl-src", Key="tagged/u")
assert "ReplicationStatus" not in src.head_object(Bucket="repl-src", Key="other/x")
assert dst.get_object(Bucket="repl-dst", Key="tagged/t")["Body"].read() == b"t"
# An SSE-KMS object outside the rule that selects SSE-KMS objects is not replicated.
src.put_object(Bucket="repl-src", Key="tagged/k", Body=b"k", Tagging="replicate=yes", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_src)
assert "ReplicationStatus" not in src.head_object(Bucket="repl-src", Key="tagged/k")
print("filters ok")

# Delete markers replicate where the rule says so.
m = src.delete_object(Bucket="repl-src", Key="logs/a.gz")["VersionId"]
src.delete_object(Bucket="repl-src", Key="tagged/t")
deadline = time.time() + 30
while time.time() < deadline:
    markers = dst.list_object_versions(Bucket="repl-dst").get("DeleteMarkers", [])
    if markers:
        break
    time.sleep(0.2)
assert [(x["Key"], x["VersionId"], x["IsLatest"]) for x in markers] == [("logs/a.gz", m, True)], markers
time.sleep(1.5)
assert dst.get_object(Bucket="repl-dst", Key="tagged/t")["Body"].read() == b"t"
print("markers ok")
`)
	require.NoError(t, err, out)
	for _, step := range []string{"failed", "recovered", "filters", "markers"} {
		require.Contains(t, out, step+" ok")
	}
	logs := s.logs.String()
	require.Contains(t, logs, "replication failed")
	require.Contains(t, logs, "kms:GenerateDataKey", "the failure names the missing permission")
	require.Contains(t, logs, "replication recovered")

	resp, err := http.Get(s.URL + "/_seclake/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	m, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	// Three replications completed (logs/a.gz, tagged/t, the marker of logs/a.gz) and at least one failed.
	require.Equal(t, "3", metricValue(string(m), `seclake_s3_replication_operations_total{result="completed"}`))
	require.NotEmpty(t, metricValue(string(m), `seclake_s3_replication_operations_total{result="failed"}`))
	require.Equal(t, "0", metricValue(string(m), "seclake_s3_replication_pending"))
}

// metricValue returns the value of the metric line that starts with series in a Prometheus text exposition,
// or "".
func metricValue(exposition, series string) string {
	for _, line := range strings.Split(exposition, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// TestS3ReplicationToAnotherAccount replicates into a bucket of a member account: the destination bucket's
// policy must allow the source account's replication role, as on AWS. Without it the version is FAILED; once
// the member account adds the statement, the retry completes and the replica belongs to the member account.
func TestS3ReplicationToAnotherAccount(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os, json, time
from botocore.config import Config

E = os.environ["ENDPOINT"]
cfg = Config(signature_version="s3v4")
src = boto3.client("s3", endpoint_url=E, config=cfg)
iam = boto3.client("iam", endpoint_url=E)
org = boto3.client("organizations", endpoint_url=E)

req = org.create_account(AccountName="replicas", Email="replicas@example.com")["CreateAccountStatus"]["Id"]
for _ in range(100):
    st = org.describe_create_account_status(CreateAccountRequestId=req)["CreateAccountStatus"]
    if st["State"] != "IN_PROGRESS":
        break
    time.sleep(0.1)
member = st["AccountId"]
iam.create_user(UserName="admin")  # root may not assume roles
iam.attach_user_policy(UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
k = iam.create_access_key(UserName="admin")["AccessKey"]
sts = boto3.client("sts", endpoint_url=E, aws_access_key_id=k["AccessKeyId"], aws_secret_access_key=k["SecretAccessKey"])
creds = sts.assume_role(RoleArn="arn:aws:iam::%s:role/OrganizationAccountAccessRole" % member, RoleSessionName="setup")["Credentials"]
dst = boto3.client("s3", endpoint_url=E, config=cfg, aws_access_key_id=creds["AccessKeyId"],
                   aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])

src.create_bucket(Bucket="xacct-src")
dst.create_bucket(Bucket="xacct-dst")
src.put_bucket_versioning(Bucket="xacct-src", VersioningConfiguration={"Status": "Enabled"})
dst.put_bucket_versioning(Bucket="xacct-dst", VersioningConfiguration={"Status": "Enabled"})
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="xacct-replication", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
iam.put_role_policy(RoleName="xacct-replication", PolicyName="replicate", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObjectVersionForReplication", "Resource": "arn:aws:s3:::xacct-src/*"},
    {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"], "Resource": "arn:aws:s3:::xacct-dst/*"}]}))
src.put_bucket_replication(Bucket="xacct-src", ReplicationConfiguration={"Role": role, "Rules": [
    {"ID": "all", "Priority": 1, "Status": "Enabled", "Filter": {"Prefix": ""}, "DeleteMarkerReplication": {"Status": "Disabled"},
     "Destination": {"Bucket": "arn:aws:s3:::xacct-dst", "Account": member}}]})

def status(key, want, timeout=30):
    deadline = time.time() + timeout
    while True:
        st = src.head_object(Bucket="xacct-src", Key=key).get("ReplicationStatus")
        if st in want or time.time() > deadline:
            return st
        time.sleep(0.2)

v = src.put_object(Bucket="xacct-src", Key="a", Body=b"across")["VersionId"]
assert status("a", ("FAILED", "COMPLETED")) == "FAILED"
print("denied ok")
dst.put_bucket_policy(Bucket="xacct-dst", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "FromSource",
    "Effect": "Allow", "Principal": {"AWS": role}, "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"], "Resource": "arn:aws:s3:::xacct-dst/*"}]}))
assert status("a", ("COMPLETED",), 60) == "COMPLETED"
r = dst.get_object(Bucket="xacct-dst", Key="a")
assert r["Body"].read() == b"across" and r["VersionId"] == v and r["ReplicationStatus"] == "REPLICA", r
lv = dst.list_object_versions(Bucket="xacct-dst")["Versions"]
assert lv[0]["Owner"]["ID"] == member, lv
print("replicated ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "denied ok")
	require.Contains(t, out, "replicated ok")
	require.Contains(t, s.logs.String(), "s3:ReplicateObject", "the failure names the action the bucket policy does not allow")
}
