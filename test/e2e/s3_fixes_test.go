package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestS3LifecycleValidationAsS3 puts lifecycle rules through boto3 as the conformance suite did: Days 0 is
// InvalidArgument, and a rule given without an ID comes back with one.
func TestS3LifecycleValidationAsS3(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os
from botocore.exceptions import ClientError
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
s3.create_bucket(Bucket="lc-fixes")
try:
    s3.put_bucket_lifecycle_configuration(Bucket="lc-fixes", LifecycleConfiguration={"Rules": [
        {"ID": "zero", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 0}}]})
    raise AssertionError("Days 0 accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidArgument", e.response["Error"]
s3.put_bucket_lifecycle_configuration(Bucket="lc-fixes", LifecycleConfiguration={"Rules": [
    {"Status": "Enabled", "Filter": {"Prefix": "raw/"}, "Expiration": {"Days": 3}}]})
rules = s3.get_bucket_lifecycle_configuration(Bucket="lc-fixes")["Rules"]
assert len(rules[0].get("ID", "")) > 0, rules
print("lifecycle fixes ok")
`)
	require.NoError(t, err, out)
	require.Contains(t, out, "lifecycle fixes ok")
}
