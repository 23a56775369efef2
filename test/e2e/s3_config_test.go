package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestS3BucketConfigurationsWithCLI puts, gets and deletes each bucket configuration with `aws s3api`, as a
// user would, including the errors for configurations that are absent or invalid.
func TestS3BucketConfigurationsWithCLI(t *testing.T) {
	s := startServer(t)
	run := func(args ...string) string {
		t.Helper()
		out, err := s.aws(t, append([]string{"s3api"}, args...)...)
		require.NoError(t, err)
		return out
	}
	fails := func(code string, args ...string) {
		t.Helper()
		_, err := s.aws(t, append([]string{"s3api"}, args...)...)
		require.ErrorContains(t, err, code)
	}
	run("create-bucket", "--bucket", "cfg-bucket")
	run("create-bucket", "--bucket", "replica-bucket")
	out := run("get-bucket-location", "--bucket", "cfg-bucket")
	require.Contains(t, out, `"LocationConstraint": null`)

	fails("NoSuchLifecycleConfiguration", "get-bucket-lifecycle-configuration", "--bucket", "cfg-bucket")
	run("put-bucket-lifecycle-configuration", "--bucket", "cfg-bucket", "--lifecycle-configuration",
		`{"Rules":[{"ID":"expire-raw","Status":"Enabled","Filter":{"Prefix":"raw/"},"Expiration":{"Days":30},
		  "Transitions":[{"Days":7,"StorageClass":"STANDARD_IA"}],"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":2}}]}`)
	out = run("get-bucket-lifecycle-configuration", "--bucket", "cfg-bucket")
	require.Contains(t, out, `"ID": "expire-raw"`)
	require.Contains(t, out, `"StorageClass": "STANDARD_IA"`)
	fails("MalformedXML", "put-bucket-lifecycle-configuration", "--bucket", "cfg-bucket", "--lifecycle-configuration",
		`{"Rules":[{"ID":"x","Status":"Sometimes","Filter":{"Prefix":""},"Expiration":{"Days":1}}]}`)
	run("delete-bucket-lifecycle", "--bucket", "cfg-bucket")

	// The queue must exist and let S3 send for the bucket: S3 sends it a test event and refuses the
	// configuration otherwise.
	queueCfg := `{"QueueConfigurations":[{"Id":"to-lake","QueueArn":"arn:aws:sqs:us-east-1:` + testAccount + `:lake-queue","Events":["s3:ObjectCreated:*"]}]}`
	fails("InvalidArgument", "put-bucket-notification-configuration", "--bucket", "cfg-bucket", "--notification-configuration", queueCfg)
	_, err := s.aws(t, "sqs", "create-queue", "--queue-name", "lake-queue", "--attributes", `{"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:aws:sqs:us-east-1:`+testAccount+`:lake-queue\",\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:s3:::cfg-bucket\"}}}]}"}`)
	require.NoError(t, err)
	run("put-bucket-notification-configuration", "--bucket", "cfg-bucket", "--notification-configuration",
		`{"QueueConfigurations":[{"Id":"to-lake","QueueArn":"arn:aws:sqs:us-east-1:`+testAccount+`:lake-queue","Events":["s3:ObjectCreated:*"],
		  "Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"AWSLogs/"}]}}}],"EventBridgeConfiguration":{}}`)
	out = run("get-bucket-notification-configuration", "--bucket", "cfg-bucket")
	require.Contains(t, out, "lake-queue")
	require.Contains(t, out, "EventBridgeConfiguration")
	fails("InvalidArgument", "put-bucket-notification-configuration", "--bucket", "cfg-bucket", "--notification-configuration",
		`{"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:1:q","Events":["s3:Everything"]}]}`)

	rep := `{"Role":"arn:aws:iam::` + testAccount + `:role/service-role/AmazonSecurityLakeS3ReplicationRole","Rules":[{"ID":"to-rollup","Priority":1,
	  "Status":"Enabled","Filter":{"Prefix":""},"DeleteMarkerReplication":{"Status":"Disabled"},
	  "Destination":{"Bucket":"arn:aws:s3:::replica-bucket","StorageClass":"STANDARD"}}]}`
	fails("InvalidRequest", "put-bucket-replication", "--bucket", "cfg-bucket", "--replication-configuration", rep) // not versioned
	run("put-bucket-versioning", "--bucket", "cfg-bucket", "--versioning-configuration", "Status=Enabled")
	run("put-bucket-replication", "--bucket", "cfg-bucket", "--replication-configuration", rep)
	out = run("get-bucket-replication", "--bucket", "cfg-bucket")
	require.Contains(t, out, "AmazonSecurityLakeS3ReplicationRole")
	fails("InvalidRequest", "put-bucket-replication", "--bucket", "cfg-bucket", "--replication-configuration",
		strings.Replace(rep, "replica-bucket", "no-such-bucket", 1))
	run("delete-bucket-replication", "--bucket", "cfg-bucket")
	fails("ReplicationConfigurationNotFoundError", "get-bucket-replication", "--bucket", "cfg-bucket")

	run("put-bucket-tagging", "--bucket", "cfg-bucket", "--tagging", `{"TagSet":[{"Key":"team","Value":"security"}]}`)
	out = run("get-bucket-tagging", "--bucket", "cfg-bucket")
	require.Contains(t, out, `"security"`)
	run("delete-bucket-tagging", "--bucket", "cfg-bucket")
	fails("NoSuchTagSet", "get-bucket-tagging", "--bucket", "cfg-bucket")

	run("put-public-access-block", "--bucket", "cfg-bucket", "--public-access-block-configuration",
		"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true")
	out = run("get-public-access-block", "--bucket", "cfg-bucket")
	var pab struct{ PublicAccessBlockConfiguration map[string]bool }
	require.NoError(t, json.Unmarshal([]byte(out), &pab))
	require.Equal(t, map[string]bool{"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}, pab.PublicAccessBlockConfiguration)
	fails("AccessDenied", "put-bucket-policy", "--bucket", "cfg-bucket", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::cfg-bucket/*"}]}`)
	run("delete-public-access-block", "--bucket", "cfg-bucket")
	fails("NoSuchPublicAccessBlockConfiguration", "get-public-access-block", "--bucket", "cfg-bucket")

	fails("NoSuchBucketPolicy", "get-bucket-policy", "--bucket", "cfg-bucket")
	fails("MalformedPolicy", "put-bucket-policy", "--bucket", "cfg-bucket", "--policy",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS:":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::cfg-bucket/*"}]}`)
	pol := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyUnencrypted","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::cfg-bucket/*","Condition":{"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}}}]}`
	run("put-bucket-policy", "--bucket", "cfg-bucket", "--policy", pol)
	out = run("get-bucket-policy", "--bucket", "cfg-bucket")
	require.Contains(t, out, "DenyUnencrypted")
	_, err = s.aws(t, "s3api", "put-object", "--bucket", "cfg-bucket", "--key", "x")
	require.ErrorContains(t, err, "AccessDenied")
	require.ErrorContains(t, err, "explicit deny")
	run("delete-bucket-policy", "--bucket", "cfg-bucket")
	run("put-object", "--bucket", "cfg-bucket", "--key", "x")
}
