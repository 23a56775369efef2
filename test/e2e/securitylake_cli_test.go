package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lakeKeyAdmin is a key policy that lets the account administer and use the key through IAM, and nothing for
// Security Lake.
const lakeKeyAdmin = `{"Sid":"Key administration","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%[1]s:root"},"Action":"kms:*","Resource":"*"}`

// lakeKeyService is the first guide's "Allow SLR" statement, for any lake bucket of the account: Security
// Lake's resource-management role (which CreateDataLake creates) may use the key through S3.
const lakeKeyService = `{"Sid":"Allow SLR","Effect":"Allow",` +
	`"Principal":{"AWS":"arn:aws:iam::%[1]s:role/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement"},` +
	`"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{` +
	`"StringLike":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::aws-security-data-lake-*","kms:ViaService":"s3.*.amazonaws.com"}}}`

// rawKeyService lets the Security Lake service principal decrypt for the account: what a customer's raw bucket
// key needs for ingestion to read it (the lake's own bucket is the resource-management role's, lakeKeyService).
const rawKeyService = `{"Sid":"Allow Security Lake To Use The Key","Effect":"Allow","Principal":{"Service":"securitylake.amazonaws.com"},` +
	`"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"%[1]s"}}}`

func keyPolicy(stmts ...string) string {
	for i, s := range stmts {
		stmts[i] = fmt.Sprintf(s, testAccount)
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

type cliDataLakes struct {
	DataLakes []struct {
		DataLakeArn, Region, CreateStatus, S3BucketArn string
		EncryptionConfiguration                        *struct{ KmsKeyId string }
		UpdateStatus                                   *struct {
			RequestId, Status string
			Exception         *struct{ Code, Reason string }
		}
	}
}

func (s *server) lakes(t *testing.T, args ...string) cliDataLakes {
	t.Helper()
	out, err := s.aws(t, append([]string{"securitylake"}, args...)...)
	require.NoError(t, err)
	var dl cliDataLakes
	require.NoError(t, json.Unmarshal([]byte(out), &dl), out)
	return dl
}

// createMetaStoreRole creates the role CreateDataLake is given, as the guide does, and returns its ARN.
func createMetaStoreRole(t *testing.T, s *server) string { return createMetaStoreRoleFor(t, s) }

func createMetaStoreRoleFor(t testing.TB, s *server) string {
	t.Helper()
	out, err := s.aws(t, "iam", "create-role", "--role-name", "AmazonSecurityLakeMetaStoreManager", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	require.NoError(t, err)
	var role struct{ Role struct{ Arn string } }
	require.NoError(t, json.Unmarshal([]byte(out), &role))
	return role.Role.Arn
}

// TestSecurityLakeCLIDataLakeAndKey follows the guide with the aws CLI: create-data-lake answers INITIALIZED and
// list-data-lakes shows COMPLETED once the provisioning job ran; update-data-lake with a key whose policy lacks
// Security Lake's statement fails, naming the statement, the principal and the action, and lands in
// list-data-lake-exceptions; once the statement is added, the update completes and the lake bucket's default
// encryption is SSE-KMS under the key.
func TestSecurityLakeCLIDataLakeAndKey(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	provision := func() {
		_, err := s.app.SecurityLake().Provision(ctx)
		require.NoError(t, err)
	}
	role := createMetaStoreRole(t, s)

	created := s.lakes(t, "create-data-lake", "--configurations", `[{"region":"us-east-1"}]`, "--meta-store-manager-role-arn", role)
	require.Len(t, created.DataLakes, 1)
	require.Equal(t, "INITIALIZED", created.DataLakes[0].CreateStatus)
	require.Equal(t, "arn:aws:securitylake:us-east-1:"+testAccount+":data-lake/default", created.DataLakes[0].DataLakeArn)
	_, err := s.aws(t, "securitylake", "create-data-lake", "--configurations", `[{"region":"us-east-1"}]`, "--meta-store-manager-role-arn", role)
	require.ErrorContains(t, err, "ConflictException")

	provision()
	listed := s.lakes(t, "list-data-lakes", "--regions", "us-east-1")
	require.Len(t, listed.DataLakes, 1)
	lk := listed.DataLakes[0]
	require.Equal(t, "COMPLETED", lk.CreateStatus)
	require.True(t, strings.HasPrefix(lk.S3BucketArn, "arn:aws:s3:::aws-security-data-lake-us-east-1-"), lk.S3BucketArn)
	bucket := strings.TrimPrefix(lk.S3BucketArn, "arn:aws:s3:::")

	key := createKey(t, s, keyPolicy(lakeKeyAdmin))
	upd := s.lakes(t, "update-data-lake", "--configurations", `[{"region":"us-east-1","encryptionConfiguration":{"kmsKeyId":"`+key+`"}}]`)
	require.Equal(t, "INITIALIZED", upd.DataLakes[0].UpdateStatus.Status)
	provision()
	lk = s.lakes(t, "list-data-lakes").DataLakes[0]
	require.Equal(t, "FAILED", lk.UpdateStatus.Status)
	reason := lk.UpdateStatus.Exception.Reason
	for _, want := range []string{`"Allow SLR"`, "AWSServiceRoleForSecurityLakeResourceManagement", "kms:GenerateDataKey", key} {
		require.Contains(t, reason, want)
	}
	out, err := s.aws(t, "securitylake", "list-data-lake-exceptions", "--regions", "us-east-1")
	require.NoError(t, err)
	var exc struct {
		Exceptions []struct{ Exception, Remediation, Region string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &exc))
	require.Len(t, exc.Exceptions, 1)
	require.Contains(t, exc.Exceptions[0].Remediation, `"Principal":{"AWS":"arn:aws:iam::`+testAccount+
		`:role/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement"}`)
	require.Contains(t, exc.Exceptions[0].Remediation, `"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::`+bucket+`"`)
	enc, err := s.aws(t, "s3api", "get-bucket-encryption", "--bucket", bucket)
	require.NoError(t, err)
	require.Contains(t, enc, `"AES256"`, "a failed update leaves the bucket as it was")

	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key, "--policy-name", "default", "--policy", keyPolicy(lakeKeyAdmin, lakeKeyService))
	require.NoError(t, err)
	s.lakes(t, "update-data-lake", "--configurations", `[{"region":"us-east-1","encryptionConfiguration":{"kmsKeyId":"`+key+`"}}]`)
	provision()
	lk = s.lakes(t, "list-data-lakes").DataLakes[0]
	require.Equal(t, "COMPLETED", lk.UpdateStatus.Status)
	require.Nil(t, lk.UpdateStatus.Exception)
	require.Equal(t, key, lk.EncryptionConfiguration.KmsKeyId)
	enc, err = s.aws(t, "s3api", "get-bucket-encryption", "--bucket", bucket)
	require.NoError(t, err)
	require.Contains(t, enc, `"aws:kms"`)
	require.Contains(t, enc, key)

	// The README's source, subscriber and notification commands.
	out, err = s.aws(t, "securitylake", "create-aws-log-source", "--sources", `[{"regions":["us-east-1"],"sourceName":"VPC_FLOW","sourceVersion":"2.0"}]`)
	require.NoError(t, err)
	require.JSONEq(t, `{"failed":[]}`, out)
	out, err = s.aws(t, "securitylake", "create-subscriber", "--subscriber-name", "siem", "--subscriber-identity",
		`{"principal":"444455556666","externalId":"siem-ext"}`, "--sources", `[{"awsLogSource":{"sourceName":"VPC_FLOW","sourceVersion":"2.0"}}]`)
	require.NoError(t, err)
	var sub struct {
		Subscriber struct{ SubscriberId, RoleArn string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sub))
	require.Equal(t, "arn:aws:iam::"+testAccount+":role/AmazonSecurityLake-"+sub.Subscriber.SubscriberId, sub.Subscriber.RoleArn)
	out, err = s.aws(t, "securitylake", "create-subscriber-notification", "--subscriber-id", sub.Subscriber.SubscriberId,
		"--configuration", `{"sqsNotificationConfiguration":{}}`)
	require.NoError(t, err)
	require.Contains(t, out, ":AmazonSecurityLake-"+sub.Subscriber.SubscriberId+"-Main-Queue")

	// Back to S3 managed keys.
	s.lakes(t, "update-data-lake", "--configurations", `[{"region":"us-east-1","encryptionConfiguration":{"kmsKeyId":"S3_MANAGED_KEY"}}]`)
	provision()
	enc, err = s.aws(t, "s3api", "get-bucket-encryption", "--bucket", bucket)
	require.NoError(t, err)
	require.Contains(t, enc, `"AES256"`)
}
