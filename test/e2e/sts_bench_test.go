package e2e

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"
)

// BenchmarkAssumeRoleEndToEnd measures sts:AssumeRole with an external ID through the Go SDK over loopback:
// SigV4 verification, authentication, trust and identity policy evaluation, one durable write of the
// credentials and one of the audit record, per call.
func BenchmarkAssumeRoleEndToEnd(b *testing.B) {
	s := startServer(b)
	ctx := context.Background()
	root := iam.NewFromConfig(s.rootConfig())
	_, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("app")})
	require.NoError(b, err)
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("app")})
	require.NoError(b, err)
	_, err = root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Subscriber"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount +
			`:user/app"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-1234"}}}]}`)})
	require.NoError(b, err)
	client := sts.NewFromConfig(s.sdkConfig(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	in := &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + testAccount + ":role/Subscriber"),
		RoleSessionName: aws.String("bench"), ExternalId: aws.String("ext-1234")}
	call := func() {
		if _, err := client.AssumeRole(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("clients=1", func(b *testing.B) {
		cpu := processCPU()
		for range b.N {
			call()
		}
		reportRates(b, cpu)
	})
	b.Run("clients=16", func(b *testing.B) {
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		cpu := processCPU()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				call()
			}
		})
		reportRates(b, cpu)
	})
}

// processCPU returns the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportRates adds calls per wall-clock second and the CPU time per call (server and client together, as
// they share the process), which a busy machine disturbs less.
func reportRates(b *testing.B, cpuBefore time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(float64((processCPU()-cpuBefore).Microseconds())/float64(b.N), "cpu-µs/op")
}
