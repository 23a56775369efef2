package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// subscriberGetScript reads one object of the lake as the subscriber (its role, with the external ID) and prints
// whether it could, and the error code and message if not.
const subscriberGetScript = `
import boto3, botocore.config, botocore.exceptions, json, os
ep, region = os.environ["ENDPOINT"], "us-east-1"
c = boto3.client("sts", endpoint_url=ep, region_name=region).assume_role(RoleArn=os.environ["ROLE"], RoleSessionName="sub",
    ExternalId=os.environ["EXTERNAL_ID"])["Credentials"]
s3 = boto3.client("s3", endpoint_url=ep, region_name=region, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
    aws_session_token=c["SessionToken"], config=botocore.config.Config(s3={"addressing_style": "path"}))
try:
    n = len(s3.get_object(Bucket=os.environ["BUCKET"], Key=os.environ["KEY"])["Body"].read())
    print(json.dumps({"read": n}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", "")}))
`

// guideKeyPolicyWithout is the guide's S3 key policy (SCENARIOS.md §1a, the "AWS:" typo corrected) for the
// us-east-1 lake of the test account, without the statements whose Sid is in drop, and without the replication
// statement (a single region: "only with a rollup region"; its role does not exist, which KMS refuses).
func guideKeyPolicyWithout(t *testing.T, bucket, subscriberRole string, drop ...string) string {
	t.Helper()
	doc := strings.NewReplacer("{{SUBSCRIBER_ROLE}}", `, "`+subscriberRole+`"`, `"AWS:"`, `"AWS"`, "{{ACCOUNT}}", testAccount,
		"{{BUCKET}}", bucket, "{{REGION}}", testRegion).Replace(guideS3KeyPolicy)
	// Key administration without use: the account administers the key, and only the guide's statements let
	// anyone encrypt or decrypt with it (with kms:* for the account, IAM policies would also grant its use).
	doc = strings.Replace(doc, `"Action": "kms:*"`, `"Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*",
		"kms:Update*", "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
		"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]`, 1)
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &p))
	drop = append(drop, sidReplication)
	var kept []any
	for _, st := range p["Statement"].([]any) {
		sid, _ := st.(map[string]any)["Sid"].(string)
		if !strings.Contains(strings.Join(drop, "\n"), sid) || sid == "" {
			kept = append(kept, st)
		}
	}
	p["Statement"] = kept
	b, err := json.Marshal(p)
	require.NoError(t, err)
	return string(b)
}

// The Sids of the guide's statements.
const (
	sidSLR         = "Allow SLR"
	sidSubscriber  = "Allow LakeFormation And Subscriber Roles To Use The Key"
	sidReplication = "Allow SecurityLake ReplicationRole To Use The Key (only with a rollup region)"
)

