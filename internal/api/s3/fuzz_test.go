package s3

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// xmlInputs are the request documents S3 decodes, by a name for the fuzzer to pick. For the bucket
// configurations, viaDomain checks that what decodes survives the conversion to objstore's type and back.
var xmlInputs = []struct {
	new       func() any
	viaDomain func(*testing.T, any)
}{
	{new: func() any { return new(deleteRequest) }},
	{new: func() any { return new(completeRequest) }},
	{new: func() any { return new(createBucketConfiguration) }},
	{new: func() any { return new(versioningConfiguration) }},
	{new: func() any { return new(ownershipControls) }},
	{func() any { return new(tagging) }, taggingViaDomain},
	{func() any { return new(encryptionConfiguration) }, viaDomain(encryptionDoc)},
	{func() any { return new(publicAccessBlockConfiguration) }, viaDomain(publicAccessBlockDoc)},
	{func() any { return new(lifecycleConfiguration) }, viaDomain(lifecycleDoc)},
	{func() any { return new(notificationConfiguration) }, viaDomain(notificationDoc)},
	{func() any { return new(replicationConfiguration) }, viaDomain(replicationDoc)},
}

// viaDomain checks that a decoded document's configuration, encoded and decoded again, is the same.
func viaDomain[D, W any](doc xmlDoc[D, W]) func(*testing.T, any) {
	return func(t *testing.T, v any) {
		cfg := doc.toDomain(v.(*W))
		out, err := xml.Marshal(doc.toXML(cfg))
		require.NoError(t, err)
		again := new(W)
		require.NoError(t, xml.Unmarshal(out, again))
		require.Equal(t, cfg, doc.toDomain(again))
	}
}

func taggingViaDomain(t *testing.T, v any) {
	tags := v.(*tagging).tags()
	out, err := xml.Marshal(taggingXML(tags))
	require.NoError(t, err)
	var again tagging
	require.NoError(t, xml.Unmarshal(out, &again))
	require.Equal(t, tags, again.tags())
}

func FuzzDecodeXML(f *testing.F) {
	for _, seed := range []string{
		`<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`,
		`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`,
		`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		`<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule></LifecycleConfiguration>`,
		`<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:1:q</Queue><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a</Value></FilterRule></S3Key></Filter></QueueConfiguration><EventBridgeConfiguration/></NotificationConfiguration>`,
		`<ReplicationConfiguration><Role>arn:aws:iam::1:role/r</Role><Rule><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::d</Bucket></Destination></Rule></ReplicationConfiguration>`,
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><Tagging>&a;</Tagging>`,
	} {
		for i := range xmlInputs {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, doc []byte) {
		in := xmlInputs[int(which)%len(xmlInputs)]
		v := in.new()
		err := decodeXML(bytes.NewReader(doc), v, false)
		if err != nil {
			require.Contains(t, err.Error(), "MalformedXML")
			return
		}
		// Whatever decodes encodes again and decodes to the same value.
		out, err := xml.Marshal(v)
		require.NoError(t, err)
		again := in.new()
		require.NoError(t, xml.Unmarshal(out, again))
		out2, err := xml.Marshal(again)
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2))
		if in.viaDomain != nil {
			in.viaDomain(t, v)
		}
	})
}

func FuzzHeaders(f *testing.F) {
	f.Add("bytes=0-9", "a=b&c=d", "IfMatch")
	f.Add("bytes=-5", "k=%ZZ", "")
	f.Add("bytes=9-1", "", `"etag", W/"x"`)
	f.Fuzz(func(t *testing.T, rng, tagging, etags string) {
		if r := parseRange(rng); r != nil {
			require.True(t, r.IsSuffix || r.Start >= 0)
			require.True(t, r.IsSuffix || r.End < 0 || r.End >= r.Start)
		}
		tags, err := tagsHeader(tagging)
		if err == nil {
			for _, tg := range tags {
				require.False(t, strings.ContainsAny(tg.Key, "&"))
			}
		}
	})
}

