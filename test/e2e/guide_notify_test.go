package e2e

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
)

// TestGuideObjectToRuleToKMSQueueToSubscriber is the first guide's notification path end to end, with every
// piece real: an object written to a bucket with EventBridge notifications on → S3's "Object Created" event on the
// default bus → a rule matching it for a prefix → a queue encrypted with the SQS key whose policy is the guide's →
// a subscriber role of another account, assumed with its external ID, receives and decrypts the event and reads
// the object. Without the "Allow EventBridge To Use The Key" statement the next event is not lost: the failure is
// kept, names kms:GenerateDataKey and events.amazonaws.com, and the event arrives once the statement is back.
func TestGuideObjectToRuleToKMSQueueToSubscriber(t *testing.T) {
	clk := clock.NewFake(time.Now())
	s := startServer(t, withClock(clk))
	ctx := context.Background()
	ruleARN := "arn:aws:events:" + testRegion + ":" + testAccount + ":rule/new-data"
	g := newGuideQueue(t, s, ruleARN)

	const bucket = "aws-security-data-lake-us-east-1-guide"
	c := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	require.NoError(t, err)
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(`{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Principal":{"AWS":"` + g.roleARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`)})
	require.NoError(t, err)
	_, err = c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(bucket),
		NotificationConfiguration: &s3types.NotificationConfiguration{EventBridgeConfiguration: &s3types.EventBridgeConfiguration{}}})
	require.NoError(t, err)
	_, err = iam.NewFromConfig(g.subAdmin).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Subscriber"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}}`)})
	require.NoError(t, err)

	eb := eventbridge.NewFromConfig(s.rootConfig())
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("new-data"), EventPattern: aws.String(`{"source":["aws.s3"],
	  "detail-type":["Object Created"],"detail":{"bucket":{"name":["` + bucket + `"]},"object":{"key":[{"prefix":"aws/"}]}}}`)})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("new-data"),
		Targets: []ebtypes.Target{{Id: aws.String("subscriber-queue"), Arn: aws.String(g.queueARN)}}})
	require.NoError(t, err)

	out, err := sts.NewFromConfig(g.subAdmin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(g.roleARN),
		RoleSessionName: aws.String("subscriber"), ExternalId: aws.String("ext-123")})
	require.NoError(t, err)
	cr := out.Credentials
	subCfg := s.sdkConfig(aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey), aws.ToString(cr.SessionToken))
	subSQS := sqs.NewFromConfig(subCfg)
	subS3 := s3.NewFromConfig(subCfg, func(o *s3.Options) { o.UsePathStyle = true })

	put := func(key string) {
		t.Helper()
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("ocsf")})
		require.NoError(t, err)
	}
	// receive moves the clock a second at a time (the notification job and the delivery loop run on it) until
	// the subscriber receives a message, and returns the object key of the event it carries.
	receive := func(steps int) string {
		t.Helper()
		for range steps {
			clk.Advance(time.Second)
			r, err := subSQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: g.queueURL, MaxNumberOfMessages: 1})
			require.NoError(t, err)
			if len(r.Messages) == 0 {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			var ev struct {
				DetailType string `json:"detail-type"`
				Source     string
				Detail     struct {
					Bucket struct{ Name string }
					Object struct{ Key string }
				}
			}
			require.NoError(t, json.Unmarshal([]byte(aws.ToString(r.Messages[0].Body)), &ev))
			require.Equal(t, "Object Created", ev.DetailType)
			require.Equal(t, "aws.s3", ev.Source)
			require.Equal(t, bucket, ev.Detail.Bucket.Name)
			_, err = subSQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: g.queueURL, ReceiptHandle: r.Messages[0].ReceiptHandle})
			require.NoError(t, err)
			return ev.Detail.Object.Key
		}
		return ""
	}

	put("other/skipped.json") // outside the rule's prefix
	put("aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/data.parquet")
	key := receive(30)
	require.Equal(t, "aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/data.parquet", key, "the subscriber did not receive the event:\n%s", s.logs.String())
	obj, err := subS3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	require.NoError(t, err, "the subscriber reads the object the event names")
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	require.Equal(t, "ocsf", string(body))

	// The statement removed (and the queue's data key past its reuse period): the next event waits, and says why.
	g.keyPolicy(g.admin, g.sub)
	clk.Advance(61 * time.Second)
	put("aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/second.parquet")
	require.Empty(t, receive(5))
	failures, err := s.app.Events().Failures(ctx, testAccount, testRegion)
	require.NoError(t, err)
	require.NotEmpty(t, failures, "the refused delivery is not kept:\n%s", s.logs.String())
	f := failures[len(failures)-1]
	require.Equal(t, ruleARN, f.RuleARN)
	require.Contains(t, f.Reason, "kms:GenerateDataKey")
	require.Contains(t, f.Reason, "events.amazonaws.com")
	require.Contains(t, s.metricsText(t), `seclake_events_invocation_attempts_failed_total{rule="`+ruleARN+`"}`)

	// The statement is back: the held event arrives.
	g.keyPolicy(g.admin, g.events, g.sub)
	require.Equal(t, "aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/second.parquet", receive(400),
		"the held event did not arrive once the key policy allowed it:\n%s", s.logs.String())
}
