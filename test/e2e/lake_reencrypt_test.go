package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// headAllScript prints {key: SSEKMSKeyId} for every object of BUCKET, from head_object.
const headAllScript = `
import boto3, botocore.config, json, os
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1",
    config=botocore.config.Config(s3={"addressing_style": "path"}))
out = {}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=os.environ["BUCKET"]):
    for o in page.get("Contents", []):
        out[o["Key"]] = s3.head_object(Bucket=os.environ["BUCKET"], Key=o["Key"]).get("SSEKMSKeyId", "")
print(json.dumps(out))
`

// TestLakeReencrypt: a lake's objects written under key A stay under A after update-data-lake switches the lake
// to key B (as on AWS); `seclake lake reencrypt --wait` brings them under B. While the bucket policy denies
// Security Lake's writes, the job stops and says what to change; with the policy back, running it again
// resumes and completes: head-object shows key B for every object, and the table still scans with every row.
func TestLakeReencrypt(t *testing.T) {
	requireTool(t, "aws")
	requireTool(t, "python3")
	s := startServer(t, withConfig(shortFlush))
	ctx := context.Background()
	// The key policies name Security Lake's resource-management role, so it must exist first (KMS refuses a
	// principal that does not): created as a user would, before create-data-lake.
	_, err := s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", "resource-management.securitylake.amazonaws.com")
	require.NoError(t, err)
	keyA := createKey(t, s, keyPolicy(lakeKeyAdmin, lakeKeyService))
	keyB := createKey(t, s, keyPolicy(lakeKeyAdmin, lakeKeyService))
	_, err = s.aws(t, "securitylake", "create-data-lake", "--configurations",
		`[{"region":"us-east-1","encryptionConfiguration":{"kmsKeyId":"`+keyA+`"}}]`, "--meta-store-manager-role-arn", createMetaStoreRole(t, s))
	require.NoError(t, err)
	_, err = s.app.SecurityLake().Provision(ctx)
	require.NoError(t, err)
	bucket := strings.TrimPrefix(s.lakes(t, "list-data-lakes").DataLakes[0].S3BucketArn, "arn:aws:s3:::")

	_, err = s.aws(t, "s3", "mb", "s3://raw-logs")
	require.NoError(t, err)
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs", "--grant-access")
	require.Equal(t, 0, code, out)
	vpc := rawFiles[1]
	_, err = s.aws(t, "s3", "cp", writeRaw(t, t.TempDir(), vpc), "s3://raw-logs/"+vpc.key)
	require.NoError(t, err)
	lake, err := s.app.Lakes().Open(ctx, testAccount, testRegion)
	require.NoError(t, err)
	want := int64(goldenLines(t, vpc.testdata))
	require.Eventually(t, func() bool { return tableRows(t, lake, vpc.table, nil) == want }, 60*time.Second, 200*time.Millisecond)
	// keys returns the KMS key of each object of the lake bucket (head-object through boto3, one process).
	keys := func() map[string]string {
		t.Helper()
		out, err := s.pythonEnv(t, []string{"BUCKET=" + bucket}, headAllScript)
		require.NoError(t, err)
		got := map[string]string{}
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		return got
	}
	before := keys()
	require.NotEmpty(t, before)
	for k, v := range before {
		require.Equal(t, keyA, v, k)
	}

	_, err = s.aws(t, "securitylake", "update-data-lake", "--configurations", `[{"region":"us-east-1","encryptionConfiguration":{"kmsKeyId":"`+keyB+`"}}]`)
	require.NoError(t, err)
	_, err = s.app.SecurityLake().Provision(ctx)
	require.NoError(t, err)
	after := keys()
	for k := range before {
		require.Equal(t, keyA, after[k], "AWS leaves existing objects under their key: %s", k)
	}

	// A bucket policy that refuses Security Lake's writes: the job stops, and says what to change.
	policy, err := s.aws(t, "s3api", "get-bucket-policy", "--bucket", bucket, "--query", "Policy", "--output", "text")
	require.NoError(t, err)
	policy = strings.TrimSpace(policy)
	deny := `{"Sid":"Freeze","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::` + testAccount +
		`:role/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement"},` +
		`"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/*"}`
	_, err = s.aws(t, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", plus(policy, deny))
	require.NoError(t, err)
	out, code = runSeclakeEnv(t, env, "lake", "reencrypt", "--region", "us-east-1", "--wait")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "FAILED")
	require.Contains(t, out, "the bucket policy of "+bucket+" must let it s3:GetObject and s3:PutObject")
	require.Contains(t, out, "explicit deny")

	_, err = s.aws(t, "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", policy)
	require.NoError(t, err)
	out, code = runSeclakeEnv(t, env, "lake", "reencrypt", "--region", "us-east-1", "--wait")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "COMPLETED")
	for k, v := range keys() {
		require.Equal(t, keyB, v, "%s is not under the lake's new key", k)
	}
	require.Equal(t, want, tableRows(t, lake, vpc.table, nil), "the table scans as before")

	out, code = runSeclakeEnv(t, env, "lake", "reencrypt", "--region", "us-east-1", "--wait", "--json")
	require.Equal(t, 0, code, out)
	var r struct{ Reencryption struct{ Status string } }
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	require.Equal(t, "COMPLETED", r.Reencryption.Status)
}
