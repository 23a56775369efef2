package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/stretchr/testify/require"
)

// kmsKey creates a key with the Go SDK as root and returns its metadata.
func kmsKey(t *testing.T, client *kms.Client, in *kms.CreateKeyInput) *types.KeyMetadata {
	t.Helper()
	if in == nil {
		in = &kms.CreateKeyInput{}
	}
	out, err := client.CreateKey(context.Background(), in)
	require.NoError(t, err)
	return out.KeyMetadata
}

func TestKMSKeysWithTheGoSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := kms.NewFromConfig(s.rootConfig())
	md := kmsKey(t, c, &kms.CreateKeyInput{Description: aws.String("lake"), Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("sec")}}})
	require.Equal(t, types.KeyStateEnabled, md.KeyState)
	require.Equal(t, types.KeySpecSymmetricDefault, md.KeySpec)
	require.Equal(t, types.KeyUsageTypeEncryptDecrypt, md.KeyUsage)
	require.Equal(t, types.KeyManagerTypeCustomer, md.KeyManager)
	require.Equal(t, types.OriginTypeAwsKms, md.Origin)
	require.Equal(t, []types.EncryptionAlgorithmSpec{types.EncryptionAlgorithmSpecSymmetricDefault}, md.EncryptionAlgorithms)
	require.Equal(t, "arn:aws:kms:us-east-1:"+testAccount+":key/"+aws.ToString(md.KeyId), aws.ToString(md.Arn))
	require.NotNil(t, md.CreationDate)
	require.Len(t, aws.ToString(md.CurrentKeyMaterialId), 64)

	keys, err := c.ListKeys(ctx, &kms.ListKeysInput{})
	require.NoError(t, err)
	require.Len(t, keys.Keys, 1)
	require.False(t, keys.Truncated)

	_, err = c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String("the lake's key")})
	require.NoError(t, err)
	_, err = c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: md.KeyId})
	require.NoError(t, err)
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
	require.Equal(t, "DisabledException", apiCode(t, err))
	require.ErrorContains(t, err, aws.ToString(md.Arn)+" is disabled.")
	_, err = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: md.KeyId})
	require.NoError(t, err)
	desc, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.Arn})
	require.NoError(t, err)
	require.Equal(t, "the lake's key", aws.ToString(desc.KeyMetadata.Description))
	require.True(t, desc.KeyMetadata.Enabled)

	// Tags.
	_, err = c.TagResource(ctx, &kms.TagResourceInput{KeyId: md.KeyId, Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("prod")}}})
	require.NoError(t, err)
	_, err = c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: md.KeyId, TagKeys: []string{"team"}})
	require.NoError(t, err)
	tags, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: md.KeyId})
	require.NoError(t, err)
	require.Equal(t, []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("prod")}}, tags.Tags)

	// Aliases.
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/lake"), TargetKeyId: md.KeyId})
	require.NoError(t, err)
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/lake"), TargetKeyId: md.KeyId})
	require.Equal(t, "AlreadyExistsException", apiCode(t, err))
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("lake"), TargetKeyId: md.KeyId})
	require.Equal(t, "ValidationException", apiCode(t, err))
	other := kmsKey(t, c, nil)
	_, err = c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/lake"), TargetKeyId: other.KeyId})
	require.NoError(t, err)
	aliases, err := c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: other.KeyId})
	require.NoError(t, err)
	require.Len(t, aliases.Aliases, 1)
	require.Equal(t, "arn:aws:kms:us-east-1:"+testAccount+":alias/lake", aws.ToString(aliases.Aliases[0].AliasArn))
	require.Equal(t, aws.ToString(other.KeyId), aws.ToString(aliases.Aliases[0].TargetKeyId))
	_, err = c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/lake")})
	require.NoError(t, err)
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/lake")})
	require.Equal(t, "NotFoundException", apiCode(t, err))
	require.ErrorContains(t, err, "Alias arn:aws:kms:us-east-1:"+testAccount+":alias/lake is not found.")

	// Errors with AWS's codes and messages.
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("fake-key-id")})
	require.Equal(t, "NotFoundException", apiCode(t, err))
	require.ErrorContains(t, err, "Invalid keyId 'fake-key-id'")
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeSignVerify})
	require.Equal(t, "UnsupportedOperationException", apiCode(t, err))
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(3)})
	require.Equal(t, "ValidationException", apiCode(t, err))
	_, err = c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: md.KeyId})
	require.Equal(t, "KMSInvalidStateException", apiCode(t, err))
}

func TestKMSCryptoWithTheGoSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := kms.NewFromConfig(s.rootConfig())
	md := kmsKey(t, c, nil)
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::lake/obj"}

	enc, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("secret"), EncryptionContext: ec})
	require.NoError(t, err)
	require.Equal(t, aws.ToString(md.Arn), aws.ToString(enc.KeyId))
	dec, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	require.NoError(t, err)
	require.Equal(t, "secret", string(dec.Plaintext))
	require.Equal(t, aws.ToString(md.CurrentKeyMaterialId), aws.ToString(dec.KeyMaterialId))
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	require.Equal(t, "InvalidCiphertextException", apiCode(t, err))

	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.Arn, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	require.NoError(t, err)
	require.Len(t, dk.Plaintext, 32)
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec, KeyId: md.KeyId})
	require.NoError(t, err)
	require.Equal(t, dk.Plaintext, dec.Plaintext)
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.Arn})
	require.Equal(t, "ValidationException", apiCode(t, err))
	require.ErrorContains(t, err, "Please specify either number of bytes or key spec.")
	np, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: md.KeyId, NumberOfBytes: aws.Int32(64)})
	require.NoError(t, err)
	dec, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: np.CiphertextBlob})
	require.NoError(t, err)
	require.Len(t, dec.Plaintext, 64)

	dst := kmsKey(t, c, nil)
	re, err := c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: dst.KeyId})
	require.NoError(t, err)
	require.Equal(t, aws.ToString(md.Arn), aws.ToString(re.SourceKeyId))
	require.Equal(t, aws.ToString(dst.Arn), aws.ToString(re.KeyId))
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, KeyId: md.KeyId})
	require.Equal(t, "IncorrectKeyException", apiCode(t, err))

	rnd, err := c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(48)})
	require.NoError(t, err)
	require.Len(t, rnd.Plaintext, 48)
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	require.Equal(t, "DryRunOperationException", apiCode(t, err))

	// Every use of the key is on the trail under its ARN, without plaintext or ciphertext.
	ct := cloudtrail.NewFromConfig(s.rootConfig())
	events, err := ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: md.Arn}}})
	require.NoError(t, err)
	names := map[string]int{}
	for _, e := range events.Events {
		names[aws.ToString(e.EventName)]++
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &rec))
		require.Equal(t, "kms.amazonaws.com", rec["eventSource"])
		require.NotContains(t, aws.ToString(e.CloudTrailEvent), "c2VjcmV0") // base64 of the plaintext
	}
	// The dry run counts; requests refused before the key was known (validation) do not name it.
	require.Equal(t, map[string]int{"CreateKey": 1, "Encrypt": 2, "Decrypt": 4, "GenerateDataKey": 1, "GenerateDataKeyWithoutPlaintext": 1, "ReEncrypt": 1}, names)
}

func TestKMSGrantsWithTheGoSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	root := kms.NewFromConfig(s.rootConfig())
	md := kmsKey(t, root, nil)
	keyID, secret := createUserWithKey(t, s, "processor")
	user := kms.NewFromConfig(s.sdkConfig(keyID, secret, ""))
	userARN := "arn:aws:iam::" + testAccount + ":user/processor"

	// Without a grant (and without IAM policies) the user is refused.
	_, err := user.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.Arn, KeySpec: types.DataKeySpecAes256})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	require.ErrorContains(t, err, "User: "+userARN+" is not authorized to perform: kms:GenerateDataKey on resource: "+aws.ToString(md.Arn))

	g, err := root.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: md.KeyId, GranteePrincipal: aws.String(userARN),
		Operations:  []types.GrantOperation{types.GrantOperationGenerateDataKey, types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "a"}}, Name: aws.String("processor")})
	require.NoError(t, err)
	ok := map[string]string{"tenant": "a", "file": "1"}
	dk, err := user.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.Arn, KeySpec: types.DataKeySpecAes256, EncryptionContext: ok, GrantTokens: []string{aws.ToString(g.GrantToken)}})
	require.NoError(t, err)
	_, err = user.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ok})
	require.NoError(t, err)
	_, err = user.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: md.Arn, KeySpec: types.DataKeySpecAes256, EncryptionContext: map[string]string{"tenant": "b"}})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	_, err = user.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ok, GrantTokens: []string{"forged"}})
	require.Equal(t, "InvalidGrantTokenException", apiCode(t, err))

	list, err := root.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId})
	require.NoError(t, err)
	require.Len(t, list.Grants, 1)
	got := list.Grants[0]
	require.Equal(t, aws.ToString(g.GrantId), aws.ToString(got.GrantId))
	require.Equal(t, userARN, aws.ToString(got.GranteePrincipal))
	require.Equal(t, "arn:aws:iam::"+testAccount+":root", aws.ToString(got.IssuingAccount))
	require.Equal(t, map[string]string{"tenant": "a"}, got.Constraints.EncryptionContextSubset)
	require.ElementsMatch(t, []types.GrantOperation{types.GrantOperationGenerateDataKey, types.GrantOperationDecrypt}, got.Operations)

	g2, err := root.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: md.KeyId, GranteePrincipal: aws.String(testAccount), RetiringPrincipal: aws.String(userARN),
		Operations: []types.GrantOperation{types.GrantOperationDescribeKey}})
	require.NoError(t, err)
	ret, err := root.ListRetirableGrants(ctx, &kms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(userARN)})
	require.NoError(t, err)
	require.Len(t, ret.Grants, 1)
	_, err = user.RetireGrant(ctx, &kms.RetireGrantInput{GrantToken: g2.GrantToken})
	require.NoError(t, err)
	_, err = root.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: md.KeyId, GrantId: g.GrantId})
	require.NoError(t, err)
	_, err = user.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ok})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))
	list, err = root.ListGrants(ctx, &kms.ListGrantsInput{KeyId: md.KeyId})
	require.NoError(t, err)
	require.Empty(t, list.Grants)
	_, err = root.RevokeGrant(ctx, &kms.RevokeGrantInput{KeyId: md.KeyId, GrantId: g.GrantId})
	require.Equal(t, "NotFoundException", apiCode(t, err))
}
