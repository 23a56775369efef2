package kms

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
)

func TestCreateKeyDefaults(t *testing.T) {
	e := newTestEnv(t)
	md, err := e.svc.CreateKey(ctx, rootOf(acct), CreateKeyRequest{Description: "lake key", Tags: []Tag{{"team", "sec"}}})
	require.NoError(t, err)
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, md.KeyID)
	require.Equal(t, "arn:aws:kms:us-east-1:"+acct+":key/"+md.KeyID, md.ARN)
	require.Equal(t, &KeyMetadata{
		AccountID: acct, KeyID: md.KeyID, ARN: md.ARN, CreationDate: testTime, Enabled: true, Description: "lake key",
		KeyUsage: "ENCRYPT_DECRYPT", KeyState: StateEnabled, Origin: "AWS_KMS", KeyManager: "CUSTOMER",
		KeySpec: "SYMMETRIC_DEFAULT", EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"}, CurrentKeyMaterialID: md.CurrentKeyMaterialID,
	}, md)
	require.Regexp(t, `^[0-9a-f]{64}$`, md.CurrentKeyMaterialID)

	pol, err := e.svc.GetKeyPolicy(ctx, rootOf(acct), md.KeyID, "default")
	require.NoError(t, err)
	require.Equal(t, `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::111122223333:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`, pol)
	names, err := e.svc.ListKeyPolicies(ctx, rootOf(acct), md.ARN)
	require.NoError(t, err)
	require.Equal(t, []string{"default"}, names)

	got, err := e.svc.DescribeKey(ctx, rootOf(acct), md.ARN)
	require.NoError(t, err)
	require.Equal(t, md, got)
}

func TestCreateKeyRefusesWhatItCannotMake(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct {
		in         CreateKeyRequest
		code, text string
	}{
		{CreateKeyRequest{KeySpec: "RSA_2048"}, "UnsupportedOperationException", "KeySpec RSA_2048 is not supported"},
		{CreateKeyRequest{KeySpec: "HMAC_256"}, "UnsupportedOperationException", "KeySpec HMAC_256 is not supported"},
		{CreateKeyRequest{CustomerMasterKeySpec: "ECC_NIST_P256"}, "UnsupportedOperationException", "ECC_NIST_P256"},
		{CreateKeyRequest{KeySpec: "RSA_9"}, "ValidationException", "Value 'RSA_9' at 'keySpec' failed to satisfy constraint"},
		{CreateKeyRequest{KeySpec: "SYMMETRIC_DEFAULT", CustomerMasterKeySpec: "SYMMETRIC_DEFAULT"}, "ValidationException", "cannot specify KeySpec and CustomerMasterKeySpec"},
		{CreateKeyRequest{KeyUsage: "SIGN_VERIFY"}, "ValidationException", "not compatible with KeySpec SYMMETRIC_DEFAULT"},
		{CreateKeyRequest{Origin: "EXTERNAL"}, "UnsupportedOperationException", "Origin EXTERNAL"},
		{CreateKeyRequest{MultiRegion: true}, "UnsupportedOperationException", "Multi-Region"},
		{CreateKeyRequest{Tags: []Tag{{"aws:x", "y"}}}, "TagException", "reserved"},
		{CreateKeyRequest{Tags: []Tag{{"", "y"}}}, "ValidationException", "tagKey"},
	}
	for _, c := range cases {
		_, err := e.svc.CreateKey(ctx, rootOf(acct), c.in)
		require.Equal(t, c.code, code(t, err), "%+v", c.in)
		require.Contains(t, message(t, err), c.text)
	}
	// IAM decides CreateKey: a user without an identity policy is refused.
	_, err := e.svc.CreateKey(ctx, userOf(acct, "alice"), CreateKeyRequest{})
	require.Equal(t, "AccessDeniedException", code(t, err))
	require.Contains(t, message(t, err), "User: arn:aws:iam::"+acct+":user/alice is not authorized to perform: kms:CreateKey on resource: *")
}

func TestKeyIdentifiers(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	require.NoError(t, e.svc.CreateAlias(ctx, rootOf(acct), "alias/lake", md.KeyID))
	for _, id := range []string{md.KeyID, md.ARN, "alias/lake", "arn:aws:kms:us-east-1:" + acct + ":alias/lake"} {
		got, err := e.svc.DescribeKey(ctx, rootOf(acct), id)
		require.NoError(t, err, id)
		require.Equal(t, md.ARN, got.ARN)
	}
	missing := "1234abcd-12ab-34cd-56ef-1234567890ab"
	cases := map[string]string{
		"fake-key-id": "Invalid keyId 'fake-key-id'",
		missing:       "Key 'arn:aws:kms:us-east-1:" + acct + ":key/" + missing + "' does not exist",
		"alias/nope":  "Alias arn:aws:kms:us-east-1:" + acct + ":alias/nope is not found.",
		"arn:aws:kms:eu-west-1:" + acct + ":key/" + md.KeyID: "Invalid arn eu-west-1",
		"arn:aws:kms:us-east-1:" + acct + ":thing/x":         "Invalid keyId",
	}
	for id, msg := range cases {
		_, err := e.svc.DescribeKey(ctx, rootOf(acct), id)
		require.Equal(t, "NotFoundException", code(t, err), id)
		require.Contains(t, message(t, err), msg)
	}
	// Key-management operations take keys, not aliases.
	err := e.svc.EnableKey(ctx, rootOf(acct), "alias/lake")
	require.Equal(t, "NotFoundException", code(t, err))
}

