package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/seclake/seclake/internal/trail"
)

// ValidateTrailInput says which trail `seclake trail validate` checks, and how to reach seclake.
type ValidateTrailInput struct {
	// Endpoint is seclake's URL; the credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID …,
	// AWS_PROFILE with AWS_SHARED_CREDENTIALS_FILE).
	Endpoint string
	// Trail says which files to check; its Bucket and Prefix, when empty, come from DescribeTrails.
	Trail   trail.ValidateInput
	Verbose bool
}

// ValidateTrail checks a trail's log and digest files through seclake's S3 and CloudTrail APIs, with the
// caller's credentials (which need s3:ListBucket and s3:GetObject on the bucket, kms:Decrypt on the trail's
// key, and cloudtrail:DescribeTrails and cloudtrail:ListPublicKeys), and prints the report to w. It reports
// whether every file validated.
func ValidateTrail(ctx context.Context, in ValidateTrailInput, w io.Writer) (bool, error) {
	region := strings.Split(in.Trail.TrailARN, ":")
	if len(region) < 4 || region[3] == "" {
		return false, fmt.Errorf("invalid trail ARN %q: a trail ARN looks like arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail", in.Trail.TrailARN)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region[3]), awsconfig.WithBaseEndpoint(in.Endpoint))
	if err != nil {
		return false, fmt.Errorf("load AWS credentials: %w", err)
	}
	return ValidateTrailWith(ctx, cfg, in, w)
}

// ValidateTrailWith is ValidateTrail with an AWS SDK configuration of the caller's choosing.
func ValidateTrailWith(ctx context.Context, cfg aws.Config, in ValidateTrailInput, w io.Writer) (bool, error) {
	rd := &apiReader{
		s3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.UsePathStyle = true
			o.DisableLogOutputChecksumValidationSkipped = true // log files carry no checksum; SHA-256 is checked
		}),
		ct: cloudtrail.NewFromConfig(cfg),
	}
	if in.Trail.Bucket == "" {
		out, err := rd.ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{TrailNameList: []string{in.Trail.TrailARN}})
		if err != nil {
			return false, fmt.Errorf("describe trail %s: %w", in.Trail.TrailARN, err)
		}
		if len(out.TrailList) == 0 {
			return false, fmt.Errorf("trail %s not found; give --s3-bucket (and --s3-prefix) to validate the files of a deleted trail", in.Trail.TrailARN)
		}
		in.Trail.Bucket, in.Trail.Prefix = aws.ToString(out.TrailList[0].S3BucketName), aws.ToString(out.TrailList[0].S3KeyPrefix)
	}
	rep, err := trail.Validate(ctx, rd, in.Trail)
	if err != nil {
		return false, err
	}
	return rep.OK(), rep.Write(w, in.Verbose)
}

// apiReader reads a trail's files and public keys through the S3 and CloudTrail APIs.
type apiReader struct {
	s3 *s3.Client
	ct *cloudtrail.Client
}

// List lists a prefix with ListObjectsV2.
func (r *apiReader) List(ctx context.Context, bucket, prefix string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(r.s3, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out, nil
}

// Get reads an object with GetObject.
func (r *apiReader) Get(ctx context.Context, bucket, key string) ([]byte, map[string]string, error) {
	out, err := r.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	var nsk *s3types.NoSuchKey
	var api smithy.APIError
	if errors.As(err, &nsk) || errors.As(err, &api) && api.ErrorCode() == "NoSuchKey" {
		return nil, nil, fmt.Errorf("%w: s3://%s/%s", trail.ErrNoSuchKey, bucket, key)
	}
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	return body, out.Metadata, err
}

// PublicKeys calls ListPublicKeys in region.
func (r *apiReader) PublicKeys(ctx context.Context, region string) ([]trail.PublicKey, error) {
	start, end := time.Unix(0, 0), time.Now().Add(2*time.Hour) // every key that signed up to now, with room for the server's clock
	out, err := r.ct.ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{StartTime: &start, EndTime: &end},
		func(o *cloudtrail.Options) { o.Region = region })
	if err != nil {
		return nil, err
	}
	keys := make([]trail.PublicKey, 0, len(out.PublicKeyList))
	for _, k := range out.PublicKeyList {
		keys = append(keys, trail.PublicKey{Value: k.Value, Fingerprint: aws.ToString(k.Fingerprint),
			ValidityStart: aws.ToTime(k.ValidityStartTime), ValidityEnd: aws.ToTime(k.ValidityEndTime)})
	}
	return keys, nil
}
