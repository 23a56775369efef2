package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestS3VersioningBoto3 drives versioning with boto3: null versions before versioning, version IDs on every
// write, reads, copies, tags and deletions by version, delete markers (404 and 405 with x-amz-delete-marker),
// ListObjectVersions and its paginator, suspension, each version kept under its own KMS key, a bucket policy
// on s3:GetObjectVersion, and bucket.object_versions.delete() emptying the bucket.
func TestS3VersioningBoto3(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os, json
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], config=Config(signature_version="s3v4"))
kms = boto3.client("kms", endpoint_url=os.environ["ENDPOINT"])

def err(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response
    raise AssertionError("no error from %s" % fn.__name__)

B = "ver-bucket"
s3.create_bucket(Bucket=B)
assert "Status" not in s3.get_bucket_versioning(Bucket=B)
r = s3.put_object(Bucket=B, Key="k", Body=b"v0")
assert "VersionId" not in r, r
s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={"Status": "Enabled"})
assert s3.get_bucket_versioning(Bucket=B)["Status"] == "Enabled"
key_a = kms.create_key()["KeyMetadata"]["Arn"]
key_b = kms.create_key()["KeyMetadata"]["Arn"]
v1 = s3.put_object(Bucket=B, Key="k", Body=b"v1", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_a)["VersionId"]
v2 = s3.put_object(Bucket=B, Key="k", Body=b"v2", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_b)["VersionId"]
assert v1 != v2 and len(v1) == 32, (v1, v2)
h = s3.head_object(Bucket=B, Key="k")
assert h["VersionId"] == v2 and h["SSEKMSKeyId"] == key_b, h
g = s3.get_object(Bucket=B, Key="k", VersionId=v1)
assert g["Body"].read() == b"v1" and g["VersionId"] == v1 and g["SSEKMSKeyId"] == key_a, g
assert s3.get_object(Bucket=B, Key="k", VersionId="null")["Body"].read() == b"v0"
assert err(s3.get_object, Bucket=B, Key="k", VersionId="0" * 32)["Error"]["Code"] == "NoSuchVersion"
assert err(s3.get_object, Bucket=B, Key="k", VersionId="bogus")["Error"]["Code"] == "InvalidArgument"
print("versions ok")

# A delete marker: the key is gone (404 naming the marker), the marker itself is 405.
d = s3.delete_object(Bucket=B, Key="k")
assert d["DeleteMarker"] is True and len(d["VersionId"]) == 32, d
m = d["VersionId"]
e = err(s3.get_object, Bucket=B, Key="k")
assert e["Error"]["Code"] == "NoSuchKey", e
hd = e["ResponseMetadata"]["HTTPHeaders"]
assert hd["x-amz-delete-marker"] == "true" and hd["x-amz-version-id"] == m, hd
e = err(s3.get_object, Bucket=B, Key="k", VersionId=m)
assert e["Error"]["Code"] == "MethodNotAllowed" and e["ResponseMetadata"]["HTTPStatusCode"] == 405, e
e = err(s3.head_object, Bucket=B, Key="k", VersionId=m)
assert e["ResponseMetadata"]["HTTPStatusCode"] == 405 and e["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true", e
assert "Contents" not in s3.list_objects_v2(Bucket=B)
lv = s3.list_object_versions(Bucket=B)
assert [(v["VersionId"], v["IsLatest"]) for v in lv["Versions"]] == [(v2, False), (v1, False), ("null", False)], lv["Versions"]
assert [(x["Key"], x["VersionId"], x["IsLatest"]) for x in lv["DeleteMarkers"]] == [("k", m, True)], lv["DeleteMarkers"]
print("markers ok")

# Deleting the marker brings v2 back; deleting v2 by its ID makes v1 current.
d = s3.delete_object(Bucket=B, Key="k", VersionId=m)
assert d["DeleteMarker"] is True and d["VersionId"] == m, d
assert s3.get_object(Bucket=B, Key="k")["Body"].read() == b"v2"
s3.delete_object(Bucket=B, Key="k", VersionId=v2)
g = s3.get_object(Bucket=B, Key="k")
assert g["Body"].read() == b"v1" and g["VersionId"] == v1, g
print("promotion ok")

# Copy from a version; tags of one version.
c = s3.copy_object(Bucket=B, Key="copy", CopySource={"Bucket": B, "Key": "k", "VersionId": "null"})
assert c["CopySourceVersionId"] == "null" and c["VersionId"], c
assert s3.get_object(Bucket=B, Key="copy")["Body"].read() == b"v0"
s3.put_object_tagging(Bucket=B, Key="k", VersionId="null", Tagging={"TagSet": [{"Key": "t", "Value": "old"}]})
assert s3.get_object_tagging(Bucket=B, Key="k", VersionId="null")["TagSet"] == [{"Key": "t", "Value": "old"}]
assert s3.get_object_tagging(Bucket=B, Key="k")["TagSet"] == []
print("copy and tags ok")

# A bucket policy denying s3:GetObjectVersion stops reads by version ID, not of the current version.
s3.put_bucket_policy(Bucket=B, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny",
    "Principal": "*", "Action": ["s3:GetObjectVersion", "s3:DeleteObjectVersion"], "Resource": "arn:aws:s3:::%s/*" % B}]}))
