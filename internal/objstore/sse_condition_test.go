package objstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEncryptionConditionKeysComeOnlyFromTheRequest: S3 sets s3:x-amz-server-side-encryption (and the key ID
// key) from the request's headers only, never from the bucket's default encryption, so the usual "deny
// unencrypted uploads" policy (Null: true) refuses a PUT without the header even in a bucket whose default
// would encrypt it.
func TestEncryptionConditionKeysComeOnlyFromTheRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "null-bucket")
	require.NoError(t, f.s.PutBucketEncryption(ctx, f.root, "null-bucket", kmsDefault("bucket-key", true)))
	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyWithoutHeader","Effect":"Deny","Principal":"*","Action":"s3:PutObject",
		"Resource":"arn:aws:s3:::null-bucket/*","Condition":{"Null":{"s3:x-amz-server-side-encryption":"true"}}},
		{"Sid":"DenyWithoutKeyHeader","Effect":"Deny","Principal":"*","Action":"s3:PutObject",
		"Resource":"arn:aws:s3:::null-bucket/kms/*","Condition":{"Null":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"true"}}}]}`
	require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "null-bucket", deny))

	_, err := f.s.PutObject(ctx, f.root, PutInput{Bucket: "null-bucket", Key: "plain"})
	require.Equal(t, "AccessDenied", code(err), "no header: the key is null, whatever the bucket's default")
	require.ErrorContains(t, err, "explicit deny")
	o, err := f.s.PutObject(ctx, f.root, PutInput{Bucket: "null-bucket", Key: "with-header", SSE: SSERequest{Algorithm: SSEKMS}})
	require.NoError(t, err)
	require.Equal(t, SSEKMS, o.SSE.Algorithm)

	_, err = f.s.PutObject(ctx, f.root, PutInput{Bucket: "null-bucket", Key: "kms/a", SSE: SSERequest{Algorithm: SSEKMS}})
	require.Equal(t, "AccessDenied", code(err), "the key ID key is null without its header, though the default names a key")
	_, err = f.s.PutObject(ctx, f.root, PutInput{Bucket: "null-bucket", Key: "kms/b", SSE: SSERequest{Algorithm: SSEKMS, KMSKeyID: "bucket-key"}})
	require.NoError(t, err)
}
