package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestS3Boto3 drives the object API with boto3: the transfer manager (multipart, threads), listings with
// every parameter, ranges, conditions, overrides, copies, tags, checksums and presigned URLs.
func TestS3Boto3(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os, io, hashlib, urllib.request, urllib.error, datetime, tempfile
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], config=Config(signature_version="s3v4"))
s3.create_bucket(Bucket="py-bucket")
TMPDIR = tempfile.mkdtemp()

def code(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "OK"

# Transfer manager: multipart upload with threads, and download.
data = os.urandom(25 * 1024 * 1024 + 123)
src = os.path.join(TMPDIR, "up.bin")
open(src, "wb").write(data)
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=4)
s3.upload_file(src, "py-bucket", "big/file.bin", Config=cfg)
dst = os.path.join(TMPDIR, "down.bin")
s3.download_file("py-bucket", "big/file.bin", dst, Config=cfg)
assert open(dst, "rb").read() == data, "download differs"
head = s3.head_object(Bucket="py-bucket", Key="big/file.bin")
assert head["ETag"].endswith('-6"'), head["ETag"]
assert head["ContentLength"] == len(data)
part2 = s3.get_object(Bucket="py-bucket", Key="big/file.bin", PartNumber=2)
assert part2["Body"].read() == data[5*1024*1024:10*1024*1024]
assert part2["PartsCount"] == 6
print("transfer ok")

# Ranges.
r = s3.get_object(Bucket="py-bucket", Key="big/file.bin", Range="bytes=100-199")
assert r["Body"].read() == data[100:200] and r["ContentRange"] == "bytes 100-199/%d" % len(data)
r = s3.get_object(Bucket="py-bucket", Key="big/file.bin", Range="bytes=-10")
assert r["Body"].read() == data[-10:]
r = s3.get_object(Bucket="py-bucket", Key="big/file.bin", Range="bytes=%d-" % (len(data) - 5))
assert r["Body"].read() == data[-5:]
assert code(s3.get_object, Bucket="py-bucket", Key="big/file.bin", Range="bytes=%d-" % len(data)) == "InvalidRange"
print("ranges ok")

# Metadata, system headers, response overrides, conditions.
s3.put_object(Bucket="py-bucket", Key="doc.txt", Body=b"hello world", ContentType="text/plain",
              Metadata={"Color": "blue"}, CacheControl="max-age=60", StorageClass="STANDARD_IA",
              Tagging="team=sec&env=prod", ContentDisposition="inline")
g = s3.get_object(Bucket="py-bucket", Key="doc.txt", ResponseContentType="application/x-test",
                  ResponseContentDisposition="attachment; filename=x.txt")
assert g["Metadata"] == {"color": "blue"}, g["Metadata"]
assert g["ContentType"] == "application/x-test" and g["ContentDisposition"] == "attachment; filename=x.txt"
assert g["CacheControl"] == "max-age=60" and g["StorageClass"] == "STANDARD_IA" and g["TagCount"] == 2
etag = g["ETag"]
assert etag == '"%s"' % hashlib.md5(b"hello world").hexdigest()
assert code(s3.get_object, Bucket="py-bucket", Key="doc.txt", IfMatch='"nope"') == "PreconditionFailed"
assert code(s3.get_object, Bucket="py-bucket", Key="doc.txt", IfNoneMatch=etag) == "304"
assert code(s3.get_object, Bucket="py-bucket", Key="doc.txt", IfModifiedSince=datetime.datetime(2100, 1, 1)) == "304"
assert code(s3.get_object, Bucket="py-bucket", Key="doc.txt", IfUnmodifiedSince=datetime.datetime(2000, 1, 1)) == "PreconditionFailed"
assert code(s3.put_object, Bucket="py-bucket", Key="doc.txt", Body=b"x", IfNoneMatch="*") == "PreconditionFailed"
assert code(s3.get_object, Bucket="py-bucket", Key="missing") == "NoSuchKey"
assert code(s3.get_object, Bucket="no-such-bucket", Key="x") == "NoSuchBucket"
print("headers ok")

