package trail_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/trail"
)

func TestCreateTrailChecksTheDestination(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name       string
		bucket     string // bucket policy, "" for none, "-" for no bucket
		key        string // key policy, "" for no key, "-" for a key ID that does not exist
		keyID      func(arn string) string
		bucketKMS  bool // the bucket's default encryption is SSE-KMS with the trail's key
		in         trail.CreateInput
		wantCode   string
		wantInText []string
	}{
		{name: "guide's policies", bucket: bucketPolicy("tr1"), key: keyPolicy("tr1")},
		{name: "no key", bucket: bucketPolicy("tr1")},
		{name: "bucket encrypted by default with the trail's key", bucket: bucketPolicy("tr1"), key: keyPolicy("tr1"), bucketKMS: true},
		{name: "alias-free key ID", bucket: bucketPolicy("tr1"), key: keyPolicy("tr1"), keyID: func(arn string) string { return arn[len(arn)-36:] }},
		{name: "no bucket", bucket: "-", wantCode: "S3BucketDoesNotExistException", wantInText: []string{"S3 bucket trail-logs does not exist."}},
		{name: "no bucket policy", wantCode: "InsufficientS3BucketPolicyException",
			wantInText: []string{"Incorrect S3 bucket policy is detected for bucket: trail-logs", "s3:GetBucketAcl", `"AWSCloudTrailAclCheck20150319"`, "aws:SourceArn " + trailARN("tr1")}},
		{name: "bucket policy without the write statement", bucket: bucketPolicy("tr1", "AWSCloudTrailWrite20150319"), wantCode: "InsufficientS3BucketPolicyException",
			wantInText: []string{"s3:PutObject on arn:aws:s3:::trail-logs/AWSLogs/111122223333/*", `"AWSCloudTrailWrite20150319"`, "bucket-owner-full-control"}},
		{name: "bucket policy for another trail", bucket: bucketPolicy("tr2"), wantCode: "InsufficientS3BucketPolicyException",
			wantInText: []string{"condition StringEquals aws:SourceArn is not met"}},
		{name: "key policy without the CloudTrail statements", bucket: bucketPolicy("tr1"), key: keyPolicy("tr1", "Allow CloudTrail to encrypt logs", "Allow CloudTrail access"),
			wantCode: "InsufficientEncryptionPolicyException", wantInText: []string{"Insufficient permissions to access S3 bucket trail-logs or KMS key", "kms:DescribeKey", `"Allow CloudTrail access"`}},
		{name: "key policy without the encrypt statement", bucket: bucketPolicy("tr1"), key: keyPolicy("tr1", "Allow CloudTrail to encrypt logs"),
			wantCode: "InsufficientEncryptionPolicyException", wantInText: []string{"kms:GenerateDataKey*", `"Allow CloudTrail to encrypt logs"`, "kms:EncryptionContext:aws:cloudtrail:arn", "User: cloudtrail.amazonaws.com is not authorized to perform: kms:GenerateDataKey"}},
		{name: "key policy for another trail", bucket: bucketPolicy("tr1"), key: keyPolicy("tr2"), wantCode: "InsufficientEncryptionPolicyException"},
		{name: "key that does not exist", bucket: bucketPolicy("tr1"), key: "-", wantCode: "KmsKeyNotFoundException"},
		{name: "key in another region", bucket: bucketPolicy("tr1"), key: keyPolicy("tr1"), keyID: func(arn string) string {
			return "arn:aws:kms:eu-west-1:" + acct + ":key/" + arn[len(arn)-36:]
		}, wantCode: "KmsKeyNotFoundException", wantInText: []string{"same region as its bucket"}},
		{name: "malformed key ID", bucket: bucketPolicy("tr1"), key: keyPolicy("tr1"), keyID: func(string) string { return "not a key" }, wantCode: "InvalidKmsKeyIdException"},
		{name: "invalid name", in: trail.CreateInput{Name: "a--b"}, wantCode: "InvalidTrailNameException"},
		{name: "short name", in: trail.CreateInput{Name: "ab"}, wantCode: "InvalidTrailNameException"},
		{name: "bad bucket name", in: trail.CreateInput{Name: "tr1", S3BucketName: "Bad_Bucket"}, wantCode: "InvalidS3BucketNameException"},
		{name: "bad prefix", bucket: bucketPolicy("tr1"), in: trail.CreateInput{Name: "tr1", S3KeyPrefix: "/abs"}, wantCode: "InvalidS3PrefixException"},
		{name: "multi-region without global events", bucket: bucketPolicy("tr1"), in: trail.CreateInput{Name: "tr1", IsMultiRegionTrail: true, IncludeGlobalServiceEvents: new(bool)},
			wantCode: "InvalidParameterCombinationException"},
		{name: "SNS", bucket: bucketPolicy("tr1"), in: trail.CreateInput{Name: "tr1", Unsupported: trail.Unsupported{SnsTopicName: "topic"}}, wantCode: "UnsupportedOperationException"},
		{name: "organization trail", bucket: bucketPolicy("tr1"), in: trail.CreateInput{Name: "tr1", Unsupported: trail.Unsupported{IsOrganizationTrail: true}}, wantCode: "UnsupportedOperationException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			if tc.bucket != "-" {
				_, err := e.s3.CreateBucket(ctx, e.root, objstore.CreateBucketInput{Bucket: bucket})
				require.NoError(t, err)
				if tc.bucket != "" {
					require.NoError(t, e.s3.PutBucketPolicy(ctx, e.root, bucket, tc.bucket))
				}
			}
			in := tc.in
			if in.Name == "" {
				in.Name = "tr1"
			}
			if in.S3BucketName == "" {
				in.S3BucketName = bucket
			}
			keyARN := ""
			switch tc.key {
			case "":
			case "-":
				in.KmsKeyID = "arn:aws:kms:us-east-1:" + acct + ":key/0d1e2f3a-0000-4000-8000-000000000000"
			default:
				md, err := e.kms.CreateKey(ctx, e.root, kms.CreateKeyRequest{Policy: tc.key})
				require.NoError(t, err)
				keyARN, in.KmsKeyID = md.ARN, md.ARN
				if tc.keyID != nil {
					in.KmsKeyID = tc.keyID(md.ARN)
				}
				if tc.bucketKMS {
					require.NoError(t, e.s3.PutBucketEncryption(ctx, e.root, bucket, &objstore.Encryption{Rules: []objstore.EncryptionRule{
						{Default: &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEKMS, KMSMasterKeyID: md.ARN}}}}))
				}
			}
			tr, err := e.svc.CreateTrail(ctx, e.root, in)
			if tc.wantCode != "" {
				require.Equal(t, tc.wantCode, code(err), "%v", err)
				for _, s := range tc.wantInText {
					require.Contains(t, err.Error(), s)
				}
				_, err := e.svc.GetTrail(ctx, e.root, in.Name)
				if code(err) != "InvalidTrailNameException" {
					require.Equal(t, "TrailNotFoundException", code(err), "a refused trail is not created")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, keyARN, tr.KmsKeyID, "the key is stored by its ARN")
			require.Equal(t, trailARN("tr1"), tr.ARN())
			_, st, err := e.svc.GetTrailStatus(ctx, e.root, "tr1")
			require.NoError(t, err)
			require.False(t, st.IsLogging, "a new trail does not log until StartLogging")
		})
	}
}

