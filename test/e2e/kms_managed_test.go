package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"
)

// keyDescription is the part of describe-key's output these tests read.
type keyDescription struct {
	KeyMetadata struct{ KeyId, Arn, KeyManager, Description, KeyState, Origin, KeySpec string }
}

// TestKMSManagedKeyS3 writes with SSE-KMS and no key, as `aws s3 cp --sse aws:kms` does: S3 creates the
// account's AWS managed key aws/s3 on first use, uses it for later writes and for the bucket default without a
// key, lets any principal of the account that S3 lets read decrypt, and refuses other accounts.
func TestKMSManagedKeyS3(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()

	// Before first use the predefined alias is listed without a key.
	var aliases struct {
		Aliases []struct{ AliasName, AliasArn, TargetKeyId string }
	}
	s.awsJSON(t, &aliases, "kms", "list-aliases")
	require.Len(t, aliases.Aliases, 1)
	require.Equal(t, "alias/aws/s3", aliases.Aliases[0].AliasName)
	require.Equal(t, "arn:aws:kms:us-east-1:"+testAccount+":alias/aws/s3", aliases.Aliases[0].AliasArn)
	require.Empty(t, aliases.Aliases[0].TargetKeyId)

	_, err := s.aws(t, "s3", "mb", "s3://managed-key")
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "report.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"finding":"none"}`), 0o600))
	_, err = s.aws(t, "s3", "cp", file, "s3://managed-key/reports/report.json", "--sse", "aws:kms")
	require.NoError(t, err)

	var head struct{ ServerSideEncryption, SSEKMSKeyId string }
	s.awsJSON(t, &head, "s3api", "head-object", "--bucket", "managed-key", "--key", "reports/report.json")
	require.Equal(t, "aws:kms", head.ServerSideEncryption)
	require.Regexp(t, `^arn:aws:kms:us-east-1:`+testAccount+`:key/[0-9a-f-]{36}$`, head.SSEKMSKeyId)

	var md keyDescription
	s.awsJSON(t, &md, "kms", "describe-key", "--key-id", "alias/aws/s3")
	require.Equal(t, head.SSEKMSKeyId, md.KeyMetadata.Arn)
	require.Equal(t, "AWS", md.KeyMetadata.KeyManager)
	require.Equal(t, "Default KMS key that protects my S3 objects when no other key is defined", md.KeyMetadata.Description)
	require.Equal(t, "Enabled", md.KeyMetadata.KeyState)
	require.Equal(t, "AWS_KMS", md.KeyMetadata.Origin)
	require.Equal(t, "SYMMETRIC_DEFAULT", md.KeyMetadata.KeySpec)

	s.awsJSON(t, &aliases, "kms", "list-aliases")
	require.Len(t, aliases.Aliases, 1)
	require.Equal(t, md.KeyMetadata.KeyId, aliases.Aliases[0].TargetKeyId)

	var rot struct {
		KeyRotationEnabled   bool
		RotationPeriodInDays int
	}
	s.awsJSON(t, &rot, "kms", "get-key-rotation-status", "--key-id", md.KeyMetadata.Arn)
	require.True(t, rot.KeyRotationEnabled)
	require.Equal(t, 365, rot.RotationPeriodInDays)

	var pol struct{ Policy string }
	s.awsJSON(t, &pol, "kms", "get-key-policy", "--key-id", md.KeyMetadata.KeyId, "--policy-name", "default")
	require.Contains(t, pol.Policy, "Allow access through S3 for all principals in the account that are authorized to use S3")
	require.Contains(t, pol.Policy, `"kms:ViaService" : "s3.us-east-1.amazonaws.com"`)

	// Customers cannot change it.
	_, err = s.aws(t, "kms", "disable-key", "--key-id", md.KeyMetadata.KeyId)
	require.ErrorContains(t, err, "AccessDeniedException")
	_, err = s.aws(t, "kms", "schedule-key-deletion", "--key-id", md.KeyMetadata.KeyId)
	require.ErrorContains(t, err, "AccessDeniedException")
	_, err = s.aws(t, "kms", "delete-alias", "--alias-name", "alias/aws/s3")
	require.ErrorContains(t, err, "NotAuthorizedException")
	// And cannot use it directly, only through S3.
	_, err = s.aws(t, "kms", "encrypt", "--key-id", "alias/aws/s3", "--plaintext", "aGk=")
	require.ErrorContains(t, err, "AccessDeniedException")

	// A bucket default of SSE-KMS without a key uses the same key.
	_, err = s.aws(t, "s3api", "put-bucket-encryption", "--bucket", "managed-key", "--server-side-encryption-configuration",
		`{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}`)
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "put-object", "--bucket", "managed-key", "--key", "default.json", "--body", file)
	require.NoError(t, err)
	s.awsJSON(t, &head, "s3api", "head-object", "--bucket", "managed-key", "--key", "default.json")
	require.Equal(t, "aws:kms", head.ServerSideEncryption)
	require.Equal(t, md.KeyMetadata.Arn, head.SSEKMSKeyId)
	var keys struct{ Keys []struct{ KeyId string } }
	s.awsJSON(t, &keys, "kms", "list-keys")
	require.Len(t, keys.Keys, 1, "one AWS managed key for the account and region")

	// A principal of the account that S3 lets read decrypts through S3 without any KMS permission.
	readerID, readerSecret := userWithPolicy(t, s.rootConfig(), "reader", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	out, err := s.awsAs(t, readerID, readerSecret, "", "s3", "cp", "s3://managed-key/reports/report.json", "-")
	require.NoError(t, err)
	require.Equal(t, `{"finding":"none"}`, strings.TrimSpace(out))

	// Another account that the bucket policy lets read still cannot: AWS managed keys serve their own
	// account only.
	member := memberAccount(t, s, "analytics", "analytics@example.com")
	bucketPolicy, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{
		"Sid": "MemberRead", "Effect": "Allow", "Principal": map[string]string{"AWS": "arn:aws:iam::" + member + ":root"},
		"Action": "s3:GetObject", "Resource": "arn:aws:s3:::managed-key/*"}}})
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "put-bucket-policy", "--bucket", "managed-key", "--policy", string(bucketPolicy))
	require.NoError(t, err)
	_, err = s3Client(memberAdmin(t, s, member)).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("managed-key"), Key: aws.String("reports/report.json")})
	require.Equal(t, "AccessDenied", apiCode(t, err))
	require.ErrorContains(t, err, "kms:Decrypt")
}

// TestKMSManagedKeyDescribeKey: DescribeKey with the predefined alias creates the AWS managed key, as KMS does
// for the services that call it.
func TestKMSManagedKeyDescribeKey(t *testing.T) {
	s := startServer(t)
	_, err := s.aws(t, "kms", "encrypt", "--key-id", "alias/aws/s3", "--plaintext", "aGk=")
	require.ErrorContains(t, err, "NotFoundException")

	var md keyDescription
	s.awsJSON(t, &md, "kms", "describe-key", "--key-id", "alias/aws/s3")
	require.Equal(t, "AWS", md.KeyMetadata.KeyManager)
	require.Equal(t, "arn:aws:kms:us-east-1:"+testAccount+":key/"+md.KeyMetadata.KeyId, md.KeyMetadata.Arn)
	var again keyDescription
	s.awsJSON(t, &again, "kms", "describe-key", "--key-id", "arn:aws:kms:us-east-1:"+testAccount+":alias/aws/s3")
	require.Equal(t, md, again)

	_, err = s.aws(t, "kms", "create-alias", "--alias-name", "alias/aws/s3", "--target-key-id", md.KeyMetadata.KeyId)
	require.ErrorContains(t, err, "NotAuthorizedException")
}
