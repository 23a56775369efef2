package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"

	"github.com/seclake/seclake/internal/clock"
)

// TestTrailAPIWithTheGoSDK drives the trail operations through the AWS SDK for Go (their shapes decode), and
// a trail that selects only S3 writes in one bucket prefix.
func TestTrailAPIWithTheGoSDK(t *testing.T) {
	const interval = time.Minute
	fake := clock.NewFake(time.Now().Add(-time.Minute))
	s := startServer(t, withClock(fake), withConfig(func(c *config.Config) { c.TrailInterval = config.Duration(time.Minute) }))
	ctx := context.Background()
	c := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	ct := cloudtrail.NewFromConfig(s.rootConfig())
	for _, b := range []string{trailBucket, "lake"} {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	_, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(trailBucket), Policy: aws.String(trailBucketPolicy("data-trail"))})
	require.NoError(t, err)

	created, err := ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("data-trail"), S3BucketName: aws.String(trailBucket)})
	require.NoError(t, err)
	arn := aws.ToString(created.TrailARN)
	require.True(t, aws.ToBool(created.IncludeGlobalServiceEvents), "global service events are included by default")
	_, err = ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("data-trail"), S3BucketName: aws.String(trailBucket)})
	require.Equal(t, "TrailAlreadyExistsException", apiCode(t, err))
	var exists *cttypes.TrailAlreadyExistsException
	require.ErrorAs(t, err, &exists, "the SDK decodes CloudTrail's exception")

	sel, err := ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("data-trail"),
		EventSelectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(false),
			DataResources: []cttypes.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3:::lake/raw/"}}}}}})
	require.NoError(t, err)
	require.Equal(t, arn, aws.ToString(sel.TrailARN))
	got, err := ct.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(arn)})
	require.NoError(t, err)
	require.Len(t, got.EventSelectors, 1)
	require.Equal(t, []string{"arn:aws:s3:::lake/raw/"}, got.EventSelectors[0].DataResources[0].Values)
	_, err = ct.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{TrailName: aws.String("data-trail"),
		EventSelectors: []cttypes.EventSelector{{DataResources: []cttypes.DataResource{{Type: aws.String("AWS::SQS::Queue"), Values: []string{"arn:aws:sqs"}}}}}})
	require.Equal(t, "InvalidEventSelectorsException", apiCode(t, err))

	desc, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{})
	require.NoError(t, err)
	require.Len(t, desc.TrailList, 1)
	require.Equal(t, testRegion, aws.ToString(desc.TrailList[0].HomeRegion))
	require.True(t, aws.ToBool(desc.TrailList[0].HasCustomEventSelectors))
	list, err := ct.ListTrails(ctx, &cloudtrail.ListTrailsInput{})
	require.NoError(t, err)
	require.Equal(t, arn, aws.ToString(list.Trails[0].TrailARN))
	_, err = ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(arn)})
	require.NoError(t, err)

	// Writes under lake/raw/ are delivered; reads, other prefixes and management events are not.
	for _, k := range []string{"raw/flow.log", "curated/table.parquet"} {
		_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("lake"), Key: aws.String(k), Body: strings.NewReader("x")})
		require.NoError(t, err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("lake"), Key: aws.String("raw/flow.log")})
	require.NoError(t, err)
	keys := nextDelivery(t, fake, interval, c, 0)
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(trailBucket), Key: aws.String(keys[0])})
	require.NoError(t, err)
	zr, err := gzip.NewReader(out.Body)
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	var doc struct {
		Records []struct {
			EventName, EventCategory string
			Resources                []struct{ ARN string }
		}
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	require.Len(t, doc.Records, 1, "%s", body)
	require.Equal(t, "PutObject", doc.Records[0].EventName)
	require.Equal(t, "Data", doc.Records[0].EventCategory)
	require.True(t, bytes.Contains(body, []byte("arn:aws:s3:::lake/raw/flow.log")))

	st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("data-trail")})
	require.NoError(t, err)
	require.True(t, aws.ToBool(st.IsLogging))
	require.NotNil(t, st.StartLoggingTime)
	require.Regexp(t, `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`, aws.ToString(st.TimeLoggingStarted))

	upd, err := ct.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{Name: aws.String("data-trail"), S3KeyPrefix: aws.String("elsewhere")})
	require.Equal(t, "InsufficientS3BucketPolicyException", apiCode(t, err), "the bucket policy does not cover the new prefix")
	require.Nil(t, upd)
	_, err = ct.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("data-trail")})
	require.NoError(t, err)
	_, err = ct.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("data-trail")})
	require.Equal(t, "TrailNotFoundException", apiCode(t, err))
}