func TestTrailNamesRegionsAndLimits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.destination(t, "tr1")
	require.NoError(t, e.s3.PutBucketPolicy(ctx, e.root, bucket, anyTrailBucketPolicy()))
	mk := func(region, name string, multi bool) error {
		_, err := e.svc.CreateTrail(ctx, rootCaller(acct, region), trail.CreateInput{Name: name, S3BucketName: bucket, IsMultiRegionTrail: multi})
		return err
	}
	require.NoError(t, mk(home, "tr1", true))
	require.Equal(t, "TrailAlreadyExistsException", code(mk(home, "tr1", false)))
	require.Equal(t, "TrailAlreadyExistsException", code(mk("eu-west-1", "tr1", false)), "a multi-region trail's name is taken everywhere")

	// A multi-region trail is seen (not changed) from other regions; a single-region one only at home.
	west := rootCaller(acct, "eu-west-1")
	got, err := e.svc.GetTrail(ctx, west, "tr1")
	require.NoError(t, err)
	require.Equal(t, home, got.HomeRegion)
	_, err = e.svc.StopLogging(ctx, west, "tr1")
	require.Equal(t, "InvalidHomeRegionException", code(err))
	_, err = e.svc.UpdateTrail(ctx, west, trail.UpdateInput{Name: trailARN("tr1"), S3KeyPrefix: new(string)})
	require.Equal(t, "InvalidHomeRegionException", code(err))
	_, err = e.svc.GetTrail(ctx, rootCaller(other, home), trailARN("tr1"))
	require.Equal(t, "TrailNotFoundException", code(err), "another account's trail is not found")
	_, err = e.svc.GetTrail(ctx, e.root, "arn:aws:cloudtrail:us-east-1:"+acct+":bucket/t1")
	require.Equal(t, "CloudTrailARNInvalidException", code(err))

	// Five trails per region, multi-region trails counting everywhere.
	for _, n := range []string{"tr2", "tr3", "tr4", "tr5"} {
		require.NoError(t, mk(home, n, false))
	}
	require.Equal(t, "MaximumNumberOfTrailsExceededException", code(mk(home, "tr6", false)))
	for _, n := range []string{"wr2", "wr3", "wr4", "wr5"} {
		require.NoError(t, mk("eu-west-1", n, false))
	}
	require.Equal(t, "MaximumNumberOfTrailsExceededException", code(mk("eu-west-1", "wr6", false)))

	all, err := e.svc.ListTrails(ctx, e.root, "")
	require.NoError(t, err)
	require.Len(t, all, 9)
	described, err := e.svc.DescribeTrails(ctx, west, nil, nil)
	require.NoError(t, err)
	require.Len(t, described, 5, "eu-west-1's four trails and the multi-region shadow")
	noShadow := false
	described, err = e.svc.DescribeTrails(ctx, west, nil, &noShadow)
	require.NoError(t, err)
	require.Len(t, described, 4)
	described, err = e.svc.DescribeTrails(ctx, e.root, []string{"tr2", trailARN("tr3"), "nope"}, nil)
	require.NoError(t, err)
	require.Len(t, described, 2, "unknown names are left out")

	_, err = e.svc.DeleteTrail(ctx, e.root, "tr2")
	require.NoError(t, err)
	require.NoError(t, mk(home, "tr6", false), "a deleted trail frees its place")
}

