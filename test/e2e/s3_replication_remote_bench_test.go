package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// BenchmarkS3RemoteReplication is BenchmarkS3Replication's 1,000 small objects with the destination bucket on
// a second seclake (replication.remotes, a user of B with s3:ReplicateObject): each replica is a signed
// PutObject from A to B over HTTP.
//
//	go test ./test/e2e -run '^$' -bench S3RemoteReplication -benchtime 2x
func BenchmarkS3RemoteReplication(b *testing.B) {
	ctx := context.Background()
	dst := startRemoteServer(b)
	rootB := dst.sdkConfig(remoteKeyID, remoteSecret, "")
	createVersioned(b, benchS3Client(rootB), "bench-dst")
	ic := iam.NewFromConfig(rootB)
	_, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("peer")})
	require.NoError(b, err)
	_, err = ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("peer"), PolicyName: aws.String("replicate"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ReplicateObject","Resource":"arn:aws:s3:::bench-dst/*"}]}`)})
	require.NoError(b, err)
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("peer")})
	require.NoError(b, err)

	remote := config.Remote{Name: "b", Bucket: "bench-dst", Endpoint: dst.URL, AccessKeyIDEnv: "B_ID", SecretAccessKeyEnv: "B_SECRET"}
	src := startServer(b, withConfig(func(c *config.Config) { c.Replication.Remotes = []config.Remote{remote} }),
		withEnv(map[string]string{"B_ID": aws.ToString(key.AccessKey.AccessKeyId), "B_SECRET": aws.ToString(key.AccessKey.SecretAccessKey)}))
	c := benchS3Client(src.rootConfig())
	createVersioned(b, c, "bench-src")
	replicateToBenchDst(b, src.rootConfig(), c)
	benchSmallReplication(b, src, c)
}
