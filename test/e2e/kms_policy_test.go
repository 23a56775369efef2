package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"
)

// roleAssumer makes an IAM user allowed to assume roles (root may not) and returns its credentials.
func roleAssumer(t *testing.T, s *server) aws.Config {
	t.Helper()
	keyID, secret := createUserWithKey(t, s, "operator")
	_, err := s.aws(t, "iam", "put-user-policy", "--user-name", "operator", "--policy-name", "assume",
		"--policy-document", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`)
	require.NoError(t, err)
	return s.sdkConfig(keyID, secret, "")
}

// assumeRole assumes a role with the assumer's credentials and returns a KMS client for the session.
func assumeRole(t *testing.T, s *server, assumer aws.Config, roleARN, session string) *kms.Client {
	t.Helper()
	out, err := sts.NewFromConfig(assumer).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)})
	require.NoError(t, err)
	cr := out.Credentials
	return kms.NewFromConfig(s.sdkConfig(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken)))
}

const trustRoot = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"sts:AssumeRole"}]}`

// TestKMSSecurityLakeKeyPolicy applies the Security Lake guide's S3 key policy to a key in a server whose IAM
// holds the service-linked roles and the subscriber and replication roles, with the aws CLI as a person would.
func TestKMSSecurityLakeKeyPolicy(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	for _, svc := range []string{"securitylake.amazonaws.com", "resource-management.securitylake.amazonaws.com"} {
		_, err := s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", svc)
		require.NoError(t, err)
	}
	_, err := s.aws(t, "iam", "create-role", "--role-name", "SecurityLakeSubscriberRole", "--assume-role-policy-document", trustRoot)
	require.NoError(t, err)
	_, err = s.aws(t, "iam", "create-role", "--role-name", "AmazonSecurityLakeS3ReplicationRole", "--path", "/service-role/", "--assume-role-policy-document", trustRoot)
	require.NoError(t, err)
	var created struct{ KeyMetadata struct{ KeyId, Arn string } }
	s.awsJSON(t, &created, "kms", "create-key", "--description", "Security Lake S3 key")
	key := created.KeyMetadata
	put := func(doc string) error {
		p := filepath.Join(dir, "policy.json")
		require.NoError(t, os.WriteFile(p, []byte(doc), 0o600))
		_, err := s.aws(t, "kms", "put-key-policy", "--key-id", key.KeyId, "--policy-name", "default", "--policy", "file://"+p)
		return err
	}

	// As written: the replication statement's "AWS:" key is refused, and the message points at it.
	err = put(kmsPolicyFile(t, "securitylake-s3-as-written.json", key.Arn))
	require.ErrorContains(t, err, "MalformedPolicyDocumentException")
	require.ErrorContains(t, err, `Sid "Allow SecurityLake ReplicationRole To Use The Key (only with a rollup region)", element Principal: "AWS:" is not a principal type`)

	// With the typo fixed, the guide's misspelled Lake Formation role is a principal that does not exist.
	err = put(kmsPolicyFile(t, "securitylake-s3.json", key.Arn))
	require.ErrorContains(t, err, "Policy contains a statement with one or more invalid principals.")
	require.ErrorContains(t, err, `statement "Allow LakeFormation And Subscriber Roles To Use The Key" names arn:aws:iam::`+testAccount+
		`:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormatinoDataAccess, which does not exist`)

	// With Lake Formation's service-linked role created and its name spelled right, it is accepted.
	_, err = s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", "lakeformation.amazonaws.com")
	require.NoError(t, err)
	doc := strings.Replace(kmsPolicyFile(t, "securitylake-s3.json", key.Arn), "LakeFormatinoDataAccess", "LakeFormationDataAccess", 1)
	require.NoError(t, put(doc))

	// The subscriber role decrypts what it reads and may not write; the replication role does both.
	ctx := context.Background()
	operator := roleAssumer(t, s)
	root := kms.NewFromConfig(s.rootConfig())
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::aws-security-data-lake-us-east-1-abcdefghijklmno/obj"}
	enc, err := root.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(key.Arn), Plaintext: []byte("finding"), EncryptionContext: ec})
	require.NoError(t, err)
	sub := assumeRole(t, s, operator, "arn:aws:iam::"+testAccount+":role/SecurityLakeSubscriberRole", "reader")
	dec, err := sub.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	require.NoError(t, err)
	require.Equal(t, "finding", string(dec.Plaintext))
	_, err = sub.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(key.Arn), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	require.ErrorContains(t, err, "User: arn:aws:sts::"+testAccount+":assumed-role/SecurityLakeSubscriberRole/reader is not authorized to perform: kms:GenerateDataKey on resource: "+key.Arn)
	repl := assumeRole(t, s, operator, "arn:aws:iam::"+testAccount+":role/service-role/AmazonSecurityLakeS3ReplicationRole", "s3-replication")
	_, err = repl.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(key.Arn), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	require.NoError(t, err)
	_, err = repl.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	require.NoError(t, err)

	// A role the policy does not name gets nothing, even though the account is delegated, until IAM allows it.
	_, err = s.aws(t, "iam", "create-role", "--role-name", "Analyst", "--assume-role-policy-document", trustRoot)
	require.NoError(t, err)
	analyst := assumeRole(t, s, operator, "arn:aws:iam::"+testAccount+":role/Analyst", "a1")
	_, err = analyst.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	require.ErrorContains(t, err, "because no identity-based policy allows the kms:Decrypt action")
	allow := `{"Version":"2012-10-17","Statement":{"Sid":"AllowDecryptForSpecificKey","Effect":"Allow","Action":"kms:Decrypt","Resource":"` + key.Arn + `"}}`
	_, err = s.aws(t, "iam", "put-role-policy", "--role-name", "Analyst", "--policy-name", "decrypt", "--policy-document", allow)
	require.NoError(t, err)
	_, err = analyst.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	require.NoError(t, err)
}

