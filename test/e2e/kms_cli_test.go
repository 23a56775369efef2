package e2e

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/kms"
)

// awsJSON runs the aws CLI as root and decodes its JSON output into v.
func (s *server) awsJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, err := s.aws(t, args...)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), v), out)
}

// kmsPolicyFile returns one of the guides' key policies (internal/kms/testdata/policies) with its placeholders
// filled in.
func kmsPolicyFile(t *testing.T, name, keyARN string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "kms", "testdata", "policies", name))
	require.NoError(t, err)
	return strings.NewReplacer("{{ACCOUNT}}", testAccount, "{{REGION}}", testRegion, "{{KEY_ARN}}", keyARN,
		"{{BUCKET}}", "aws-security-data-lake-us-east-1-abcdefghijklmno", "{{TRAIL}}", "management-events",
		"{{READER}}", "log-reader").Replace(string(b))
}

func TestKMSWithTheCLI(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}

	var created struct {
		KeyMetadata struct{ KeyId, Arn, KeyState, Description string }
	}
	s.awsJSON(t, &created, "kms", "create-key", "--description", "Security Lake S3 key", "--tags", "TagKey=purpose,TagValue=lake")
	key := created.KeyMetadata
	require.Equal(t, "Enabled", key.KeyState)
	require.Equal(t, "Security Lake S3 key", key.Description)

	// The default key policy, exactly as AWS writes it.
	out, err := s.aws(t, "kms", "get-key-policy", "--key-id", key.KeyId, "--policy-name", "default", "--output", "text", "--query", "Policy")
	require.NoError(t, err)
	require.Equal(t, kms.DefaultKeyPolicy(testAccount), strings.TrimSpace(out))

	// An alias, and encryption by the alias ARN with an encryption context.
	_, err = s.aws(t, "kms", "create-alias", "--alias-name", "alias/SecurityLake-S3-Key", "--target-key-id", key.KeyId)
	require.NoError(t, err)
	var enc struct{ CiphertextBlob, KeyId string }
	s.awsJSON(t, &enc, "kms", "encrypt", "--key-id", "arn:aws:kms:us-east-1:"+testAccount+":alias/SecurityLake-S3-Key",
		"--plaintext", "fileb://"+file("plain", "log line"), "--encryption-context", "aws:s3:arn=arn:aws:s3:::lake")
	require.Equal(t, key.Arn, enc.KeyId)
	blob, err := base64.StdEncoding.DecodeString(enc.CiphertextBlob)
	require.NoError(t, err)
	blobFile := file("blob", string(blob))
	var dec struct{ Plaintext, KeyId string }
	s.awsJSON(t, &dec, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "aws:s3:arn=arn:aws:s3:::lake")
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte("log line")), dec.Plaintext)
	_, err = s.aws(t, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile)
	require.ErrorContains(t, err, "InvalidCiphertextException")

	var dk struct{ Plaintext, CiphertextBlob, KeyId string }
	s.awsJSON(t, &dk, "kms", "generate-data-key", "--key-id", "alias/SecurityLake-S3-Key", "--key-spec", "AES_256")
	raw, err := base64.StdEncoding.DecodeString(dk.Plaintext)
	require.NoError(t, err)
	require.Len(t, raw, 32)

	// Rotation every six months, and once on demand.
	_, err = s.aws(t, "kms", "enable-key-rotation", "--key-id", key.KeyId, "--rotation-period-in-days", "180")
	require.NoError(t, err)
	var status struct {
		KeyRotationEnabled   bool
		RotationPeriodInDays int
		NextRotationDate     float64
	}
	s.awsJSON(t, &status, "kms", "get-key-rotation-status", "--key-id", key.KeyId)
	require.True(t, status.KeyRotationEnabled)
	require.Equal(t, 180, status.RotationPeriodInDays)
	require.NotZero(t, status.NextRotationDate)
	var rotated struct{ KeyId string }
	s.awsJSON(t, &rotated, "kms", "rotate-key-on-demand", "--key-id", key.KeyId)
	require.Equal(t, key.Arn, rotated.KeyId)
	var rotations struct {
		Rotations []struct{ KeyMaterialId, KeyMaterialState, RotationType string }
	}
	s.awsJSON(t, &rotations, "kms", "list-key-rotations", "--key-id", key.KeyId)
	require.Len(t, rotations.Rotations, 1)
	require.Equal(t, "ON_DEMAND", rotations.Rotations[0].RotationType)
	require.Equal(t, "CURRENT", rotations.Rotations[0].KeyMaterialState)
	s.awsJSON(t, &dec, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "aws:s3:arn=arn:aws:s3:::lake")
	require.Equal(t, base64.StdEncoding.EncodeToString([]byte("log line")), dec.Plaintext, "old ciphertext still decrypts")

	// The Security Lake guide's policy as written is refused, pointing at the "AWS:" principal key.
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key.KeyId, "--policy-name", "default",
		"--policy", "file://"+file("policy.json", kmsPolicyFile(t, "securitylake-s3-as-written.json", key.Arn)))
	require.ErrorContains(t, err, "MalformedPolicyDocumentException")
	require.ErrorContains(t, err, "Policy contains a statement with one or more invalid principals.")
	require.ErrorContains(t, err, `"AWS:" is not a principal type`)
	require.ErrorContains(t, err, `did you mean "AWS"?`)

	// Deletion: refused use while pending, cancellable.
	var sched struct {
		KeyId, KeyState     string
		PendingWindowInDays int
	}
	s.awsJSON(t, &sched, "kms", "schedule-key-deletion", "--key-id", key.KeyId, "--pending-window-in-days", "7")
	require.Equal(t, "PendingDeletion", sched.KeyState)
	require.Equal(t, 7, sched.PendingWindowInDays)
	_, err = s.aws(t, "kms", "generate-data-key", "--key-id", key.KeyId, "--key-spec", "AES_256")
	require.ErrorContains(t, err, "KMSInvalidStateException")
	require.ErrorContains(t, err, key.Arn+" is pending deletion.")
	_, err = s.aws(t, "kms", "cancel-key-deletion", "--key-id", key.KeyId)
	require.NoError(t, err)
	var desc struct{ KeyMetadata struct{ KeyState string } }
	s.awsJSON(t, &desc, "kms", "describe-key", "--key-id", "alias/SecurityLake-S3-Key")
	require.Equal(t, "Disabled", desc.KeyMetadata.KeyState)

	_, err = s.aws(t, "kms", "describe-key", "--key-id", "fake-key-id")
	require.ErrorContains(t, err, "NotFoundException")
	require.ErrorContains(t, err, "Invalid keyId 'fake-key-id'")

	// Who used the key, when, for what.
	var trail struct {
		Events []struct {
			EventName, Username, CloudTrailEvent string
			Resources                            []struct{ ResourceType, ResourceName string }
		}
	}
	s.awsJSON(t, &trail, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=ResourceName,AttributeValue="+key.Arn)
	names := map[string]bool{}
	for _, e := range trail.Events {
		names[e.EventName] = true
		require.Equal(t, "root", e.Username)
		require.Contains(t, e.Resources, struct{ ResourceType, ResourceName string }{"AWS::KMS::Key", key.Arn})
	}
	for _, n := range []string{"CreateKey", "Encrypt", "Decrypt", "GenerateDataKey", "EnableKeyRotation", "RotateKeyOnDemand",
		"PutKeyPolicy", "ScheduleKeyDeletion", "CancelKeyDeletion"} {
		require.True(t, names[n], "%s missing from %v", n, names)
	}
}

