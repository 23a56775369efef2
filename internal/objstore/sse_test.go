package objstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

func TestBucketKeyCutsKMSCalls(t *testing.T) {
	for _, bucketKey := range []bool{false, true} {
		t.Run(fmt.Sprintf("bucketKey=%v", bucketKey), func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			f.bucket(t, "bkt")
			require.NoError(t, f.s.PutBucketEncryption(ctx, f.root, "bkt", kmsDefault("key-1", bucketKey)))
			for i := 0; i < 10; i++ {
				f.put(t, "bkt", fmt.Sprintf("k%d", i), "body")
			}
			for i := 0; i < 10; i++ {
				got, err := f.read(t, f.root, "bkt", fmt.Sprintf("k%d", i))
				require.NoError(t, err)
				require.Equal(t, "body", got)
			}
			gen, dec := f.keys.counts()
			if !bucketKey {
				require.Equal(t, 10, gen)
				require.Equal(t, 10, dec)
				require.Equal(t, map[string]string{"aws:s3:arn": "arn:aws:s3:::bkt/k3"}, f.keys.gen[3].ctx)
				return
			}
			require.Equal(t, 1, gen, "one bucket key serves every write of the principal")
			require.Equal(t, 0, dec, "the bucket key KMS gave is reused to read")
			require.Equal(t, map[string]string{"aws:s3:arn": "arn:aws:s3:::bkt"}, f.keys.gen[0].ctx, "the context is the bucket ARN")
			require.Equal(t, "s3.amazonaws.com", f.keys.gen[0].caller.InvokedBy)
			require.Equal(t, f.root.ARN, f.keys.gen[0].caller.ARN, "KMS is called as the requester")

			// After the bucket key's lifetime, KMS is asked again.
			f.clock.Advance(6 * time.Minute)
			f.put(t, "bkt", "later", "body")
			gen, _ = f.keys.counts()
			require.Equal(t, 2, gen)

			// Another principal never uses the first one's key: KMS decides for it.
			other := &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: account, ARN: "arn:aws:iam::" + account + ":user/bob", ID: "AIDABOB"}}
			require.NoError(t, f.s.PutBucketPolicy(ctx, f.root, "bkt", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`))
			_, err := f.read(t, other, "bkt", "k1")
			require.NoError(t, err)
			_, dec = f.keys.counts()
			require.Equal(t, 1, dec)
			f.keys.deny = "kms:Decrypt"
			_, err = f.read(t, other, "bkt", "later")
			require.Equal(t, "AccessDenied", code(err))
			require.ErrorContains(t, err, "kms:Decrypt")
		})
	}
}

func TestSSEResolution(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "bkt")
	b, err := f.s.bucket(ctx, "bkt")
	require.NoError(t, err)
	tru := true
	cases := []struct {
		name      string
		bucket    *Encryption
		req       SSERequest
		alg, key  string
		bucketKey bool
		err       string
	}{
		{name: "default is SSE-S3", alg: SSEAES256},
		{name: "bucket default KMS", bucket: kmsDefault("k", true), alg: SSEKMS, key: "k", bucketKey: true},
		{name: "request AES256 over a KMS default", bucket: kmsDefault("k", true), req: SSERequest{Algorithm: SSEAES256}, alg: SSEAES256},
		{name: "request KMS without key uses the bucket's key", bucket: kmsDefault("k", false), req: SSERequest{Algorithm: SSEKMS}, alg: SSEKMS, key: "k"},
		{name: "request KMS on an SSE-S3 bucket uses aws/s3", req: SSERequest{Algorithm: SSEKMS}, alg: SSEKMS, key: defaultKMSKey},
		{name: "request key and bucket key", req: SSERequest{Algorithm: SSEKMS, KMSKeyID: "x", BucketKey: &tru}, alg: SSEKMS, key: "x", bucketKey: true},
		{name: "key without algorithm", req: SSERequest{KMSKeyID: "x"}, err: "InvalidArgument"},
		{name: "key with AES256", req: SSERequest{Algorithm: SSEAES256, KMSKeyID: "x"}, err: "InvalidArgument"},
		{name: "unknown algorithm", req: SSERequest{Algorithm: "rot13"}, err: "InvalidArgument"},
		{name: "bad context", req: SSERequest{Algorithm: SSEKMS, Context: "not base64 json"}, err: "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b.Encryption = tc.bucket
			st, err := f.s.resolveSSE(b, tc.req)
			if tc.err != "" {
				require.Equal(t, tc.err, code(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.alg, st.algorithm)
			require.Equal(t, tc.key, st.keyID)
			require.Equal(t, tc.bucketKey, st.bucketKey)
		})
	}
}

func TestKMSFailuresAsS3Reports(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "bkt")
	require.NoError(t, f.s.PutBucketEncryption(ctx, f.root, "bkt", kmsDefault("k", false)))
	f.keys.deny = "kms:GenerateDataKey"
	_, err := f.s.PutObject(ctx, f.root, PutInput{Bucket: "bkt", Key: "k", Body: nil, Size: 0})
	require.Equal(t, "AccessDenied", code(err))
	var ae *actor.Denial
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "kms:GenerateDataKey", ae.Action)
	require.Equal(t, "k", ae.Resource)
}
