package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// subscriberScript, run as the subscriber account's administrator, polls the subscriber's queue until a message
// arrives (at most TIMEOUT seconds), then assumes the subscriber role with the external ID and reads the object
// the message names. It prints the message's detail, the seconds waited and the object's first and last bytes.
const subscriberScript = `
import boto3, botocore.config, json, os, time
ep, region = os.environ["ENDPOINT"], "us-east-1"
sqs = boto3.client("sqs", endpoint_url=ep, region_name=region)
url = sqs.get_queue_url(QueueName=os.environ["QUEUE"], QueueOwnerAWSAccountId=os.environ["LAKE_ACCOUNT"])["QueueUrl"]
start, msgs = time.time(), []
while not msgs and time.time() - start < float(os.environ["TIMEOUT"]):
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1).get("Messages", [])
waited = time.time() - start
assert msgs, "no message on the subscriber queue"
ev = json.loads(msgs[0]["Body"])
d = ev["detail"]
c = boto3.client("sts", endpoint_url=ep, region_name=region).assume_role(RoleArn=os.environ["ROLE"], RoleSessionName="sub",
    ExternalId=os.environ["EXTERNAL_ID"])["Credentials"]
s3 = boto3.client("s3", endpoint_url=ep, region_name=region, aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
    aws_session_token=c["SessionToken"], config=botocore.config.Config(s3={"addressing_style": "path"}))
body = s3.get_object(Bucket=d["bucket"]["name"], Key=d["object"]["key"])["Body"].read()
sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
print(json.dumps({"detailType": ev["detail-type"], "source": ev["source"], "bucket": d["bucket"]["name"], "key": d["object"]["key"],
    "size": d["object"]["size"], "etag": d["object"]["etag"], "read": len(body), "head": body[:4].decode("latin1"),
    "tail": body[-4:].decode("latin1"), "waited": waited}))
`

// subscriberRead is what subscriberScript prints.
type subscriberRead struct {
	DetailType, Source, Bucket, Key, ETag, Head, Tail string
	Size, Read                                        int64
	Waited                                            float64
}

// lakeWithSubscriber creates, with the aws CLI, the data lake in us-east-1 with the CloudTrail management and
// VPC flow sources, a subscriber (S3 access, VPC flow) for a member account with an external ID and its SQS
// notification, and registers raw-logs as an ingest location. It returns the subscriber's ID, role ARN and the
// member account's administrator credentials (key, secret, token).
func lakeWithSubscriber(t testing.TB, s *server, externalID string) (id, role string, member []string) {
	t.Helper()
	ctx := context.Background()
	_, err := s.aws(t, "securitylake", "create-data-lake", "--configurations", `[{"region":"us-east-1"}]`,
		"--meta-store-manager-role-arn", createMetaStoreRoleFor(t, s))
	require.NoError(t, err)
	_, err = s.app.SecurityLake().Provision(ctx)
	require.NoError(t, err)
	_, err = s.aws(t, "securitylake", "create-aws-log-source", "--sources",
		`[{"regions":["us-east-1"],"sourceName":"CLOUD_TRAIL_MGMT","sourceVersion":"2.0"},{"regions":["us-east-1"],"sourceName":"VPC_FLOW","sourceVersion":"2.0"}]`)
	require.NoError(t, err)

	account := memberAccount(t, s, "subscriber", "subscriber@example.com")
	out, err := s.aws(t, "securitylake", "create-subscriber", "--subscriber-name", "siem", "--access-types", "S3",
		"--subscriber-identity", "principal="+account+",externalId="+externalID,
		"--sources", `[{"awsLogSource":{"sourceName":"VPC_FLOW","sourceVersion":"2.0"}}]`)
	require.NoError(t, err)
	var sub struct {
		Subscriber struct{ SubscriberID, RoleArn string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sub), out)
	_, err = s.aws(t, "securitylake", "create-subscriber-notification", "--subscriber-id", sub.Subscriber.SubscriberID,
		"--configuration", `{"sqsNotificationConfiguration":{}}`)
	require.NoError(t, err)

	_, err = s.aws(t, "s3", "mb", "s3://raw-logs")
	require.NoError(t, err)
	env := append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	out, code := runSeclakeEnv(t, env, "ingest", "add", "--bucket", "raw-logs", "--grant-access", "--json")
	require.Equal(t, 0, code, out)
	return sub.Subscriber.SubscriberID, sub.Subscriber.RoleArn, memberAdminKeys(t, s, account)
}