// TestKMSManagementWithTheCLI drives the operations TestKMSWithTheCLI does not, as a person would type them.
func TestKMSManagementWithTheCLI(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	var created struct{ KeyMetadata struct{ KeyId, Arn string } }
	s.awsJSON(t, &created, "kms", "create-key")
	key := created.KeyMetadata
	run := func(args ...string) string {
		t.Helper()
		out, err := s.aws(t, append([]string{"kms"}, args...)...)
		require.NoError(t, err)
		return out
	}
	var keys struct {
		Keys []struct{ KeyId, KeyArn string }
	}
	s.awsJSON(t, &keys, "kms", "list-keys")
	require.Equal(t, key.Arn, keys.Keys[0].KeyArn)
	run("update-key-description", "--key-id", key.KeyId, "--description", "subscriber queue key")
	run("disable-key", "--key-id", key.KeyId)
	_, err := s.aws(t, "kms", "generate-random", "--number-of-bytes", "2000")
	require.ErrorContains(t, err, "ValidationException")
	run("enable-key", "--key-id", key.KeyId)
	require.Contains(t, run("list-key-policies", "--key-id", key.KeyId), `"default"`)

	run("create-alias", "--alias-name", "alias/queue", "--target-key-id", key.KeyId)
	var other struct{ KeyMetadata struct{ KeyId string } }
	s.awsJSON(t, &other, "kms", "create-key")
	run("update-alias", "--alias-name", "alias/queue", "--target-key-id", other.KeyMetadata.KeyId)
	require.Contains(t, run("list-aliases", "--key-id", other.KeyMetadata.KeyId), `"alias/queue"`)
	run("delete-alias", "--alias-name", "alias/queue")
	require.NotContains(t, run("list-aliases"), `"alias/queue"`)

	var dk struct{ CiphertextBlob string }
	s.awsJSON(t, &dk, "kms", "generate-data-key-without-plaintext", "--key-id", key.KeyId, "--number-of-bytes", "64")
	blob, err := base64.StdEncoding.DecodeString(dk.CiphertextBlob)
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "blob")
	require.NoError(t, os.WriteFile(p, blob, 0o600))
	var re struct{ SourceKeyId, KeyId string }
	s.awsJSON(t, &re, "kms", "re-encrypt", "--ciphertext-blob", "fileb://"+p, "--destination-key-id", other.KeyMetadata.KeyId)
	require.Equal(t, key.Arn, re.SourceKeyId)
	var rnd struct{ Plaintext string }
	s.awsJSON(t, &rnd, "kms", "generate-random", "--number-of-bytes", "16")
	require.Len(t, rnd.Plaintext, 24)

	var g struct{ GrantId, GrantToken string }
	s.awsJSON(t, &g, "kms", "create-grant", "--key-id", key.KeyId, "--grantee-principal", testAccount,
		"--retiring-principal", testAccount, "--operations", "Decrypt", "Encrypt", "--constraints", "EncryptionContextSubset={tenant=a}")
	require.Contains(t, run("list-grants", "--key-id", key.KeyId), g.GrantId)
	require.Contains(t, run("list-retirable-grants", "--retiring-principal", testAccount), g.GrantId)
	run("retire-grant", "--grant-token", g.GrantToken)
	s.awsJSON(t, &g, "kms", "create-grant", "--key-id", key.KeyId, "--grantee-principal", testAccount, "--operations", "Decrypt")
	run("revoke-grant", "--key-id", key.KeyId, "--grant-id", g.GrantId)
	require.NotContains(t, run("list-grants", "--key-id", key.KeyId), g.GrantId)

	run("enable-key-rotation", "--key-id", key.KeyId)
	run("disable-key-rotation", "--key-id", key.KeyId)
	require.Contains(t, run("get-key-rotation-status", "--key-id", key.KeyId), `"KeyRotationEnabled": false`)

	run("tag-resource", "--key-id", key.KeyId, "--tags", "TagKey=team,TagValue=sec", "TagKey=env,TagValue=prod")
	run("untag-resource", "--key-id", key.KeyId, "--tag-keys", "env")
	var tags struct {
		Tags []struct{ TagKey, TagValue string }
	}
	s.awsJSON(t, &tags, "kms", "list-resource-tags", "--key-id", key.KeyId)
	require.Equal(t, []struct{ TagKey, TagValue string }{{"team", "sec"}}, tags.Tags)
}
