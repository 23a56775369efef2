package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"

	"github.com/seclake/seclake/internal/clock"
)

// awsExit runs the aws CLI as root with extra environment variables and returns its output and exit code.
func awsExit(t *testing.T, extraEnv []string, args ...string) (string, int) {
	t.Helper()
	requireTool(t, "aws")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", args...)
	cmd.Env = append(cliEnv(testKeyID, testSecret, ""), extraEnv...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String(), ee.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), 0
}

func TestTrailValidateCatchesChangedDeletedAndAddedFiles(t *testing.T) {
	// Log files every minute and digest files every two, on a clock 3 minutes behind: five deliveries keep it
	// within the SigV4 skew the CLI and the seclake binary, which sign with the real time, are allowed.
	const interval = time.Minute
	fake := clock.NewFake(time.Now().Add(-3 * time.Minute))
	s := startServer(t, withClock(fake), withConfig(func(c *config.Config) {
		c.TrailInterval, c.TrailDigestInterval = config.Duration(time.Minute), config.Duration(2*time.Minute)
	}))
	ctx := context.Background()
	cfg := s.rootConfig()
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ct := cloudtrail.NewFromConfig(cfg)
	keys := kms.NewFromConfig(cfg)

	key, err := keys.CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(t, err)
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	_, err = keys.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: key.KeyMetadata.KeyId, PolicyName: aws.String("default"),
		Policy: aws.String(trailKeyPolicy(keyARN, "validated-trail", ""))})
	require.NoError(t, err)
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(trailBucket)})
	require.NoError(t, err)
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(trailBucket), Policy: aws.String(trailBucketPolicy("validated-trail"))})
	require.NoError(t, err)
	tr, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("validated-trail"), S3BucketName: aws.String(trailBucket),
		KmsKeyId: aws.String(keyARN), EnableLogFileValidation: aws.Bool(true)})
	require.NoError(t, err)
	require.True(t, aws.ToBool(tr.LogFileValidationEnabled))
	arn := aws.ToString(tr.TrailARN)
	start := fake.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	_, err = ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("validated-trail")})
	require.NoError(t, err)

	var logs []string
	for range 5 {
		_, err := keys.ListAliases(ctx, &kms.ListAliasesInput{})
		require.NoError(t, err)
		logs = nextDelivery(t, fake, interval, c, len(logs))
	}
	require.Len(t, logs, 5)
	digestPrefix := "AWSLogs/" + testAccount + "/CloudTrail-Digest/"
	require.Eventually(t, func() bool {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(trailBucket), Prefix: aws.String(digestPrefix)})
		require.NoError(t, err)
		return len(out.Contents) == 2
	}, 20*time.Second, 10*time.Millisecond, "two digest files")

	env := []string{"AWS_ACCESS_KEY_ID=" + testKeyID, "AWS_SECRET_ACCESS_KEY=" + testSecret, "AWS_REGION=" + testRegion,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true", "HOME=" + t.TempDir()}
	validate := func() (string, int) {
		return runSeclakeEnv(t, env, "trail", "validate", "--endpoint-url", s.URL, "--trail-arn", arn)
	}
	// aws cloudtrail validate-logs reads S3 through its own client: AWS_ENDPOINT_URL points both at seclake.
	validateLogs := func() (string, int) {
		return awsExit(t, []string{"AWS_ENDPOINT_URL=" + s.URL}, "cloudtrail", "validate-logs", "--trail-arn", arn, "--start-time", start, "--verbose")
	}

	out, code := validate()
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "2/2 digest files valid\n4/4 log files valid")
	require.Contains(t, out, "1 log files were delivered after the newest digest file")
	out, code = validateLogs()
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "2/2 digest files valid")
	require.Contains(t, out, "4/4 log files valid", "the aws CLI validates seclake's digests and log files")

	// Change one log file, delete another, add one the digests do not list.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(trailBucket), Key: aws.String(logs[1]), Body: bytes.NewReader(gzipped(t, `{"Records":[]}`))})
	require.NoError(t, err)
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(trailBucket), Key: aws.String(logs[2])})
	require.NoError(t, err)
	added := regexp.MustCompile(`_[A-Za-z0-9]{16}\.json\.gz$`).ReplaceAllString(logs[0], "_AAAAAAAAAAAAAAAA.json.gz")
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(trailBucket), Key: aws.String(added), Body: bytes.NewReader(gzipped(t, `{"Records":[{"eventName":"Forged"}]}`))})
	require.NoError(t, err)

	out, code = validate()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "Log file\ts3://"+trailBucket+"/"+logs[1]+"\tINVALID: hash value doesn't match")
	require.Contains(t, out, "Log file\ts3://"+trailBucket+"/"+logs[2]+"\tINVALID: not found")
	require.Contains(t, out, "Log file\ts3://"+trailBucket+"/"+added+"\tINVALID: not listed in any digest file (added)")
	require.Contains(t, out, "2/4 log files valid, 2/4 log files INVALID\n1 log files ADDED")
	out, code = validateLogs()
	require.NotEqual(t, 0, code, out)
	require.Contains(t, out, logs[1]+"\tINVALID: hash value doesn't match")
	require.Contains(t, out, logs[2]+"\tINVALID: not found")

	// A deleted digest file breaks the chain: the digest after it names it.
	digests, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(trailBucket), Prefix: aws.String(digestPrefix)})
	require.NoError(t, err)
	first := aws.ToString(digests.Contents[0].Key)
	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(trailBucket), Key: aws.String(first)})
	require.NoError(t, err)
	out, code = validate()
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "Digest file\ts3://"+trailBucket+"/"+first+"\tINVALID: not found")
	require.True(t, strings.Contains(out, "1/2 digest files valid, 1/2 digest files INVALID"), out)
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}
