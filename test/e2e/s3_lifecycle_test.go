package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
)

// TestS3LifecycleRunsInTheBackground sets a lifecycle rule through the API, moves the server's clock past it,
// and sees the server's own background job expire and transition objects.
func TestS3LifecycleRunsInTheBackground(t *testing.T) {
	fake := clock.NewFake(time.Now())
	s := startServer(t, withClock(fake))
	ctx := context.Background()
	c := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) {
		o.UsePathStyle = true
		o.HTTPSignerV4 = serverTimeSigner{fake, v4.NewSigner()}
	})
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("lc-bucket")})
	require.NoError(t, err)
	for _, k := range []string{"raw/old.log", "raw/other.log", "curated/table.parquet"} {
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lc-bucket"), Key: aws.String(k), Body: strings.NewReader("x")})
		require.NoError(t, err)
	}
	_, err = c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("lc-bucket"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{
			{ID: aws.String("expire-raw"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("raw/")},
				Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(2)}},
			{ID: aws.String("archive-curated"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("curated/")},
				Transitions: []s3types.Transition{{Days: aws.Int32(1), StorageClass: s3types.TransitionStorageClassGlacier}}},
		}}})
	require.NoError(t, err)

	keys := func() []string {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("lc-bucket")})
		require.NoError(t, err)
		var ks []string
		for _, o := range out.Contents {
			ks = append(ks, aws.ToString(o.Key)+"="+string(o.StorageClass))
		}
		return ks
	}
	require.Equal(t, []string{"curated/table.parquet=STANDARD", "raw/old.log=STANDARD", "raw/other.log=STANDARD"}, keys())

	fake.Advance(4 * 24 * time.Hour) // the hourly job's ticker fires; the rules are due
	require.Eventually(t, func() bool {
		got := keys()
		return len(got) == 1 && got[0] == "curated/table.parquet=GLACIER"
	}, 20*time.Second, 10*time.Millisecond, "the background job did not apply the rules: %v", keys())
}
