package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestS3NotificationToAMissingQueue: S3 refuses a configuration whose queue does not exist with the same
// InvalidArgument as one whose queue refuses it, and tells the two apart in ArgumentValue; seclake's message
// says which (and, for a refusal, the queue's own words).
func TestS3NotificationToAMissingQueue(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os
from botocore.exceptions import ClientError
E = os.environ["ENDPOINT"]
s3 = boto3.client("s3", endpoint_url=E)
sqs = boto3.client("sqs", endpoint_url=E)
s3.create_bucket(Bucket="notify-missing")
closed = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName="closed")["QueueUrl"], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
missing = closed.replace(":closed", ":no-such-queue")

def refusal(arn):
    try:
        s3.put_bucket_notification_configuration(Bucket="notify-missing", NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    except ClientError as e:
        return e.response["Error"]
    raise SystemExit("accepted " + arn)

e = refusal(missing)
assert e["Code"] == "InvalidArgument" and e["Message"].startswith("Unable to validate the following destination configurations"), e
assert e["ArgumentName"] == missing and e["ArgumentValue"] == "The destination queue does not exist", e
assert "does not exist" in e["Message"] and "not authorized" not in e["Message"], e
print("missing ok")

e = refusal(closed)
assert e["Code"] == "InvalidArgument" and e["Message"].startswith("Unable to validate the following destination configurations"), e
assert e["ArgumentName"] == closed, e
assert e["ArgumentValue"] == "Permissions on the destination queue do not allow S3 to publish notifications from this bucket", e
assert "not authorized" in e["Message"] and "sqs:SendMessage" in e["Message"], e
print("refused ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "missing ok")
	require.Contains(t, out, "refused ok")
}