// memberAdminKeys are the credentials (key, secret, token) of the member account's OrganizationAccountAccessRole.
func memberAdminKeys(t testing.TB, s *server, account string) []string {
	t.Helper()
	c, err := memberAdmin(t, s, account).Credentials.Retrieve(context.Background())
	require.NoError(t, err)
	return []string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken}
}

// sourceStatuses returns the status of each source of the lake, by name, through get-data-lake-sources.
func sourceStatuses(t testing.TB, s *server) map[string]string {
	t.Helper()
	out, err := s.aws(t, "securitylake", "get-data-lake-sources")
	require.NoError(t, err)
	var got struct {
		DataLakeSources []struct {
			SourceName     string
			SourceStatuses []struct{ Status string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	st := map[string]string{}
	for _, src := range got.DataLakeSources {
		require.Len(t, src.SourceStatuses, 1)
		st[src.SourceName] = src.SourceStatuses[0].Status
	}
	return st
}

// readAsSubscriber runs subscriberScript as the member account.
func readAsSubscriber(t testing.TB, s *server, id, role, externalID string, member []string, timeout string) subscriberRead {
	t.Helper()
	env := append(cliEnv(member[0], member[1], member[2]), "ENDPOINT="+s.URL, "QUEUE=AmazonSecurityLake-"+id+"-Main-Queue",
		"LAKE_ACCOUNT="+testAccount, "ROLE="+role, "EXTERNAL_ID="+externalID, "TIMEOUT="+timeout)
	out, err := s.pythonWith(t, env, subscriberScript)
	require.NoError(t, err)
	var r subscriberRead
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	return r
}

// TestSubscriberPathEndToEnd is the subscriber's path of issue 14 with the aws CLI and boto3: a lake with
// CloudTrail and VPC flow sources, a subscriber of another account with an external ID and an SQS notification,
// a registered raw location; a raw VPC flow file uploaded with `aws s3 cp` becomes a Parquet data file whose
// "Object Created" message reaches the subscriber's queue; the subscriber reads the file through its role
// (plain Parquet through S3) and get-data-lake-sources shows VPC_FLOW COLLECTING (NOT_COLLECTING before).
func TestSubscriberPathEndToEnd(t *testing.T) {
	requireTool(t, "aws")
	requireTool(t, "python3")
	s := startServer(t, withConfig(shortFlush))
	id, role, member := lakeWithSubscriber(t, s, "ext-wire")
	require.Equal(t, "NOT_COLLECTING", sourceStatuses(t, s)["VPC_FLOW"])

	vpc := rawFiles[1]
	_, err := s.aws(t, "s3", "cp", writeRaw(t, t.TempDir(), vpc), "s3://raw-logs/"+vpc.key)
	require.NoError(t, err)
	r := readAsSubscriber(t, s, id, role, "ext-wire", member, "60")
	require.Equal(t, "Object Created", r.DetailType)
	require.Equal(t, "aws.s3", r.Source)
	require.True(t, strings.HasPrefix(r.Bucket, "aws-security-data-lake-us-east-1-"), r.Bucket)
	require.True(t, strings.HasPrefix(r.Key, "aws/VPC_FLOW/2.0/") && strings.HasSuffix(r.Key, ".parquet"), r.Key)
	require.Equal(t, r.Size, r.Read, "the message gives the file's size")
	require.NotEmpty(t, r.ETag)
	require.Equal(t, "PAR1", r.Head)
	require.Equal(t, "PAR1", r.Tail)

	st := sourceStatuses(t, s)
	require.Equal(t, "COLLECTING", st["VPC_FLOW"])
}
