package kms

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEncryptDecrypt(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		md := e.createKey(t, "")
		root := rootOf(acct)
		ec := map[string]string{"purpose": "test", "aws:s3:arn": "arn:aws:s3:::lake"}
		enc, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("hello"), EncryptionContext: ec})
		require.NoError(t, err)
		require.Equal(t, md.ARN, enc.KeyARN)
		require.Equal(t, md.CurrentKeyMaterialID, enc.KeyMaterialID)
		require.NotContains(t, string(enc.CiphertextBlob), "hello")

		dec, err := e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
		require.NoError(t, err)
		require.Equal(t, "hello", string(dec.Plaintext))
		require.Equal(t, md.ARN, dec.KeyARN)
		require.Equal(t, md.CurrentKeyMaterialID, dec.KeyMaterialID)

		// Wrong or missing context, or a damaged blob: InvalidCiphertextException with an empty message.
		for _, bad := range []DecryptRequest{
			{CiphertextBlob: enc.CiphertextBlob},
			{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "test"}},
			{CiphertextBlob: enc.CiphertextBlob[:len(enc.CiphertextBlob)-1], EncryptionContext: ec},
			{CiphertextBlob: []byte("not a ciphertext at all"), EncryptionContext: ec},
		} {
			_, err := e.svc.Decrypt(ctx, root, bad)
			require.Equal(t, "InvalidCiphertextException", code(t, err))
			require.Empty(t, message(t, err))
		}

		// KeyId must name the key that encrypted the blob.
		other := e.createKey(t, "")
		_, err = e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyID: other.KeyID})
		require.Equal(t, "IncorrectKeyException", code(t, err))
		require.Equal(t, "The key ID in the request does not identify a CMK that can perform this operation.", message(t, err))
		_, err = e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyID: md.ARN})
		require.NoError(t, err)

		// Limits and options.
		_, err = e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: make([]byte, 4097)})
		require.Equal(t, "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096", message(t, err))
		_, err = e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256"})
		require.Equal(t, "InvalidKeyUsageException", code(t, err))
		_, err = e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x"), DryRun: true})
		require.Equal(t, "DryRunOperationException", code(t, err))
		require.Equal(t, "The request would have succeeded, but the DryRun option is set.", message(t, err))
	})
}

func TestDecryptOfUnknownKey(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	enc, err := e.svc.Encrypt(ctx, rootOf(acct), EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x")})
	require.NoError(t, err)
	// The same blob presented to another installation (another key store) refers to a key that does not exist.
	f := newTestEnv(t)
	_, err = f.svc.Decrypt(ctx, rootOf(acct), DecryptRequest{CiphertextBlob: enc.CiphertextBlob})
	require.Equal(t, "AccessDeniedException", code(t, err))
	require.Contains(t, message(t, err), "The ciphertext refers to a customer master key that does not exist")
	// A blob made in another region is refused the same way.
	other := rootOf(acct)
	other.Region = "eu-west-1"
	_, err = e.svc.Decrypt(ctx, other, DecryptRequest{CiphertextBlob: enc.CiphertextBlob})
	require.Equal(t, "AccessDeniedException", code(t, err))
}

func TestGenerateDataKey(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	root := rootOf(acct)
	for _, n := range []int{0, 16, 32, 1, 1024} {
		dk, err := e.svc.GenerateDataKey(ctx, root, DataKeyRequest{KeyID: md.ARN, NumberOfBytes: n, EncryptionContext: map[string]string{"n": "x"}})
		require.NoError(t, err)
		want := n
		if n == 0 {
			want = 32
		}
		require.Len(t, dk.Plaintext, want)
		dec, err := e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: map[string]string{"n": "x"}})
		require.NoError(t, err)
		require.Equal(t, dk.Plaintext, dec.Plaintext)
	}
	for _, n := range []int{-1, 1025} {
		_, err := e.svc.GenerateDataKey(ctx, root, DataKeyRequest{KeyID: md.ARN, NumberOfBytes: n})
		require.Equal(t, "ValidationException", code(t, err))
	}
	dk, err := e.svc.GenerateDataKeyWithoutPlaintext(ctx, root, DataKeyRequest{KeyID: md.KeyID})
	require.NoError(t, err)
	require.Nil(t, dk.Plaintext)
	dec, err := e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: dk.CiphertextBlob})
	require.NoError(t, err)
	require.Len(t, dec.Plaintext, 32)

	// Data keys differ every time.
	a, err := e.svc.GenerateDataKey(ctx, root, DataKeyRequest{KeyID: md.KeyID})
	require.NoError(t, err)
	b, err := e.svc.GenerateDataKey(ctx, root, DataKeyRequest{KeyID: md.KeyID})
	require.NoError(t, err)
	require.False(t, bytes.Equal(a.Plaintext, b.Plaintext))
}

