package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/stretchr/testify/require"
)

// s3Prelude starts the boto3 scripts of these tests: an S3 client and code(), the error code of a call.
const s3Prelude = `
import boto3, os, json
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
def code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "OK"
`

// TestS3LifecycleValidationAsS3 puts lifecycle rules through boto3 as the conformance suite did: Days 0 is
// InvalidArgument, a date that is not midnight UTC is refused, a rule given without an ID comes back with one,
// and PUT and HEAD say when a rule will expire the object (x-amz-expiration).
func TestS3LifecycleValidationAsS3(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, s3Prelude+`
s3.create_bucket(Bucket="lc-fixes")
assert code(s3.put_bucket_lifecycle_configuration, Bucket="lc-fixes", LifecycleConfiguration={"Rules": [
    {"ID": "zero", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}]}) == "InvalidArgument"
s3.put_bucket_lifecycle_configuration(Bucket="lc-fixes", LifecycleConfiguration={"Rules": [
    {"Status": "Enabled", "Filter": {"Prefix": "raw/"}, "Expiration": {"Days": 3}}]})
rules = s3.get_bucket_lifecycle_configuration(Bucket="lc-fixes")["Rules"]
assert len(rules[0].get("ID", "")) > 0, rules
put = s3.put_object(Bucket="lc-fixes", Key="raw/x", Body=b"x")
assert 'rule-id="%s"' % rules[0]["ID"] in put.get("Expiration", ""), put
assert "expiry-date=" in s3.head_object(Bucket="lc-fixes", Key="raw/x").get("Expiration", "")
assert "Expiration" not in s3.put_object(Bucket="lc-fixes", Key="other/y", Body=b"y")
import datetime
noon = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.timezone.utc)
assert code(s3.put_bucket_lifecycle_configuration, Bucket="lc-fixes", LifecycleConfiguration={"Rules": [
    {"ID": "noon", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": noon}}]}) == "InvalidArgument"
print("lifecycle fixes ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "lifecycle fixes ok")
}

// TestS3ConformanceFixes covers answers the conformance suite found different from S3's: ListBuckets pages
// by max-buckets and continuation-token, UploadPartCopy refuses a range past the source's end, completing
// an upload twice gives the same object, and Content-Encoding keeps its spaces.
func TestS3ConformanceFixes(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, s3Prelude+`

for i in range(5):
    s3.create_bucket(Bucket="fix-%d" % i)
names, token, pages = [], None, 0
while True:
    kw = {"MaxBuckets": 2}
    if token:
        kw["ContinuationToken"] = token
    r = s3.list_buckets(**kw)
    pages += 1
    assert len(r["Buckets"]) <= 2, r["Buckets"]
    names += [b["Name"] for b in r["Buckets"]]
    token = r.get("ContinuationToken")
    if not token:
        break
assert names == ["fix-%d" % i for i in range(5)] and pages == 3, (names, pages)
print("list buckets ok")

s3.put_object(Bucket="fix-0", Key="src", Body=b"x" * 100)
up = s3.create_multipart_upload(Bucket="fix-0", Key="dst")["UploadId"]
assert code(s3.upload_part_copy, Bucket="fix-0", Key="dst", UploadId=up, PartNumber=1,
            CopySource={"Bucket": "fix-0", "Key": "src"}, CopySourceRange="bytes=0-100") == "InvalidRange"
p = s3.upload_part_copy(Bucket="fix-0", Key="dst", UploadId=up, PartNumber=1,
                        CopySource={"Bucket": "fix-0", "Key": "src"}, CopySourceRange="bytes=0-99")
parts = {"Parts": [{"ETag": p["CopyPartResult"]["ETag"], "PartNumber": 1}]}
first = s3.complete_multipart_upload(Bucket="fix-0", Key="dst", UploadId=up, MultipartUpload=parts)
again = s3.complete_multipart_upload(Bucket="fix-0", Key="dst", UploadId=up, MultipartUpload=parts)
assert first["ETag"] == again["ETag"], (first, again)
print("multipart ok")

s3.put_object(Bucket="fix-0", Key="enc", Body=b"x", ContentEncoding="gzip, br")
assert s3.head_object(Bucket="fix-0", Key="enc")["ContentEncoding"] == "gzip, br"
print("content encoding ok")
`)
	require.NoError(t, err, out)
	for _, step := range []string{"list buckets", "multipart", "content encoding"} {
		require.Contains(t, out, step+" ok")
	}
}

// TestS3UnimplementedOperationsSayWhich: each S3 operation seclake does not implement answers 501
// NotImplemented naming the operation.
func TestS3UnimplementedOperationsSayWhich(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
s3.create_bucket(Bucket="unimpl")
s3.put_object(Bucket="unimpl", Key="k", Body=b"x")
calls = {
    "GetBucketCors": lambda: s3.get_bucket_cors(Bucket="unimpl"),
    "PutBucketAcl": lambda: s3.put_bucket_acl(Bucket="unimpl", ACL="private"),
    "GetBucketLogging": lambda: s3.get_bucket_logging(Bucket="unimpl"),
    "GetObjectAcl": lambda: s3.get_object_acl(Bucket="unimpl", Key="k"),
    "GetObjectTorrent": lambda: s3.get_object_torrent(Bucket="unimpl", Key="k"),
}
for name, call in calls.items():
    try:
        call()
        raise AssertionError(name + " answered")
    except ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == "NotImplemented" and name in err["Message"], (name, err)
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 501, (name, e.response["ResponseMetadata"])
print("unimplemented ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "unimplemented ok")
}

// TestS3OwnershipControlsAndPolicyStatus: the two bucket operations analysis tools call. Ownership is
// BucketOwnerEnforced unless set; the policy status says whether the bucket policy is public.
func TestS3OwnershipControlsAndPolicyStatus(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, s3Prelude+`
s3.create_bucket(Bucket="own")
rules = s3.get_bucket_ownership_controls(Bucket="own")["OwnershipControls"]["Rules"]
assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}], rules
s3.put_bucket_ownership_controls(Bucket="own", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
assert s3.get_bucket_ownership_controls(Bucket="own")["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "ObjectWriter"
s3.delete_bucket_ownership_controls(Bucket="own")
assert code(s3.get_bucket_ownership_controls, Bucket="own") == "OwnershipControlsNotFoundError"

assert code(s3.get_bucket_policy_status, Bucket="own") == "NoSuchBucketPolicy"
public = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::own/*"}]}
s3.put_bucket_policy(Bucket="own", Policy=json.dumps(public))
assert s3.get_bucket_policy_status(Bucket="own")["PolicyStatus"]["IsPublic"] is True
public["Statement"][0]["Condition"] = {"StringEquals": {"aws:SourceAccount": "111122223333"}}
s3.put_bucket_policy(Bucket="own", Policy=json.dumps(public))
assert s3.get_bucket_policy_status(Bucket="own")["PolicyStatus"]["IsPublic"] is False
print("ownership and policy status ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "ownership and policy status ok")
}

// TestS3ConditionalWriteIfNoneMatchETag: S3 takes only "*" in If-None-Match on a write; an ETag there is 501
// NotImplemented naming the header, on PutObject and CompleteMultipartUpload, and the object is left alone.
func TestS3ConditionalWriteIfNoneMatchETag(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, s3Prelude+`
s3.create_bucket(Bucket="cond-etag")
etag = s3.put_object(Bucket="cond-etag", Key="k", Body=b"one")["ETag"]
try:
    s3.put_object(Bucket="cond-etag", Key="k", Body=b"two", IfNoneMatch=etag)
    raise SystemExit("an ETag in If-None-Match was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "NotImplemented", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 501, e.response
    assert e.response["Error"].get("Header") == "If-None-Match", e.response
assert s3.get_object(Bucket="cond-etag", Key="k")["Body"].read() == b"one"
up = s3.create_multipart_upload(Bucket="cond-etag", Key="m")["UploadId"]
p = s3.upload_part(Bucket="cond-etag", Key="m", UploadId=up, PartNumber=1, Body=b"p")
assert code(s3.complete_multipart_upload, Bucket="cond-etag", Key="m", UploadId=up, IfNoneMatch=etag,
    MultipartUpload={"Parts": [{"ETag": p["ETag"], "PartNumber": 1}]}) == "NotImplemented"
assert code(s3.put_object, Bucket="cond-etag", Key="k", Body=b"three", IfNoneMatch="*") == "PreconditionFailed"
print("if-none-match ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "if-none-match ok")
}

// TestS3GetObjectAttributes: the attributes asked for in x-amz-object-attributes, as S3 answers them — the
// ETag without quotes, the checksum and its type, a multipart object's parts paged by max-parts, the storage
// class and size — of the current version or the one versionId names, authorized as s3:GetObjectAttributes.
func TestS3GetObjectAttributes(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, s3Prelude+`
s3.create_bucket(Bucket="attrs")
s3.put_bucket_versioning(Bucket="attrs", VersioningConfiguration={"Status": "Enabled"})
put = s3.put_object(Bucket="attrs", Key="k", Body=b"hello", ChecksumAlgorithm="CRC32")
all5 = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]
a = s3.get_object_attributes(Bucket="attrs", Key="k", ObjectAttributes=all5)
assert a["ETag"] == put["ETag"].strip('"'), a
assert a["Checksum"] == {"ChecksumCRC32": put["ChecksumCRC32"], "ChecksumType": "FULL_OBJECT"}, a
assert "ObjectParts" not in a, a
assert a["StorageClass"] == "STANDARD" and a["ObjectSize"] == 5, a
assert a["VersionId"] == put["VersionId"] and "LastModified" in a, a
s3.put_object(Bucket="attrs", Key="k", Body=b"second!")
a = s3.get_object_attributes(Bucket="attrs", Key="k", ObjectAttributes=["ObjectSize"])
assert a["ObjectSize"] == 7 and "ETag" not in a and "StorageClass" not in a, a
old = s3.get_object_attributes(Bucket="attrs", Key="k", VersionId=put["VersionId"], ObjectAttributes=["ObjectSize"])
assert old["ObjectSize"] == 5 and old["VersionId"] == put["VersionId"], old

up = s3.create_multipart_upload(Bucket="attrs", Key="mp", ChecksumAlgorithm="SHA256")["UploadId"]
parts = []
for n, body in [(1, b"a" * (5 << 20)), (2, b"b" * (5 << 20)), (3, b"c" * 3)]:
    p = s3.upload_part(Bucket="attrs", Key="mp", UploadId=up, PartNumber=n, Body=body, ChecksumAlgorithm="SHA256")
    parts.append({"PartNumber": n, "ETag": p["ETag"], "ChecksumSHA256": p["ChecksumSHA256"]})
s3.complete_multipart_upload(Bucket="attrs", Key="mp", UploadId=up, MultipartUpload={"Parts": parts})
a = s3.get_object_attributes(Bucket="attrs", Key="mp", ObjectAttributes=["ObjectParts", "Checksum"], MaxParts=2)
op = a["ObjectParts"]
assert op["TotalPartsCount"] == 3 and op["IsTruncated"] and op["NextPartNumberMarker"] == 2 and op["MaxParts"] == 2, op
assert [(p["PartNumber"], p["Size"], p["ChecksumSHA256"]) for p in op["Parts"]] == [
    (1, 5 << 20, parts[0]["ChecksumSHA256"]), (2, 5 << 20, parts[1]["ChecksumSHA256"])], op
assert a["Checksum"]["ChecksumType"] == "COMPOSITE" and a["Checksum"]["ChecksumSHA256"].endswith("-3"), a
rest = s3.get_object_attributes(Bucket="attrs", Key="mp", ObjectAttributes=["ObjectParts"], PartNumberMarker=2)["ObjectParts"]
assert not rest["IsTruncated"] and [p["PartNumber"] for p in rest["Parts"]] == [3], rest
assert code(s3.get_object_attributes, Bucket="attrs", Key="missing", ObjectAttributes=["ETag"]) == "NoSuchKey"
assert code(s3.get_object_attributes, Bucket="attrs", Key="k", ObjectAttributes=["Colour"]) == "InvalidArgument"
print("attributes ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "attributes ok")
}

// TestS3NonASCIIMetadataRFC2047: S3 decodes RFC 2047 encoded words in a metadata value before storing it and
// returns a value that is not all US-ASCII as one RFC 2047 "B" word on GET and HEAD; ASCII comes back as sent.
// boto3 sends only ASCII metadata (the encoded form); the Go SDK sends UTF-8 bytes as they are.
func TestS3NonASCIIMetadataRFC2047(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, s3Prelude+`
import base64
s3.create_bucket(Bucket="meta-utf8")
word = "=?UTF-8?B?" + base64.b64encode("café ☕".encode()).decode() + "?="
s3.put_object(Bucket="meta-utf8", Key="k", Body=b"x", Metadata={"name": word, "plain": "ascii only", "q": "=?UTF-8?Q?caf=C3=A9?="})
for m in (s3.head_object(Bucket="meta-utf8", Key="k")["Metadata"], s3.get_object(Bucket="meta-utf8", Key="k")["Metadata"]):
    assert m == {"name": word, "plain": "ascii only", "q": "=?UTF-8?B?Y2Fmw6k=?="}, m
print("metadata ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "metadata ok")

	ctx := context.Background()
	c := s3Client(s.rootConfig())
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("meta-utf8"), Key: aws.String("raw"),
		Body: strings.NewReader("x"), Metadata: map[string]string{"name": "café"}})
	require.NoError(t, err)
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("meta-utf8"), Key: aws.String("raw")})
	require.NoError(t, err)
	require.Equal(t, "=?UTF-8?B?Y2Fmw6k=?=", head.Metadata["name"])
}

// TestS3MultipartFullObjectChecksum: CreateMultipartUpload with ChecksumType FULL_OBJECT (CRC32 here, CRC64NVME
// by default) gives an object whose checksum is the CRC of all its bytes; the checksum given to
// CompleteMultipartUpload is verified (a wrong one is BadDigest and leaves no object); SHA256 cannot be
// FULL_OBJECT.
func TestS3MultipartFullObjectChecksum(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, s3Prelude+`
import base64, zlib
s3.create_bucket(Bucket="full-crc")
up = s3.create_multipart_upload(Bucket="full-crc", Key="k", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
assert up["ChecksumType"] == "FULL_OBJECT", up
bodies = [b"a" * (5 << 20), b"tail of the object"]
parts = []
for n, body in enumerate(bodies, 1):
    p = s3.upload_part(Bucket="full-crc", Key="k", UploadId=up["UploadId"], PartNumber=n, Body=body, ChecksumAlgorithm="CRC32")
    parts.append({"PartNumber": n, "ETag": p["ETag"], "ChecksumCRC32": p["ChecksumCRC32"]})
whole = base64.b64encode(zlib.crc32(b"".join(bodies)).to_bytes(4, "big")).decode()
wrong = base64.b64encode((zlib.crc32(b"other") ).to_bytes(4, "big")).decode()
assert code(s3.complete_multipart_upload, Bucket="full-crc", Key="k", UploadId=up["UploadId"], ChecksumCRC32=wrong,
    ChecksumType="FULL_OBJECT", MultipartUpload={"Parts": parts}) == "BadDigest"
assert code(s3.head_object, Bucket="full-crc", Key="k") == "404"
done = s3.complete_multipart_upload(Bucket="full-crc", Key="k", UploadId=up["UploadId"], ChecksumCRC32=whole,
    ChecksumType="FULL_OBJECT", MultipartUpload={"Parts": parts})
assert done["ChecksumCRC32"] == whole and done["ChecksumType"] == "FULL_OBJECT", done
head = s3.head_object(Bucket="full-crc", Key="k", ChecksumMode="ENABLED")
assert head["ChecksumCRC32"] == whole and head["ChecksumType"] == "FULL_OBJECT", head

comp = s3.create_multipart_upload(Bucket="full-crc", Key="c", ChecksumAlgorithm="CRC32")
assert comp["ChecksumType"] == "COMPOSITE", comp
p = s3.upload_part(Bucket="full-crc", Key="c", UploadId=comp["UploadId"], PartNumber=1, Body=b"x", ChecksumAlgorithm="CRC32")
assert code(s3.complete_multipart_upload, Bucket="full-crc", Key="c", UploadId=comp["UploadId"], ChecksumCRC32=wrong + "-1",
    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p["ETag"], "ChecksumCRC32": p["ChecksumCRC32"]}]}) == "BadDigest"
assert code(s3.create_multipart_upload, Bucket="full-crc", Key="s", ChecksumAlgorithm="SHA256", ChecksumType="FULL_OBJECT") == "InvalidRequest"
print("full object ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "full object ok")

	// CRC32C and CRC64NVME through the Go SDK, which computes them; the expected whole-object value is the
	// one the SDK computes for a PutObject of the same bytes.
	ctx := context.Background()
	c := s3Client(s.rootConfig())
	bodies := []string{strings.Repeat("b", 5<<20), "last part"}
	for _, alg := range []s3types.ChecksumAlgorithm{s3types.ChecksumAlgorithmCrc32c, s3types.ChecksumAlgorithmCrc64nvme} {
		key := aws.String("go-" + string(alg))
		put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("full-crc"), Key: aws.String("whole-" + string(alg)),
			Body: strings.NewReader(strings.Join(bodies, "")), ChecksumAlgorithm: alg})
		require.NoError(t, err)
		in := &s3.CreateMultipartUploadInput{Bucket: aws.String("full-crc"), Key: key, ChecksumAlgorithm: alg}
		if alg == s3types.ChecksumAlgorithmCrc32c {
			in.ChecksumType = s3types.ChecksumTypeFullObject // CRC64NVME is FULL_OBJECT without asking
		}
		up, err := c.CreateMultipartUpload(ctx, in)
		require.NoError(t, err)
		require.Equal(t, s3types.ChecksumTypeFullObject, up.ChecksumType)
		var parts []s3types.CompletedPart
		for i, b := range bodies {
			p, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("full-crc"), Key: key, UploadId: up.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: strings.NewReader(b), ChecksumAlgorithm: alg})
			require.NoError(t, err)
			parts = append(parts, s3types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: p.ETag,
				ChecksumCRC32C: p.ChecksumCRC32C, ChecksumCRC64NVME: p.ChecksumCRC64NVME})
		}
		done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("full-crc"), Key: key,
			UploadId: up.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
		require.NoError(t, err)
		require.Equal(t, s3types.ChecksumTypeFullObject, done.ChecksumType)
		if alg == s3types.ChecksumAlgorithmCrc32c {
			require.Equal(t, aws.ToString(put.ChecksumCRC32C), aws.ToString(done.ChecksumCRC32C))
		} else {
			require.Equal(t, aws.ToString(put.ChecksumCRC64NVME), aws.ToString(done.ChecksumCRC64NVME))
		}
	}
}
