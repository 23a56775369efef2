package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"

	"github.com/seclake/seclake/internal/clock"
)

const trailBucket = "audit-trail-logs"

// trailBucketPolicy is the CloudTrail User Guide's bucket policy, for the trails named.
func trailBucketPolicy(trails ...string) string {
	arns, _ := json.Marshal(trailARNs(trails))
	return `{"Version":"2012-10-17","Statement":[
 {"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::` + trailBucket + `","Condition":{"StringEquals":{"aws:SourceArn":` + string(arns) + `}}},
 {"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::` + trailBucket + `/AWSLogs/` + testAccount + `/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":` + string(arns) + `}}}]}`
}

func trailARNs(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "arn:aws:cloudtrail:" + testRegion + ":" + testAccount + ":trail/" + n
	}
	return out
}

// trailKeyPolicy is a key policy with the CloudTrail User Guide's statements (§2.6 of the reference) for a
// trail and a reader ("" for none), leaving out the statements named in without.
func trailKeyPolicy(keyARN, trail, reader string, without ...string) string {
	trailARN := trailARNs([]string{trail})[0]
	stmts := []struct{ sid, doc string }{
		{"Enable IAM User Permissions", `{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + testAccount + `:root"},"Action":"kms:*","Resource":"*"}`},
		{"Allow CloudTrail to encrypt logs", `{"Sid":"Allow CloudTrail to encrypt logs","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:GenerateDataKey*","Resource":"` + keyARN + `",
  "Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":["arn:aws:cloudtrail:*:` + testAccount + `:trail/*"]},
   "StringEquals":{"aws:SourceArn":"` + trailARN + `"}}}`},
		{"Enable CloudTrail log decrypt permissions", `{"Sid":"Enable CloudTrail log decrypt permissions","Effect":"Allow",
  "Principal":{"AWS":"arn:aws:iam::` + testAccount + `:user/` + reader + `"},"Action":"kms:Decrypt","Resource":"*",
  "Condition":{"Null":{"kms:EncryptionContext:aws:cloudtrail:arn":"false"}}}`},
		{"Allow CloudTrail to decrypt a trail", `{"Sid":"Allow CloudTrail to decrypt a trail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}`},
		{"Allow CloudTrail access", `{"Sid":"Allow CloudTrail access","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:DescribeKey",
  "Resource":"` + keyARN + `","Condition":{"StringEquals":{"aws:SourceArn":"` + trailARN + `"}}}`},
	}
	if reader == "" {
		without = append(without, "Enable CloudTrail log decrypt permissions")
	}
	var parts []string
	for _, s := range stmts {
		keep := true
		for _, w := range without {
			keep = keep && w != s.sid
		}
		if keep {
			parts = append(parts, s.doc)
		}
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(parts, ",") + `]}`
}

// cliJSON runs the aws CLI as root and decodes its JSON output.
func cliJSON(t *testing.T, s *server, v any, args ...string) {
	t.Helper()
	out, err := s.aws(t, args...)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(out), v), out)
}

// trailLogKeys lists the log files in the trail bucket (not the digests).
func trailLogKeys(t *testing.T, c *s3.Client) []string {
	t.Helper()
	out, err := c.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(trailBucket),
		Prefix: aws.String("AWSLogs/" + testAccount + "/CloudTrail/")})
	require.NoError(t, err)
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

// nextDelivery moves the server's clock past the delivery interval and waits until the trail has written
// one more log file than before.
func nextDelivery(t *testing.T, fake *clock.Fake, interval time.Duration, c *s3.Client, before int) []string {
	t.Helper()
	fake.Advance(interval)
	var keys []string
	require.Eventually(t, func() bool {
		keys = trailLogKeys(t, c)
		return len(keys) > before
	}, 20*time.Second, 10*time.Millisecond, "no log file was delivered")
	return keys
}

func gunzipFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return b
}