func TestEnableDisableAndStates(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	root := rootOf(acct)
	require.NoError(t, e.svc.DisableKey(ctx, root, md.KeyID))
	got, err := e.svc.DescribeKey(ctx, root, md.KeyID)
	require.NoError(t, err)
	require.Equal(t, StateDisabled, got.KeyState)
	require.False(t, got.Enabled)

	_, err = e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x")})
	require.Equal(t, "DisabledException", code(t, err))
	require.Equal(t, md.ARN+" is disabled.", message(t, err))

	require.NoError(t, e.svc.UpdateKeyDescription(ctx, root, md.KeyID, "still mine"))
	require.NoError(t, e.svc.EnableKey(ctx, root, md.KeyID))
	got, err = e.svc.DescribeKey(ctx, root, md.KeyID)
	require.NoError(t, err)
	require.Equal(t, StateEnabled, got.KeyState)
	require.Equal(t, "still mine", got.Description)
}

func TestListKeysPages(t *testing.T) {
	e := newTestEnv(t)
	want := map[string]bool{}
	for range 5 {
		want[e.createKey(t, "").ARN] = true
	}
	_, err := e.svc.CreateKey(ctx, rootOf(other), CreateKeyRequest{})
	require.NoError(t, err)
	got := map[string]bool{}
	marker := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 3)
		p, err := e.svc.ListKeys(ctx, rootOf(acct), 2, marker)
		require.NoError(t, err)
		for _, k := range p.Items {
			got[k.KeyARN] = true
		}
		if !p.Truncated() {
			break
		}
		marker = p.Next
	}
	require.Equal(t, want, got)
	_, err = e.svc.ListKeys(ctx, rootOf(acct), 0, "!!not base64!!")
	require.Equal(t, "InvalidMarkerException", code(t, err))
	_, err = e.svc.ListKeys(ctx, rootOf(acct), 1001, "")
	require.Equal(t, "ValidationException", code(t, err))
}

func TestTags(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	root := rootOf(acct)
	require.NoError(t, e.svc.TagResource(ctx, root, md.KeyID, []Tag{{"b", "2"}, {"a", "1"}}))
	require.NoError(t, e.svc.TagResource(ctx, root, md.KeyID, []Tag{{"a", "one"}}))
	p, err := e.svc.ListResourceTags(ctx, root, md.KeyID, 0, "")
	require.NoError(t, err)
	require.Equal(t, []Tag{{"a", "one"}, {"b", "2"}}, p.Items)
	require.NoError(t, e.svc.UntagResource(ctx, root, md.KeyID, []string{"a"}))
	p, err = e.svc.ListResourceTags(ctx, root, md.KeyID, 0, "")
	require.NoError(t, err)
	require.Equal(t, []Tag{{"b", "2"}}, p.Items)

	var many []Tag
	for i := range 50 {
		many = append(many, Tag{fmt.Sprintf("k%02d", i), "v"})
	}
	err = e.svc.TagResource(ctx, root, md.KeyID, many)
	require.Equal(t, "LimitExceededException", code(t, err))
}

func TestKeyMaterialIsSealedAtRest(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	_, err := e.svc.RotateKeyOnDemand(ctx, rootOf(acct), md.KeyID)
	require.NoError(t, err)
	ent, err := e.svc.entry(ctx, keyStoreKey(acct, region, md.KeyID))
	require.NoError(t, err)
	require.Len(t, ent.materials, 2)
	var stored []byte
	require.NoError(t, e.store.View(ctx, func(tx meta.Tx) error {
		var err error
		stored, err = tx.Get(tableKeys, keyStoreKey(acct, region, md.KeyID))
		return err
	}))
	for _, m := range ent.materials {
		require.Len(t, m.raw, 32)
		for _, enc := range []string{string(m.raw), base64.StdEncoding.EncodeToString(m.raw), hex.EncodeToString(m.raw)} {
			require.NotContains(t, string(stored), enc)
		}
	}
	// A store opened with another root key cannot use the keys.
	other, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	e.svc.cfg.Seal = other
	e.svc.invalidate(keyStoreKey(acct, region, md.KeyID))
	_, err = e.svc.Encrypt(ctx, rootOf(acct), EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x")})
	require.ErrorIs(t, err, seal.ErrOpen)
}