# Tags.
tags = s3.get_object_tagging(Bucket="py-bucket", Key="doc.txt")["TagSet"]
assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", "prod"), ("team", "sec")]
s3.put_object_tagging(Bucket="py-bucket", Key="doc.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
assert s3.get_object_tagging(Bucket="py-bucket", Key="doc.txt")["TagSet"] == [{"Key": "k", "Value": "v"}]
s3.delete_object_tagging(Bucket="py-bucket", Key="doc.txt")
assert s3.get_object_tagging(Bucket="py-bucket", Key="doc.txt")["TagSet"] == []
print("tags ok")

# Checksums: header form (SHA256), trailer form is what botocore sends for CRC32 on streaming bodies.
p = s3.put_object(Bucket="py-bucket", Key="sum.txt", Body=b"checked", ChecksumAlgorithm="SHA256")
g = s3.get_object(Bucket="py-bucket", Key="sum.txt", ChecksumMode="ENABLED")
assert g["ChecksumSHA256"] == p["ChecksumSHA256"], (g.get("ChecksumSHA256"), p)
p = s3.put_object(Bucket="py-bucket", Key="crc.txt", Body=io.BytesIO(b"x" * 100000), ChecksumAlgorithm="CRC32")
h = s3.head_object(Bucket="py-bucket", Key="crc.txt", ChecksumMode="ENABLED")
assert h["ChecksumCRC32"] == p["ChecksumCRC32"]
assert code(s3.put_object, Bucket="py-bucket", Key="bad.txt", Body=b"abc", ChecksumCRC32="AAAAAA==") in ("BadDigest", "InvalidRequest")
print("checksums ok")

# Copy, with metadata replaced and storage class changed.
c = s3.copy_object(Bucket="py-bucket", Key="copy.txt", CopySource={"Bucket": "py-bucket", "Key": "doc.txt"},
                   MetadataDirective="REPLACE", Metadata={"new": "1"}, ContentType="text/x")
g = s3.get_object(Bucket="py-bucket", Key="copy.txt")
assert g["Body"].read() == b"hello world" and g["Metadata"] == {"new": "1"} and g["ContentType"] == "text/x"
assert c["CopyObjectResult"]["ETag"] == etag
assert code(s3.copy_object, Bucket="py-bucket", Key="doc.txt", CopySource="py-bucket/doc.txt") == "InvalidRequest"
print("copy ok")

# Listing: V2 pagination with prefix, delimiter, start-after, url encoding; V1 with markers.
keys = ["list/a/1", "list/a/2", "list/b/1", "list/c", "list/d e+f", "list/é", "list/z/9"]
for k in keys:
    s3.put_object(Bucket="py-bucket", Key=k, Body=b"x")
pages = s3.get_paginator("list_objects_v2").paginate(Bucket="py-bucket", Prefix="list/", Delimiter="/", PaginationConfig={"PageSize": 2})
seen, prefixes = [], []
for pg in pages:
    seen += [o["Key"] for o in pg.get("Contents", [])]
    prefixes += [p["Prefix"] for p in pg.get("CommonPrefixes", [])]
assert seen == ["list/c", "list/d e+f", "list/é"], seen
assert prefixes == ["list/a/", "list/b/", "list/z/"], prefixes
r = s3.list_objects_v2(Bucket="py-bucket", Prefix="list/", StartAfter="list/b/1")
assert [o["Key"] for o in r["Contents"]] == ["list/c", "list/d e+f", "list/z/9", "list/é"], r["Contents"]
pages = s3.get_paginator("list_objects").paginate(Bucket="py-bucket", Prefix="list/", PaginationConfig={"PageSize": 3})
v1 = [o["Key"] for pg in pages for o in pg.get("Contents", [])]
assert v1 == sorted(keys, key=lambda k: k.encode()), v1
r = s3.list_objects(Bucket="py-bucket", Prefix="list/", Delimiter="/", MaxKeys=2)
assert r["IsTruncated"] and r["NextMarker"] == "list/b/", r
r = s3.list_objects_v2(Bucket="py-bucket", Prefix="list/", MaxKeys=0)
assert r["KeyCount"] == 0
print("list ok")

# Multipart: list uploads and parts, abort, upload part copy.
u = s3.create_multipart_upload(Bucket="py-bucket", Key="mp/obj")["UploadId"]
s3.upload_part(Bucket="py-bucket", Key="mp/obj", UploadId=u, PartNumber=1, Body=data[:5*1024*1024])
pc = s3.upload_part_copy(Bucket="py-bucket", Key="mp/obj", UploadId=u, PartNumber=2,
                         CopySource={"Bucket": "py-bucket", "Key": "doc.txt"}, CopySourceRange="bytes=0-4")
ups = s3.list_multipart_uploads(Bucket="py-bucket")["Uploads"]
assert [x["UploadId"] for x in ups] == [u]
parts = s3.list_parts(Bucket="py-bucket", Key="mp/obj", UploadId=u)["Parts"]
assert [p["PartNumber"] for p in parts] == [1, 2] and parts[1]["Size"] == 5
s3.complete_multipart_upload(Bucket="py-bucket", Key="mp/obj", UploadId=u, MultipartUpload={"Parts": [
    {"PartNumber": 1, "ETag": parts[0]["ETag"]}, {"PartNumber": 2, "ETag": pc["CopyPartResult"]["ETag"]}]})
assert s3.get_object(Bucket="py-bucket", Key="mp/obj")["Body"].read() == data[:5*1024*1024] + b"hello"
u2 = s3.create_multipart_upload(Bucket="py-bucket", Key="mp/aborted")["UploadId"]
s3.abort_multipart_upload(Bucket="py-bucket", Key="mp/aborted", UploadId=u2)
assert code(s3.list_parts, Bucket="py-bucket", Key="mp/aborted", UploadId=u2) == "NoSuchUpload"
u3 = s3.create_multipart_upload(Bucket="py-bucket", Key="mp/small")["UploadId"]
e1 = s3.upload_part(Bucket="py-bucket", Key="mp/small", UploadId=u3, PartNumber=1, Body=b"tiny")["ETag"]
e2 = s3.upload_part(Bucket="py-bucket", Key="mp/small", UploadId=u3, PartNumber=2, Body=b"tiny")["ETag"]
assert code(s3.complete_multipart_upload, Bucket="py-bucket", Key="mp/small", UploadId=u3, MultipartUpload={"Parts": [
    {"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]}) == "EntityTooSmall"
print("multipart ok")

# Presigned PUT and GET.
url = s3.generate_presigned_url("put_object", Params={"Bucket": "py-bucket", "Key": "pre.txt"}, ExpiresIn=300)
req = urllib.request.Request(url, data=b"presigned body", method="PUT")
assert urllib.request.urlopen(req).status == 200
url = s3.generate_presigned_url("get_object", Params={"Bucket": "py-bucket", "Key": "pre.txt"}, ExpiresIn=300)
assert urllib.request.urlopen(url).read() == b"presigned body"
print("presign ok")

# DeleteObjects.
r = s3.delete_objects(Bucket="py-bucket", Delete={"Objects": [{"Key": k} for k in keys]})
assert sorted(d["Key"] for d in r["Deleted"]) == sorted(keys)
assert "Contents" not in s3.list_objects_v2(Bucket="py-bucket", Prefix="list/")
print("delete ok")
`)
	require.NoError(t, err, out)
	for _, step := range []string{"transfer", "ranges", "headers", "tags", "checksums", "copy", "list", "multipart", "presign", "delete"} {
		require.True(t, strings.Contains(out, step+" ok"), "step %s did not finish:\n%s", step, out)
	}
}
