package e2e

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/stretchr/testify/require"
)

// benchKMS starts the seclake binary (SigV4, the edge and the audit trail as deployed), makes a key, and runs op
// from 32 goroutines of a Go SDK client in this process; it reports requests per second and the server's CPU
// time per request (see serverMeter).
func benchKMS(b *testing.B, op func(ctx context.Context, c *kms.Client, keyARN string) error) {
	p := startProcess(b, filepath.Join(b.TempDir(), "data"), "SECLAKE_LOG_LEVEL=warn")
	c := kms.NewFromConfig(benchClient(p))
	ctx := context.Background()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(b, err)
	keyARN := *out.KeyMetadata.Arn
	require.NoError(b, op(ctx, c, keyARN)) // warms the caches and fails fast
	b.SetParallelism(16)
	m := meterServer(b, p)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(ctx, c, keyARN); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	m.report(b)
}

var benchContext = map[string]string{"aws:s3:arn": "arn:aws:s3:::lake"}

// BenchmarkKMSGenerateDataKeySDK measures GenerateDataKey through the Go SDK over loopback, audited.
//
//	go test ./test/e2e -run '^$' -bench KMS -benchtime 20000x
func BenchmarkKMSGenerateDataKeySDK(b *testing.B) {
	benchKMS(b, func(ctx context.Context, c *kms.Client, keyARN string) error {
		_, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &keyARN, KeySpec: types.DataKeySpecAes256,
			EncryptionContext: benchContext})
		return err
	})
}

// BenchmarkKMSDecryptSDK measures Decrypt of a data key through the Go SDK over loopback, audited.
func BenchmarkKMSDecryptSDK(b *testing.B) {
	var blob []byte
	var once sync.Once
	benchKMS(b, func(ctx context.Context, c *kms.Client, keyARN string) error {
		var err error
		once.Do(func() {
			var dk *kms.GenerateDataKeyOutput
			if dk, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: &keyARN,
				KeySpec: types.DataKeySpecAes256, EncryptionContext: benchContext}); err == nil {
				blob = dk.CiphertextBlob
			}
		})
		if err != nil {
			return err
		}
		_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: benchContext})
		return err
	})
}
