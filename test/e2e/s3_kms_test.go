package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/objstore"
)

// s3Client is an S3 client of the Go SDK for the given config, path-style.
func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func createKey(t *testing.T, s *server, policy string) string {
	t.Helper()
	return createKeyWith(t, s.rootConfig(), policy)
}

// createKeyWith creates a KMS key (with the given policy, or the default one) and returns its ARN.
func createKeyWith(t testing.TB, cfg aws.Config, policy ...string) string {
	t.Helper()
	in := &kms.CreateKeyInput{}
	if len(policy) > 0 && policy[0] != "" {
		in.Policy = aws.String(policy[0])
	}
	out, err := kms.NewFromConfig(cfg).CreateKey(context.Background(), in)
	require.NoError(t, err)
	return aws.ToString(out.KeyMetadata.Arn)
}

func putKMSDefault(t *testing.T, c *s3.Client, bucket, keyARN string, bucketKey bool) {
	t.Helper()
	_, err := c.PutBucketEncryption(context.Background(), &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyARN)},
			BucketKeyEnabled:                   aws.Bool(bucketKey)}}}})
	require.NoError(t, err)
}

func getBody(t *testing.T, c *s3.Client, bucket, key string) ([]byte, error) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// TestS3SSEKMS covers SSE-KMS as S3 does it: the bucket default with a bucket key, the response headers, a
// reader without kms:Decrypt, switching the default key, and KMS failures reported with S3's codes.
func TestS3SSEKMS(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := s3Client(s.rootConfig())
	k1 := createKey(t, s, "")
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("kms-bucket")})
	require.NoError(t, err)
	putKMSDefault(t, root, "kms-bucket", k1, true)

	// The CLI shows the configuration as written and the object's encryption as AWS reports it.
	out, err := s.aws(t, "s3api", "get-bucket-encryption", "--bucket", "kms-bucket")
	require.NoError(t, err)
	require.Contains(t, out, k1)
	require.Contains(t, out, `"BucketKeyEnabled": true`)
	put, err := root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-bucket"), Key: aws.String("old.txt"), Body: strings.NewReader("written with k1")})
	require.NoError(t, err)
	require.Equal(t, s3types.ServerSideEncryptionAwsKms, put.ServerSideEncryption)
	require.Equal(t, k1, aws.ToString(put.SSEKMSKeyId))
	require.True(t, aws.ToBool(put.BucketKeyEnabled))
	body, err := getBody(t, root, "kms-bucket", "old.txt")
	require.NoError(t, err)
	require.Equal(t, "written with k1", string(body))

	// A reader the bucket policy lets read, but whom no policy allows kms:Decrypt: 403 naming kms:Decrypt.
	keyID, secret := createUserWithKey(t, s, "reader")
	_, err = root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("kms-bucket"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Sid":"ReaderMayRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:user/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::kms-bucket/*"}]}`)})
	require.NoError(t, err)
	reader := s3Client(s.sdkConfig(keyID, secret, ""))
	_, err = getBody(t, reader, "kms-bucket", "old.txt")
	require.Equal(t, "AccessDenied", apiCode(t, err))
	require.ErrorContains(t, err, "StatusCode: 403")
	require.ErrorContains(t, err, "kms:Decrypt")
	require.ErrorContains(t, err, k1)
	require.ErrorContains(t, err, "arn:aws:iam::"+testAccount+":user/reader")
	_, err = s.awsAs(t, keyID, secret, "", "s3", "cp", "s3://kms-bucket/old.txt", "-")
	require.ErrorContains(t, err, "(AccessDenied)")
	require.ErrorContains(t, err, "is not authorized to perform: kms:Decrypt on resource: "+k1)
	// HEAD needs no key: it succeeds for the same reader.
	_, err = reader.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kms-bucket"), Key: aws.String("old.txt")})
	require.NoError(t, err)

	// Switching the default key leaves existing objects readable with their old key.
	k2 := createKey(t, s, "")
	putKMSDefault(t, root, "kms-bucket", k2, false)
	_, err = root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-bucket"), Key: aws.String("new.txt"), Body: strings.NewReader("written with k2")})
	require.NoError(t, err)
	for key, want := range map[string]string{"old.txt": k1, "new.txt": k2} {
		h, err := root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("kms-bucket"), Key: aws.String(key)})
		require.NoError(t, err)
		require.Equal(t, want, aws.ToString(h.SSEKMSKeyId), key)
		_, err = getBody(t, root, "kms-bucket", key)
		require.NoError(t, err, key)
	}

	// CopyObject re-encrypts to the destination's settings.
	_, err = root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("plain-bucket")})
	require.NoError(t, err)
	cp, err := root.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("plain-bucket"), Key: aws.String("copy.txt"), CopySource: aws.String("kms-bucket/old.txt")})
	require.NoError(t, err)
	require.Equal(t, s3types.ServerSideEncryptionAes256, cp.ServerSideEncryption)
	cp, err = root.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("plain-bucket"), Key: aws.String("copy2.txt"), CopySource: aws.String("kms-bucket/old.txt"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(k2)})
	require.NoError(t, err)
	require.Equal(t, k2, aws.ToString(cp.SSEKMSKeyId))
	body, err = getBody(t, root, "plain-bucket", "copy2.txt")
	require.NoError(t, err)
	require.Equal(t, "written with k1", string(body))

	// KMS failures, as S3 reports them.
	keys := kms.NewFromConfig(s.rootConfig())
	_, err = keys.DisableKey(ctx, &kms.DisableKeyInput{KeyId: aws.String(k2)})
	require.NoError(t, err)
	_, err = root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-bucket"), Key: aws.String("x"), Body: strings.NewReader("x")})
	require.Equal(t, "KMS.DisabledException", apiCode(t, err))
	_, err = getBody(t, root, "kms-bucket", "new.txt")
	require.Equal(t, "KMS.DisabledException", apiCode(t, err))
	_, err = root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-bucket"), Key: aws.String("x"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("arn:aws:kms:us-east-1:" + testAccount + ":key/00000000-0000-0000-0000-000000000000")})
	require.Equal(t, "KMS.NotFoundException", apiCode(t, err))
	k3 := createKey(t, s, "")
	_, err = keys.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k3), PendingWindowInDays: aws.Int32(7)})
	require.NoError(t, err)
	_, err = root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("kms-bucket"), Key: aws.String("x"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(k3)})
	require.Equal(t, "KMS.KMSInvalidStateException", apiCode(t, err))
}

const flowLogsBucketPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSLogDeliveryWrite","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":"s3:PutObject",
  "Resource":"arn:aws:s3:::flow-logs-bucket/AWSLogs/%[1]s/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceAccount":"%[1]s"},"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:%[1]s:*"}}},
 {"Sid":"AWSLogDeliveryAclCheck","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":"s3:GetBucketAcl",
  "Resource":"arn:aws:s3:::flow-logs-bucket","Condition":{"StringEquals":{"aws:SourceAccount":"%[1]s"}}}]}`

const consoleDefaultKeyPolicy = `{"Version":"2012-10-17","Id":"key-consolepolicy-3","Statement":[
 {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%[1]s:root"},"Action":"kms:*","Resource":"*"}%[2]s]}`

const logsDeliveryKeyStatement = `,
 {"Sid":"Allow Logs Delivery to use the key","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},
  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
  "Condition":{"StringEquals":{"aws:SourceAccount":"%[1]s"},"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:%[1]s:*"}}}`

// TestS3VPCFlowLogsDelivery is SCENARIOS.md §5: VPC Flow Logs delivered by delivery.logs.amazonaws.com into a
// bucket whose default key has the console's default policy. AWS drops the logs silently; seclake refuses
// with an error that names the principal, the permission and the key, and delivers once the statement is added.
func TestS3VPCFlowLogsDelivery(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := s3Client(s.rootConfig())
	key := createKey(t, s, fmt.Sprintf(consoleDefaultKeyPolicy, testAccount, ""))
	_, err := root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("flow-logs-bucket")})
	require.NoError(t, err)
	putKMSDefault(t, root, "flow-logs-bucket", key, true)
	_, err = root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("flow-logs-bucket"), Policy: aws.String(fmt.Sprintf(flowLogsBucketPolicy, testAccount))})
	require.NoError(t, err)

	objects := s.app.Objects()
	objKey := "AWSLogs/" + testAccount + "/vpcflowlogs/us-east-1/2026/11/22/flow.log.gz"
	deliver := func(source string) error {
		_, err := objects.Deliver(ctx, objstore.DeliveryInput{
			Caller: actor.ServicePrincipal("delivery.logs.amazonaws.com", "us-east-1", time.Now(), actor.Source{ARN: source, Account: testAccount}),
			Object: objstore.PutInput{Bucket: "flow-logs-bucket", Key: objKey, Body: strings.NewReader("2 123 eni-1 10.0.0.1 ..."), Size: -1, ACL: "bucket-owner-full-control"},
		})
		return err
	}
	flowSource := "arn:aws:logs:us-east-1:" + testAccount + ":log-group:vpc-flow"
	err = deliver(flowSource)
	var de *objstore.DeliveryError
	require.True(t, errors.As(err, &de), "%v", err)
	require.Equal(t, "delivery.logs.amazonaws.com", de.Principal)
	require.Equal(t, "kms:GenerateDataKey", de.Action)
	require.Equal(t, key, de.Resource)
	require.ErrorContains(t, err, "delivery.logs.amazonaws.com may not write s3://flow-logs-bucket/"+objKey)
	require.ErrorContains(t, err, "key policy of "+key)

	// Nothing was written.
	_, err = root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("flow-logs-bucket"), Key: aws.String(objKey)})
	require.Error(t, err)

	// A delivery for another account's resource is refused by the bucket policy (confused deputy).
	err = deliver("arn:aws:logs:us-east-1:999999999999:log-group:theirs")
	require.True(t, errors.As(err, &de), "%v", err)
	require.Equal(t, "s3:PutObject", de.Action)

	// With the "Allow Logs Delivery to use the key" statement, the delivery succeeds and readers see the log.
	_, err = kms.NewFromConfig(s.rootConfig()).PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(key), PolicyName: aws.String("default"),
		Policy: aws.String(fmt.Sprintf(consoleDefaultKeyPolicy, testAccount, fmt.Sprintf(logsDeliveryKeyStatement, testAccount)))})
	require.NoError(t, err)
	require.NoError(t, deliver(flowSource))
	body, err := getBody(t, root, "flow-logs-bucket", objKey)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(body, []byte("2 123 eni-1")))
	h, err := root.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("flow-logs-bucket"), Key: aws.String(objKey)})
	require.NoError(t, err)
	require.Equal(t, key, aws.ToString(h.SSEKMSKeyId))

	// The key's use by the service is on the audit trail.
	out, err := s.aws(t, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=GenerateDataKey")
	require.NoError(t, err)
	var events struct {
		Events []struct{ CloudTrailEvent string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &events))
	found := false
	for _, e := range events.Events {
		found = found || strings.Contains(e.CloudTrailEvent, "delivery.logs.amazonaws.com")
	}
	require.True(t, found, "no GenerateDataKey by delivery.logs.amazonaws.com on the trail: %s", out)
}