func TestUpdateTrailChecksANewDestination(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	keyARN := e.destination(t, "tr1")
	_, err := e.svc.CreateTrail(ctx, e.root, trail.CreateInput{Name: "tr1", S3BucketName: bucket})
	require.NoError(t, err)

	other, err := e.kms.CreateKey(ctx, e.root, kms.CreateKeyRequest{Policy: keyPolicy("tr1", "Allow CloudTrail to encrypt logs")})
	require.NoError(t, err)
	_, err = e.svc.UpdateTrail(ctx, e.root, trail.UpdateInput{Name: "tr1", KmsKeyID: &other.ARN})
	require.Equal(t, "InsufficientEncryptionPolicyException", code(err))
	got, err := e.svc.GetTrail(ctx, e.root, "tr1")
	require.NoError(t, err)
	require.Empty(t, got.KmsKeyID, "a refused update changes nothing")

	tr, err := e.svc.UpdateTrail(ctx, e.root, trail.UpdateInput{Name: "tr1", KmsKeyID: &keyARN, EnableLogFileValidation: new(bool)})
	require.NoError(t, err)
	require.Equal(t, keyARN, tr.KmsKeyID)
	none := ""
	tr, err = e.svc.UpdateTrail(ctx, e.root, trail.UpdateInput{Name: "tr1", KmsKeyID: &none})
	require.NoError(t, err)
	require.Empty(t, tr.KmsKeyID, "an empty KmsKeyId removes the key")
	missing := "nope-bucket"
	_, err = e.svc.UpdateTrail(ctx, e.root, trail.UpdateInput{Name: "tr1", S3BucketName: &missing})
	require.Equal(t, "S3BucketDoesNotExistException", code(err))
}