// TestSecurityLakeGuideKeyStatements removes the first guide's key-policy statements in turn, with the aws CLI and
// boto3, and restores them:
//   - without "Allow SLR", update-data-lake with the key FAILS naming the statement, the resource-management role
//     and the action, the exception's remediation is the guide's statement for this bucket and region, and the
//     bucket keeps its encryption; the whole policy pasted, the update COMPLETES;
//   - "Allow SLR" removed once the lake is under the key: `seclake lake doctor` fails the lake's path to the key
//     and prints the statement, an update with the key fails again; restored, both are healthy and data flows;
//   - without the subscriber statement, the subscriber's read of a data file is refused by KMS and the doctor names
//     the subscriber's path to the key; restored, the subscriber reads the file.
func TestSecurityLakeGuideKeyStatements(t *testing.T) {
	requireTool(t, "aws")
	requireTool(t, "python3")
	s := startServer(t, withConfig(shortFlush))
	_, role, member := lakeWithSubscriber(t, s, "ext-keys")
	_, err := s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", "lakeformation.amazonaws.com")
	require.NoError(t, err, "the guide's policy names Lake Formation's role, which must exist")
	bucket := strings.TrimPrefix(s.lakes(t, "list-data-lakes").DataLakes[0].S3BucketArn, "arn:aws:s3:::")
	provision := func() {
		t.Helper()
		_, err := s.app.SecurityLake().Provision(t.Context())
		require.NoError(t, err)
	}
	putPolicy := func(key, doc string) {
		t.Helper()
		_, err := s.aws(t, "kms", "put-key-policy", "--key-id", key, "--policy-name", "default", "--policy", doc)
		require.NoError(t, err)
	}
	update := func(key string) (status, reason string) {
		t.Helper()
		_, err := s.aws(t, "securitylake", "update-data-lake", "--configurations", `[{"region":"us-east-1","encryptionConfiguration":{"kmsKeyId":"`+key+`"}}]`)
		require.NoError(t, err)
		provision()
		st := s.lakes(t, "list-data-lakes").DataLakes[0].UpdateStatus
		if st.Exception != nil {
			reason = st.Exception.Reason
		}
		return st.Status, reason
	}

	// Without "Allow SLR": the update fails, naming it; the bucket is as it was.
	key := createKey(t, s, guideKeyPolicyWithout(t, bucket, role, sidSLR))
	status, reason := update(key)
	require.Equal(t, "FAILED", status)
	for _, want := range []string{`"Allow SLR"`, "AWSServiceRoleForSecurityLakeResourceManagement", "kms:GenerateDataKey", key} {
		require.Contains(t, reason, want)
	}
	e := waitException(t, s, 10*time.Second, "AWSServiceRoleForSecurityLakeResourceManagement", key)
	require.Contains(t, e.Remediation, `"Sid":"Allow SLR"`)
	require.Contains(t, e.Remediation, `"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::`+bucket+`"`)
	require.Contains(t, e.Remediation, `"kms:ViaService":"s3.us-east-1.amazonaws.com"`)
	enc, err := s.aws(t, "s3api", "get-bucket-encryption", "--bucket", bucket)
	require.NoError(t, err)
	require.Contains(t, enc, `"AES256"`, "a failed update leaves the bucket as it was")

	// The guide's policy, whole: the update completes and the lake's data is under the key.
	putPolicy(key, guideKeyPolicyWithout(t, bucket, role))
	status, reason = update(key)
	require.Equal(t, "COMPLETED", status, reason)
	uploadVPC(t, s, "k0000001")
	require.Eventually(t, func() bool { return sourceStatusOf(t, s, "VPC_FLOW") == "COLLECTING" }, 60*time.Second, 200*time.Millisecond)
	files := lakeDataFiles(t, s, bucket)
	require.Len(t, files, 1)
	head, err := s.aws(t, "s3api", "head-object", "--bucket", bucket, "--key", files[0])
	require.NoError(t, err)
	require.Contains(t, head, key, "the data file is under the lake key")

	// "Allow SLR" removed from the lake's key once the lake uses it: the doctor names the statement (for this
	// bucket and region) and an update with the key fails again; restored, both are healthy. (New files may still
	// be written for a while under the bucket's cached S3 Bucket Key, as on AWS.)
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	putPolicy(key, guideKeyPolicyWithout(t, bucket, role, sidSLR))
	out, code := runSeclakeEnv(t, env, "lake", "doctor", "--region", "us-east-1")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "FAIL  Security Lake → lake key: arn:aws:sts::"+testAccount+
		":assumed-role/AWSServiceRoleForSecurityLakeResourceManagement/SecurityLakeResourceManagement may kms:GenerateDataKey on "+key)
	require.Contains(t, out, `"Sid":"Allow SLR"`)
	require.Contains(t, out, `"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::`+bucket+`"`)
	status, reason = update(key)
	require.Equal(t, "FAILED", status)
	require.Contains(t, reason, `"Allow SLR"`)
	putPolicy(key, guideKeyPolicyWithout(t, bucket, role))
	status, reason = update(key)
	require.Equal(t, "COMPLETED", status, reason)
	out, code = runSeclakeEnv(t, env, "lake", "doctor", "--region", "us-east-1")
	require.Equal(t, 0, code, out)
	uploadVPC(t, s, "k0000002")
	require.Eventually(t, func() bool { return len(lakeDataFiles(t, s, bucket)) == 2 }, 60*time.Second, 500*time.Millisecond)

	// Without the subscriber statement: the subscriber cannot decrypt, and the doctor names the path.
	read := func() (out struct {
		Read          int
		Code, Message string
	}) {
		t.Helper()
		env := append(cliEnv(member[0], member[1], member[2]), "ENDPOINT="+s.URL, "ROLE="+role, "EXTERNAL_ID=ext-keys",
			"BUCKET="+bucket, "KEY="+files[0])
		text, err := s.pythonWith(t, env, subscriberGetScript)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal([]byte(text), &out), text)
		return out
	}
	// (The subscriber's first read is the one refused: S3 reuses a bucket key it opened for a while, as on AWS.)
	putPolicy(key, guideKeyPolicyWithout(t, bucket, role, sidSubscriber))
	got := read()
	require.Equal(t, "AccessDenied", got.Code)
	require.Contains(t, got.Message, "kms:Decrypt")
	out, code = runSeclakeEnv(t, env, "lake", "doctor", "--region", "us-east-1")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "FAIL  Subscriber siem → lake key")
	putPolicy(key, guideKeyPolicyWithout(t, bucket, role))
	require.Positive(t, read().Read, "restored, the subscriber reads again")
	out, code = runSeclakeEnv(t, env, "lake", "doctor", "--region", "us-east-1")
	require.Equal(t, 0, code, out)
}

// lakeDataFiles lists the VPC flow data files of the lake bucket.
func lakeDataFiles(t *testing.T, s *server, bucket string) []string {
	t.Helper()
	out, err := s.aws(t, "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "aws/VPC_FLOW/2.0/data/")
	require.NoError(t, err)
	var l struct{ Contents []struct{ Key string } }
	if strings.TrimSpace(out) != "" {
		require.NoError(t, json.Unmarshal([]byte(out), &l), out)
	}
	var keys []string
	for _, c := range l.Contents {
		if strings.HasSuffix(c.Key, ".parquet") {
			keys = append(keys, c.Key)
		}
	}
	return keys
}