func TestDataKeySize(t *testing.T) {
	n := func(v int) *int { return &v }
	cases := []struct {
		bytes *int
		spec  string
		want  int
		msg   string
	}{
		{nil, "AES_256", 32, ""},
		{nil, "AES_128", 16, ""},
		{n(64), "", 64, ""},
		{nil, "", 0, "Please specify either number of bytes or key spec."},
		{n(32), "AES_256", 0, "Please specify either number of bytes or key spec."},
		{n(1025), "", 0, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024"},
		{n(0), "", 0, "Member must have value greater than or equal to 1"},
		{nil, "AES_512", 0, "Member must satisfy enum value set: [AES_256, AES_128]"},
	}
	for _, c := range cases {
		got, err := DataKeySize(c.bytes, c.spec)
		if c.msg == "" {
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			continue
		}
		require.Contains(t, message(t, err), c.msg)
	}
}

func TestReEncrypt(t *testing.T) {
	e := newTestEnv(t)
	src, dst := e.createKey(t, ""), e.createKey(t, "")
	root := rootOf(acct)
	enc, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: src.KeyID, Plaintext: []byte("move me"), EncryptionContext: map[string]string{"a": "1"}})
	require.NoError(t, err)
	re, err := e.svc.ReEncrypt(ctx, root, ReEncryptRequest{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: map[string]string{"a": "1"},
		DestinationKeyID: dst.ARN, DestinationEncryptionContext: map[string]string{"b": "2"}})
	require.NoError(t, err)
	require.Equal(t, src.ARN, re.SourceKeyARN)
	require.Equal(t, dst.ARN, re.KeyARN)
	dec, err := e.svc.Decrypt(ctx, root, DecryptRequest{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"b": "2"}})
	require.NoError(t, err)
	require.Equal(t, "move me", string(dec.Plaintext))
	require.Equal(t, dst.ARN, dec.KeyARN)

	_, err = e.svc.ReEncrypt(ctx, root, ReEncryptRequest{CiphertextBlob: enc.CiphertextBlob, SourceKeyID: dst.KeyID, DestinationKeyID: dst.KeyID,
		SourceEncryptionContext: map[string]string{"a": "1"}})
	require.Equal(t, "IncorrectKeyException", code(t, err))
	_, err = e.svc.ReEncrypt(ctx, root, ReEncryptRequest{CiphertextBlob: enc.CiphertextBlob, DestinationKeyID: dst.KeyID})
	require.Equal(t, "InvalidCiphertextException", code(t, err))
}

func TestGenerateRandom(t *testing.T) {
	e := newTestEnv(t)
	b, err := e.svc.GenerateRandom(ctx, rootOf(acct), 64)
	require.NoError(t, err)
	require.Len(t, b, 64)
	_, err = e.svc.GenerateRandom(ctx, rootOf(acct), 0)
	require.Equal(t, "ValidationException", code(t, err))
	_, err = e.svc.GenerateRandom(ctx, userOf(acct, "bob"), 8)
	require.Equal(t, "AccessDeniedException", code(t, err))
}
