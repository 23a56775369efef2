package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/objstore"
)

// The "Allow SLR" statement of the Security Lake S3 key policy (SCENARIOS.md §1a), as written, with a key
// administration statement for the account that does not delegate the key's use to IAM policies.
const securityLakeKeyPolicy = `{"Version":"2012-10-17","Id":"Security-Lake-S3-Key-Policy","Statement":[
 {"Sid":"Key administration","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%[1]s:root"},"Action":["kms:Create*","kms:Describe*",
  "kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource",
  "kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"},
 {"Sid":"Allow SLR","Effect":"Allow",
  "Principal":{"AWS":"arn:aws:iam::%[1]s:role/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement"},
  "Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*",
  "Condition":{"StringEquals":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::%[2]s"},"StringLike":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}`

// TestS3SecurityLakeKeyPolicyNeedsBucketKeys writes into a lake bucket as the Security Lake resource-management
// service-linked role, through S3, under the key policy from the Security Lake guide. The policy pins the
// encryption context to the bucket ARN, so it works with a bucket key (context = bucket ARN) and refuses
// per-object keys (context = object ARN), as on AWS.
func TestS3SecurityLakeKeyPolicyNeedsBucketKeys(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	const bucket = "aws-security-data-lake-us-east-1-abc123"
	out, err := s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", "resource-management.securitylake.amazonaws.com")
	require.NoError(t, err)
	var role struct {
		Role struct{ Arn, RoleId, RoleName string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &role))
	key := createKey(t, s, fmt.Sprintf(securityLakeKeyPolicy, testAccount, bucket))

	root := s3Client(s.rootConfig())
	_, err = root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	_, err = root.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"` + role.Role.Arn + `"},"Action":["s3:PutObject","s3:GetObject"],"Resource":"arn:aws:s3:::` + bucket + `/*"}]}`)})
	require.NoError(t, err)

	// The lake acts as a session of its service-linked role.
	slr := &actor.Caller{Identity: actor.Identity{Type: actor.TypeAssumedRole, Account: testAccount,
		ARN: "arn:aws:sts::" + testAccount + ":assumed-role/" + role.Role.RoleName + "/securitylake", ID: role.Role.RoleId + ":securitylake",
		Name: role.Role.RoleName, Session: &actor.Session{RoleARN: role.Role.Arn, RoleID: role.Role.RoleId, Name: "securitylake"}},
		Region: "us-east-1", SourceIP: "securitylake.amazonaws.com"}
	objects := s.app.Objects()
	write := func(k string) error {
		_, err := objects.Deliver(ctx, objstore.DeliveryInput{Caller: slr, Object: objstore.PutInput{Bucket: bucket, Key: k,
			Body: strings.NewReader("PAR1...parquet..."), Size: -1}})
		return err
	}

	// Per-object keys: the context is the object ARN, which the statement does not allow.
	putKMSDefault(t, root, bucket, key, false)
	err = write("ext/source/1.0/region=us-east-1/part-0.parquet")
	require.Error(t, err)
	require.ErrorContains(t, err, "kms:GenerateDataKey")
	require.ErrorContains(t, err, "kms:EncryptionContext:aws:s3:arn")

	// With the bucket key the same write is allowed, and the role reads back what it wrote.
	putKMSDefault(t, root, bucket, key, true)
	require.NoError(t, write("ext/source/1.0/region=us-east-1/part-1.parquet"))
	got, err := objects.GetObject(ctx, slr, objstore.GetInput{Bucket: bucket, Key: "ext/source/1.0/region=us-east-1/part-1.parquet"})
	require.NoError(t, err)
	got.Body.Close()
	require.True(t, got.Object.SSE.BucketKey)
	require.Equal(t, key, got.Object.SSE.KeyARN)
}