func TestTrailDeliversSSEKMSLogFilesWithTheCLI(t *testing.T) {
	// Trails deliver every 2 minutes here, and the clock starts 3 minutes behind, so the three deliveries
	// below keep it within the 5 minutes of skew SigV4 allows the aws CLI, which signs with the real time.
	const interval = 2 * time.Minute
	fake := clock.NewFake(time.Now().Add(-3 * time.Minute))
	s := startServer(t, withClock(fake), withConfig(func(c *config.Config) { c.TrailInterval = config.Duration(interval) }))
	ctx := context.Background()
	readerKey, readerSecret := createUserWithKey(t, s, "log-reader")
	outsiderKey, outsiderSecret := createUserWithKey(t, s, "outsider")
	readPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::` + trailBucket + `","arn:aws:s3:::` + trailBucket + `/*"]}]}`
	for _, u := range []string{"log-reader", "outsider"} {
		_, err := s.aws(t, "iam", "put-user-policy", "--user-name", u, "--policy-name", "read-logs", "--policy-document", readPolicy)
		require.NoError(t, err)
	}

	// The key with the guide's CloudTrail statements, and the bucket with CloudTrail's bucket policy.
	var key struct{ KeyMetadata struct{ KeyId, Arn string } }
	cliJSON(t, s, &key, "kms", "create-key", "--description", "CloudTrail logs")
	keyARN := key.KeyMetadata.Arn
	_, err := s.aws(t, "kms", "put-key-policy", "--key-id", key.KeyMetadata.KeyId, "--policy-name", "default",
		"--policy", trailKeyPolicy(keyARN, "audit-trail", "log-reader"))
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "create-bucket", "--bucket", trailBucket)
	require.NoError(t, err)
	_, err = s.aws(t, "s3api", "put-bucket-policy", "--bucket", trailBucket, "--policy", trailBucketPolicy("audit-trail", "refused-trail"))
	require.NoError(t, err)

	// A key whose policy lacks the encrypt statement is refused at create time, with the reason.
	var bare struct{ KeyMetadata struct{ KeyId, Arn string } }
	cliJSON(t, s, &bare, "kms", "create-key")
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", bare.KeyMetadata.KeyId, "--policy-name", "default",
		"--policy", trailKeyPolicy(bare.KeyMetadata.Arn, "refused-trail", "log-reader", "Allow CloudTrail to encrypt logs"))
	require.NoError(t, err)
	_, err = s.aws(t, "cloudtrail", "create-trail", "--name", "refused-trail", "--s3-bucket-name", trailBucket, "--kms-key-id", bare.KeyMetadata.KeyId)
	require.ErrorContains(t, err, "InsufficientEncryptionPolicyException")
	require.ErrorContains(t, err, "Insufficient permissions to access S3 bucket "+trailBucket+" or KMS key "+bare.KeyMetadata.Arn)
	require.ErrorContains(t, err, `kms:GenerateDataKey* with the conditions StringLike kms:EncryptionContext:aws:cloudtrail:arn`)
	require.ErrorContains(t, err, `"Allow CloudTrail to encrypt logs"`)

	var created struct{ TrailARN, KmsKeyId, S3BucketName string }
	cliJSON(t, s, &created, "cloudtrail", "create-trail", "--name", "audit-trail", "--s3-bucket-name", trailBucket, "--kms-key-id", key.KeyMetadata.KeyId)
	require.Equal(t, trailARNs([]string{"audit-trail"})[0], created.TrailARN)
	require.Equal(t, keyARN, created.KmsKeyId, "the trail names its key by ARN")
	_, err = s.aws(t, "cloudtrail", "start-logging", "--name", "audit-trail")
	require.NoError(t, err)

	// Calls are made; after the delivery interval their log file is in the bucket, SSE-KMS with the key.
	_, err = s.aws(t, "iam", "create-user", "--user-name", "made-while-logging")
	require.NoError(t, err)
	_, err = s.aws(t, "kms", "list-aliases")
	require.NoError(t, err)
	c := s3.NewFromConfig(s.rootConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	keys := nextDelivery(t, fake, interval, c, 0)
	require.Len(t, keys, 1)
	require.Regexp(t, `^AWSLogs/`+testAccount+`/CloudTrail/us-east-1/\d{4}/\d{2}/\d{2}/`+testAccount+`_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$`, keys[0])
	var head struct{ ServerSideEncryption, SSEKMSKeyId string }
	cliJSON(t, s, &head, "s3api", "head-object", "--bucket", trailBucket, "--key", keys[0])
	require.Equal(t, "aws:kms", head.ServerSideEncryption)
	require.Equal(t, keyARN, head.SSEKMSKeyId)

	// The delivery is on the audit trail once: CloudTrail's PutObject of the file (a data event, which
	// lookup-events finds by its name), and the GenerateDataKey it caused, invoked by CloudTrail.
	puts := lookupByName(t, s, "PutObject")
	require.Len(t, puts, 1)
	require.Equal(t, "AWSService", puts[0].UserIdentity.Type)
	require.Equal(t, "cloudtrail.amazonaws.com", puts[0].UserIdentity.InvokedBy)
	require.Equal(t, "Data", puts[0].EventCategory)
	require.Equal(t, "arn:aws:s3:::"+trailBucket+"/"+keys[0], puts[0].Resources[1].ARN)
	var gens []trailEvent
	for _, e := range lookupByName(t, s, "GenerateDataKey") {
		if e.ErrorCode == "" { // the dry run of create-trail's check is recorded as DryRunOperationException
			gens = append(gens, e)
		}
	}
	require.Len(t, gens, 1)
	require.Equal(t, "cloudtrail.amazonaws.com", gens[0].UserIdentity.InvokedBy)
	require.Equal(t, keyARN, gens[0].Resources[0].ARN)

	// The reader, whom the key policy lets decrypt, reads and gunzips it; the outsider gets the 403 that names kms:Decrypt.
	dir := t.TempDir()
	_, err = s.awsAs(t, readerKey, readerSecret, "", "s3api", "get-object", "--bucket", trailBucket, "--key", keys[0], filepath.Join(dir, "log.json.gz"))
	require.NoError(t, err)
	var doc struct{ Records []map[string]any }
	require.NoError(t, json.Unmarshal(gunzipFile(t, filepath.Join(dir, "log.json.gz")), &doc))
	require.Contains(t, eventNames(doc.Records), "CreateUser")
	require.Contains(t, eventNames(doc.Records), "ListAliases")
	require.Contains(t, eventNames(doc.Records), "StartLogging", "the trail's own start is on it")
	_, err = s.awsAs(t, outsiderKey, outsiderSecret, "", "s3api", "get-object", "--bucket", trailBucket, "--key", keys[0], filepath.Join(dir, "denied"))
	require.ErrorContains(t, err, "(AccessDenied)")
	require.ErrorContains(t, err, "is not authorized to perform: kms:Decrypt on resource: "+keyARN)

	// The key policy loses the CloudTrail statement: get-trail-status says so, and the records wait.
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key.KeyMetadata.KeyId, "--policy-name", "default",
		"--policy", trailKeyPolicy(keyARN, "audit-trail", "log-reader", "Allow CloudTrail to encrypt logs"))
	require.NoError(t, err)
	_, err = s.aws(t, "iam", "create-user", "--user-name", "made-while-broken")
	require.NoError(t, err)
	ct := cloudtrail.NewFromConfig(s.rootConfig())
	fake.Advance(interval)
	require.Eventually(t, func() bool {
		st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("audit-trail")})
		require.NoError(t, err)
		return aws.ToString(st.LatestDeliveryError) != ""
	}, 20*time.Second, 10*time.Millisecond)
	var status struct {
		IsLogging           bool
		LatestDeliveryError string
	}
	cliJSON(t, s, &status, "cloudtrail", "get-trail-status", "--name", "audit-trail")
	require.True(t, status.IsLogging)
	require.Contains(t, status.LatestDeliveryError, "AccessDenied: User: cloudtrail.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: "+keyARN)
	require.Contains(t, status.LatestDeliveryError, `To fix: The key policy of `+keyARN+` needs a statement`)
	require.Contains(t, status.LatestDeliveryError, `"Allow CloudTrail to encrypt logs"`)
	require.Len(t, trailLogKeys(t, c), 1, "nothing was delivered")

	// Fixed: the waiting records are delivered, and the status is clean again.
	_, err = s.aws(t, "kms", "put-key-policy", "--key-id", key.KeyMetadata.KeyId, "--policy-name", "default",
		"--policy", trailKeyPolicy(keyARN, "audit-trail", "log-reader"))
	require.NoError(t, err)
	keys = nextDelivery(t, fake, interval, c, 1)
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(trailBucket), Key: aws.String(keys[1])})
	require.NoError(t, err)
	zr, err := gzip.NewReader(out.Body)
	require.NoError(t, err)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.NoError(t, out.Body.Close())
	require.True(t, bytes.Contains(body, []byte(`"userName":"made-while-broken"`)), "the record made while delivery failed is delivered")
	require.Eventually(t, func() bool { // the status is written just after the file
		st, err := ct.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("audit-trail")})
		require.NoError(t, err)
		return aws.ToString(st.LatestDeliveryError) == ""
	}, 20*time.Second, 10*time.Millisecond)
	status.LatestDeliveryError = "" // the member is left out when empty
	cliJSON(t, s, &status, "cloudtrail", "get-trail-status", "--name", "audit-trail")
	require.Empty(t, status.LatestDeliveryError)
}

// eventNames returns the eventName of each record.
func eventNames(recs []map[string]any) []string {
	var out []string
	for _, r := range recs {
		if n, ok := r["eventName"].(string); ok {
			out = append(out, n)
		}
	}
	return out
}

// trailEvent is what the tests read of a CloudTrail record.
type trailEvent struct {
	EventName, EventSource, EventCategory, ErrorCode string
	UserIdentity                                     struct{ Type, InvokedBy, ARN string }
	Resources                                        []struct{ ARN string }
	AdditionalEventData                              map[string]any
}

// lookupByName returns the account's events with the given name, through the aws CLI's lookup-events.
func lookupByName(t *testing.T, s *server, name string) []trailEvent {
	t.Helper()
	var out struct {
		Events []struct{ CloudTrailEvent string }
	}
	cliJSON(t, s, &out, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue="+name)
	evs := make([]trailEvent, len(out.Events))
	for i, e := range out.Events {
		require.NoError(t, json.Unmarshal([]byte(e.CloudTrailEvent), &evs[i]))
	}
	return evs
}