// TestKMSKeyPolicyDelegation checks the rule that sets KMS apart: IAM policies count only where the key policy
// allows the account, and an explicit deny in either wins.
func TestKMSKeyPolicyDelegation(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := kms.NewFromConfig(s.rootConfig())
	keyID, secret := createUserWithKey(t, s, "alice")
	alice := kms.NewFromConfig(s.sdkConfig(keyID, secret, ""))
	aliceARN := "arn:aws:iam::" + testAccount + ":user/alice"

	md := kmsKey(t, root, nil) // the default policy delegates to the account
	in := &kms.GenerateDataKeyInput{KeyId: md.Arn, KeySpec: types.DataKeySpecAes256}
	_, err := alice.GenerateDataKey(ctx, in)
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	require.ErrorContains(t, err, "because no identity-based policy allows the kms:GenerateDataKey action")

	allow := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"*"}}`
	_, err = iam.NewFromConfig(s.rootConfig()).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("kms"), PolicyDocument: aws.String(allow)})
	require.NoError(t, err)
	_, err = alice.GenerateDataKey(ctx, in)
	require.NoError(t, err, "delegated to the account, so alice's IAM policy decides")

	// A key whose policy does not delegate to the account: alice's IAM policy is not enough.
	rootOnly := kmsKey(t, root, &kms.CreateKeyInput{BypassPolicyLockoutSafetyCheck: true, Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Sid":"Alice reads","Effect":"Allow","Principal":{"AWS":"` + aliceARN + `"},"Action":"kms:Decrypt","Resource":"*"}]}`)})
	_, err = alice.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: rootOnly.Arn, KeySpec: types.DataKeySpecAes256})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	require.ErrorContains(t, err, "because no resource-based policy allows the kms:GenerateDataKey action")

	// An explicit deny in the key policy beats alice's IAM allow.
	deny := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"kms:*","Resource":"*"},
	  {"Sid":"No data keys for alice","Effect":"Deny","Principal":{"AWS":"` + aliceARN + `"},"Action":"kms:GenerateDataKey*","Resource":"*"}]}`
	_, err = root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: md.KeyId, PolicyName: aws.String("default"), Policy: aws.String(deny)})
	require.NoError(t, err)
	_, err = alice.GenerateDataKey(ctx, in)
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	require.ErrorContains(t, err, "with an explicit deny in a resource-based policy")

	// The trail shows who was refused what.
	var trail struct {
		Events []struct{ CloudTrailEvent string }
	}
	s.awsJSON(t, &trail, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=ResourceName,AttributeValue="+aws.ToString(md.Arn))
	denied := 0
	for _, e := range trail.Events {
		var rec struct {
			ErrorCode    string
			UserIdentity struct{ Arn string }
		}
		require.NoError(t, json.Unmarshal([]byte(e.CloudTrailEvent), &rec))
		if rec.ErrorCode == "AccessDeniedException" {
			require.Equal(t, aliceARN, rec.UserIdentity.Arn)
			denied++
		}
	}
	require.Equal(t, 2, denied)
}