assert err(s3.get_object, Bucket=B, Key="k", VersionId=v1)["Error"]["Code"] == "AccessDenied"
assert err(s3.delete_object, Bucket=B, Key="k", VersionId=v1)["Error"]["Code"] == "AccessDenied"
assert s3.get_object(Bucket=B, Key="k")["Body"].read() == b"v1"
s3.delete_bucket_policy(Bucket=B)
print("policy ok")

# Pagination by key and version markers.
for i in range(4):
    for j in range(3):
        s3.put_object(Bucket=B, Key="p/%d" % i, Body=b"%d.%d" % (i, j))
s3.delete_object(Bucket=B, Key="p/2")
full = s3.list_object_versions(Bucket=B, Prefix="p/")
seen = []
for page in s3.get_paginator("list_object_versions").paginate(Bucket=B, Prefix="p/", PaginationConfig={"PageSize": 2}):
    seen += [(v["Key"], v["VersionId"], v["IsLatest"]) for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
want = [(v["Key"], v["VersionId"], v["IsLatest"]) for v in full["Versions"] + full["DeleteMarkers"]]
assert sorted(seen) == sorted(want) and len(want) == 13, (seen, want)
cp = s3.list_object_versions(Bucket=B, Delimiter="/")
assert [p["Prefix"] for p in cp["CommonPrefixes"]] == ["p/"], cp
print("pagination ok")

# Suspended: writes make the null version, replacing the previous null version.
s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={"Status": "Suspended"})
assert s3.put_object(Bucket=B, Key="k", Body=b"s1")["VersionId"] == "null"
assert s3.put_object(Bucket=B, Key="k", Body=b"s2")["VersionId"] == "null"
ks = [v["VersionId"] for v in s3.list_object_versions(Bucket=B, Prefix="k")["Versions"] if v["Key"] == "k"]
assert ks == ["null", v1], ks
assert s3.get_object(Bucket=B, Key="k", VersionId="null")["Body"].read() == b"s2"
print("suspended ok")

# Lifecycle rules on versions round-trip.
rules = [{"ID": "v", "Status": "Enabled", "Filter": {"Prefix": "p/"},
          "NoncurrentVersionExpiration": {"NoncurrentDays": 3, "NewerNoncurrentVersions": 2},
          "Expiration": {"ExpiredObjectDeleteMarker": True}}]
s3.put_bucket_lifecycle_configuration(Bucket=B, LifecycleConfiguration={"Rules": rules})
got = s3.get_bucket_lifecycle_configuration(Bucket=B)["Rules"]
assert got[0]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 3, "NewerNoncurrentVersions": 2}, got
assert got[0]["Expiration"] == {"ExpiredObjectDeleteMarker": True}, got
rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] = 0
assert err(s3.put_bucket_lifecycle_configuration, Bucket=B, LifecycleConfiguration={"Rules": rules})["Error"]["Code"] == "InvalidArgument"
print("lifecycle ok")

# Emptying a versioned bucket as boto3's resource does, then deleting it.
assert err(s3.delete_bucket, Bucket=B)["Error"]["Code"] == "BucketNotEmpty"
boto3.resource("s3", endpoint_url=os.environ["ENDPOINT"]).Bucket(B).object_versions.delete()
assert "Versions" not in s3.list_object_versions(Bucket=B)
s3.delete_bucket(Bucket=B)
print("empty ok")
`)
	require.NoError(t, err, out)
	for _, step := range []string{"versions", "markers", "promotion", "copy and tags", "policy", "pagination", "suspended", "lifecycle", "empty"} {
		require.Contains(t, out, step+" ok")
	}
}

// TestS3VersioningCLI uses the aws CLI's s3api commands a user types.
func TestS3VersioningCLI(t *testing.T) {
	s := startServer(t)
	_, err := s.aws(t, "s3", "mb", "s3://cli-ver")
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "put-bucket-versioning", "--bucket", "cli-ver", "--versioning-configuration", "Status=Enabled")
	require.NoError(t, err)
	out, err := s.aws(t, "s3api", "get-bucket-versioning", "--bucket", "cli-ver")
	require.NoError(t, err)
	require.Contains(t, out, `"Enabled"`)
	var ids []string
	dir := t.TempDir()
	for _, body := range []string{"one", "two"} {
		file := filepath.Join(dir, body)
		require.NoError(t, os.WriteFile(file, []byte(body), 0o600))
		out, err = s.aws(t, "s3api", "put-object", "--bucket", "cli-ver", "--key", "f", "--body", file)
		require.NoError(t, err)
		var put struct{ VersionId string }
		require.NoError(t, json.Unmarshal([]byte(out), &put), out)
		ids = append(ids, put.VersionId)
	}
	_, err = s.aws(t, "s3", "rm", "s3://cli-ver/f")
	require.NoError(t, err)
	out, err = s.aws(t, "s3api", "list-object-versions", "--bucket", "cli-ver")
	require.NoError(t, err)
	var lv struct {
		Versions      []struct{ VersionId string }
		DeleteMarkers []struct{ IsLatest bool }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &lv), out)
	require.Len(t, lv.Versions, 2)
	require.Equal(t, ids[1], lv.Versions[0].VersionId)
	require.Equal(t, ids[0], lv.Versions[1].VersionId)
	require.Len(t, lv.DeleteMarkers, 1)
	require.True(t, lv.DeleteMarkers[0].IsLatest)
	dst := filepath.Join(dir, "out")
	_, err = s.aws(t, "s3api", "get-object", "--bucket", "cli-ver", "--key", "f", "--version-id", ids[0], dst)
	require.NoError(t, err)
	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	require.Equal(t, "one", string(got))
}
