package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/seclake/seclake/internal/blob/s3blob/s3peer"
)

// setEncryption sets the bucket's default encryption: nothing for "none", SSE-S3 for "s3", and for "kms"
// SSE-KMS with a bucket key under a new customer managed key.
func setEncryption(ctx context.Context, srv *s3peer.Server, bucket, sse string) error {
	rule := types.ServerSideEncryptionRule{}
	switch sse {
	case "none":
		return nil
	case "s3":
		rule.ApplyServerSideEncryptionByDefault = &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256}
	case "kms":
		keys := kms.New(kms.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(srv.Endpoint),
			Credentials: credentials.NewStaticCredentialsProvider(srv.AccessKeyID, srv.SecretAccessKey, ""),
		})
		key, err := keys.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("s3bench")})
		if err != nil {
			return fmt.Errorf("create KMS key: %w", err)
		}
		rule.ApplyServerSideEncryptionByDefault = &types.ServerSideEncryptionByDefault{
			SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: key.KeyMetadata.Arn,
		}
		rule.BucketKeyEnabled = aws.Bool(true)
	default:
		return fmt.Errorf("-sse %q: want none, s3 or kms", sse)
	}
	c, err := srv.Client(ctx)
	if err != nil {
		return err
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
		Bucket: &bucket, ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{rule}},
	})
	if err != nil {
		return fmt.Errorf("set bucket encryption %s: %w", sse, err)
	}
	return nil
}
