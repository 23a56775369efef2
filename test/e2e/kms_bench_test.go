package e2e

import (
	"context"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// kmsBenchClient is a Go SDK client for the server with enough kept-alive connections for b.RunParallel.
func kmsBenchClient(s *server) *kms.Client {
	cfg := s.rootConfig()
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	return kms.NewFromConfig(cfg)
}

// benchKMS runs op from 32 goroutines against a server in this process (SigV4, the edge, the audit trail and
// the client all share the machine) and reports requests per second, and the process's CPU time per request,
// which includes the client's.
func benchKMS(b *testing.B, op func(ctx context.Context) error) {
	b.SetParallelism(16)
	ctx := context.Background()
	b.ResetTimer()
	cpu0 := benchCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := op(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpu := benchCPU() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/req")
}

func benchCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkKMSGenerateDataKeySDK measures GenerateDataKey through the Go SDK over loopback, audited.
func BenchmarkKMSGenerateDataKeySDK(b *testing.B) {
	s := startServer(b, withConfig(func(c *config.Config) { c.LogLevel = "warn" }))
	c := kmsBenchClient(s)
	out, err := c.CreateKey(context.Background(), &kms.CreateKeyInput{})
	require.NoError(b, err)
	in := &kms.GenerateDataKeyInput{KeyId: out.KeyMetadata.Arn, KeySpec: types.DataKeySpecAes256,
		EncryptionContext: map[string]string{"aws:s3:arn": "arn:aws:s3:::lake"}}
	benchKMS(b, func(ctx context.Context) error {
		_, err := c.GenerateDataKey(ctx, in)
		return err
	})
}

// BenchmarkKMSDecryptSDK measures Decrypt of a data key through the Go SDK over loopback, audited.
func BenchmarkKMSDecryptSDK(b *testing.B) {
	s := startServer(b, withConfig(func(c *config.Config) { c.LogLevel = "warn" }))
	c := kmsBenchClient(s)
	ctx := context.Background()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(b, err)
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::lake"}
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: out.KeyMetadata.Arn, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	require.NoError(b, err)
	in := &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec}
	benchKMS(b, func(ctx context.Context) error {
		_, err := c.Decrypt(ctx, in)
		return err
	})
}