func TestDecodeXMLRejectsGarbage(t *testing.T) {
	for _, doc := range []string{"", "<Delete>", "not xml", "<Tagging><TagSet><Tag><Key>k</Key></TagSet></Tagging>"} {
		var d deleteRequest
		err := decodeXML(strings.NewReader(doc), &d, false)
		require.Error(t, err, doc)
		require.Contains(t, err.Error(), "MalformedXML")
	}
	var c createBucketConfiguration
	require.NoError(t, decodeXML(strings.NewReader(""), &c, true), "an empty optional body is fine")
}

func TestRouting(t *testing.T) {
	h := &handler{domains: []string{"s3.localhost"}}
	cases := []struct{ method, host, target, header, want string }{
		{"GET", "127.0.0.1:4566", "/", "", "ListBuckets"},
		{"PUT", "127.0.0.1:4566", "/b", "", "CreateBucket"},
		{"PUT", "b.s3.localhost:4566", "/", "", "CreateBucket"},
		{"GET", "b.s3.localhost", "/?list-type=2&prefix=a", "", "ListObjectsV2"},
		{"GET", "127.0.0.1", "/b?prefix=a", "", "ListObjects"},
		{"GET", "127.0.0.1", "/b?location", "", "GetBucketLocation"},
		{"PUT", "127.0.0.1", "/b?lifecycle", "", "PutBucketLifecycleConfiguration"},
		{"DELETE", "127.0.0.1", "/b?lifecycle", "", "DeleteBucketLifecycle"},
		{"PUT", "127.0.0.1", "/b?notification", "", "PutBucketNotificationConfiguration"},
		{"DELETE", "127.0.0.1", "/b?notification", "", ""},
		{"POST", "127.0.0.1", "/b?delete", "", "DeleteObjects"},
		{"HEAD", "127.0.0.1", "/b", "", "HeadBucket"},
		{"GET", "127.0.0.1", "/b/k/with/slashes", "", "GetObject"},
		{"GET", "b.s3.localhost", "/k", "", "GetObject"},
		{"PUT", "127.0.0.1", "/b/k", "", "PutObject"},
		{"PUT", "127.0.0.1", "/b/k", "b/src", "CopyObject"},
		{"PUT", "127.0.0.1", "/b/k?partNumber=1&uploadId=u", "", "UploadPart"},
		{"PUT", "127.0.0.1", "/b/k?partNumber=1&uploadId=u", "b/src", "UploadPartCopy"},
		{"POST", "127.0.0.1", "/b/k?uploads", "", "CreateMultipartUpload"},
		{"POST", "127.0.0.1", "/b/k?uploadId=u", "", "CompleteMultipartUpload"},
		{"DELETE", "127.0.0.1", "/b/k?uploadId=u", "", "AbortMultipartUpload"},
		{"GET", "127.0.0.1", "/b/k?uploadId=u", "", "ListParts"},
		{"GET", "127.0.0.1", "/b/k?tagging", "", "GetObjectTagging"},
		{"DELETE", "127.0.0.1", "/b/k", "", "DeleteObject"},
		{"GET", "127.0.0.1", "/b/k?acl", "", ""},
		{"GET", "127.0.0.1", "/b?website", "", ""},
	}
	for _, tc := range cases {
		r := newRequest(tc.method, "http://"+tc.host+tc.target)
		if tc.header != "" {
			r.Header.Set("X-Amz-Copy-Source", tc.header)
		}
		require.Equal(t, tc.want, h.routeName(r), "%s %s%s", tc.method, tc.host, tc.target)
	}
}

// FuzzMetaValue: a metadata value S3 would return, RFC 2047 encoded when not US-ASCII, decodes back to the
// stored value; decoding never fails on what a client sends.
func FuzzMetaValue(f *testing.F) {
	for _, s := range []string{"plain", "café ☕", "=?UTF-8?Q?caf=C3=A9?=", "=?bogus?X?zz?=", "a=?b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		_ = decodeMetaValue(v)
		if !utf8.ValidString(v) || strings.Contains(v, "=?") {
			return
		}
		if got := decodeMetaValue(encodeMetaValue(v)); got != v {
			t.Fatalf("round trip of %d bytes gave %d bytes", len(v), len(got))
		}
	})
}
