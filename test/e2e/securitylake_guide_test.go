package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"
)

// The regions of the first guide: ap-northeast-1 rolls up, ap-northeast-3 contributes.
const (
	rollupRegion  = "ap-northeast-1"
	contribRegion = "ap-northeast-3"
)

// guideS3KeyPolicy is the first guide's S3 key policy (SCENARIOS.md §1a) as written, placeholders filled:
// {{ACCOUNT}} the delegated administrator's account, {{BUCKET}} the region's lake bucket, {{REGION}} its region,
// {{SUBSCRIBER_ROLE}} the S3 subscriber's role. The replication statement keeps the guide's "AWS:" typo; the
// test replaces it as the user fixing it would. The "Key administration (as needed)" statement is filled with the
// account's administration of the key. The guide misspells Lake Formation's role (…FormatinoDataAccess), a
// principal that does not exist: KMS refuses such a policy ("Policy contains a statement with one or more invalid
// principals"), seclake as AWS does, so the policy here names the role correctly and the test shows the refusal.
const guideS3KeyPolicy = `{
  "Version": "2012-10-17",
  "Id": "Security-Lake-S3-Key-Policy",
  "Statement": [
    { "Sid": "Key administration (as needed)", "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::{{ACCOUNT}}:root" },
      "Action": "kms:*", "Resource": "*" },
    {
      "Sid": "Allow SecurityLake ServiceRole To Use The Key",
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::{{ACCOUNT}}:role/aws-service-role/securitylake.amazonaws.com/AWSServiceRoleForSecurityLake" },
      "Action": ["kms:CreateGrant", "kms:Encrypt", "kms:GenerateDataKey"],
      "Resource": "*"
    },
    {
      "Sid": "Allow LakeFormation And Subscriber Roles To Use The Key",
      "Effect": "Allow",
      "Principal": { "AWS": [
        "arn:aws:iam::{{ACCOUNT}}:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"{{SUBSCRIBER_ROLE}}
      ] },
      "Action": ["kms:CreateGrant", "kms:Decrypt"],
      "Resource": "*"
    },
    {
      "Sid": "Allow SLR",
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::{{ACCOUNT}}:role/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement" },
      "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
      "Resource": "*",
      "Condition": {
        "StringEquals": { "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::{{BUCKET}}" },
        "StringLike": { "kms:ViaService": "s3.{{REGION}}.amazonaws.com" }
      }
    },
    {
      "Sid": "Allow SecurityLake ReplicationRole To Use The Key (only with a rollup region)",
      "Effect": "Allow",
      "Principal": { "AWS:": "arn:aws:iam::{{ACCOUNT}}:role/service-role/AmazonSecurityLakeS3ReplicationRole" },
      "Action": ["kms:CreateGrant", "kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"],
      "Resource": "*"
    }
  ]
}`

// guideReplicationRolePolicy is the replication role's permissions as Security Lake's documentation gives them.
const guideReplicationRolePolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"AllowReadS3ReplicationSetting","Effect":"Allow","Action":["s3:ListBucket","s3:GetReplicationConfiguration",
  "s3:GetObjectVersionForReplication","s3:GetObjectVersion","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging",
  "s3:GetObjectRetention","s3:GetObjectLegalHold"],
  "Resource":["arn:aws:s3:::aws-security-data-lake*","arn:aws:s3:::aws-security-data-lake*/*"],
  "Condition":{"StringEquals":{"aws:ResourceAccount":["{{ACCOUNT}}"]}}},
 {"Sid":"AllowS3Replication","Effect":"Allow","Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags",
  "s3:GetObjectVersionTagging"],"Resource":["arn:aws:s3:::aws-security-data-lake*/*"],
  "Condition":{"StringEquals":{"aws:ResourceAccount":["{{ACCOUNT}}"]}}}]}`

// guideSubscriberScript is the second guide's subscriber function, run in the subscriber account: on a queue
// message it assumes the lake's role with the external ID, builds a session from the credentials in the lake's
// region and lists the lake bucket.
const guideSubscriberScript = `
import boto3, botocore.config, json, os, time
ep, region = os.environ["ENDPOINT"], os.environ["REGION"]
sqs = boto3.client("sqs", endpoint_url=ep, region_name=region)
url = sqs.get_queue_url(QueueName=os.environ["QUEUE"], QueueOwnerAWSAccountId=os.environ["LAKE_ACCOUNT"])["QueueUrl"]
start, msgs = time.time(), []
while not msgs and time.time() - start < 60:
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1).get("Messages", [])
assert msgs, "no message on the subscriber queue"
key = json.loads(msgs[0]["Body"])["detail"]["object"]["key"]

sts = boto3.client("sts", endpoint_url=ep, region_name=region)
response = sts.assume_role(RoleArn=os.environ["ROLE"], RoleSessionName="security-lake-subscriber", ExternalId=os.environ["EXTERNAL_ID"])
session = boto3.Session(
    aws_access_key_id=response["Credentials"]["AccessKeyId"],
    aws_secret_access_key=response["Credentials"]["SecretAccessKey"],
    aws_session_token=response["Credentials"]["SessionToken"],
    region_name=region)
s3 = session.client("s3", endpoint_url=ep, config=botocore.config.Config(s3={"addressing_style": "path"}))
listed = s3.list_objects_v2(Bucket=os.environ["BUCKET"])
print(json.dumps({"key": key, "listed": [o["Key"] for o in listed.get("Contents", [])]}))
`

// guide holds the accounts and resources of the guide test.
type guide struct {
	s                *server
	admin, sub       string   // account IDs
	adminKeys        []string // the delegated administrator's credentials
	subKeys          []string // the subscriber account's
	replRole, bucket string
	buckets, keys    map[string]string // by region
}

// as runs the aws CLI as the delegated administrator in a region.
func (g *guide) as(t *testing.T, region string, args ...string) (string, error) {
	t.Helper()
	return g.s.awsAs(t, g.adminKeys[0], g.adminKeys[1], g.adminKeys[2], append(args, "--region", region)...)
}

func (g *guide) must(t *testing.T, region string, args ...string) string {
	t.Helper()
	out, err := g.as(t, region, args...)
	require.NoError(t, err)
	return out
}

func (g *guide) lakes(t *testing.T, region string, args ...string) cliDataLakes {
	t.Helper()
	var dl cliDataLakes
	out := g.must(t, region, append([]string{"securitylake"}, args...)...)
	require.NoError(t, json.Unmarshal([]byte(out), &dl), out)
	return dl
}

func (g *guide) provision(t *testing.T) {
	t.Helper()
	_, err := g.s.app.SecurityLake().Provision(context.Background())
	require.NoError(t, err)
}

// keyPolicy fills the guide's S3 key policy for a region, as written (with the "AWS:" typo).
func (g *guide) keyPolicy(region, subscriberRole string) string {
	sub := ""
	if subscriberRole != "" {
		sub = `,
        "` + subscriberRole + `"`
	}
	doc := strings.NewReplacer("{{SUBSCRIBER_ROLE}}", sub).Replace(guideS3KeyPolicy)
	return strings.NewReplacer("{{ACCOUNT}}", g.admin, "{{BUCKET}}", g.buckets[region], "{{REGION}}", region).Replace(doc)
}

// fixedKeyPolicy is the guide's S3 key policy with the "AWS:" typo corrected, as the user fixes it.
func (g *guide) fixedKeyPolicy(region, subscriberRole string) string {
	return strings.Replace(g.keyPolicy(region, subscriberRole), `"AWS:"`, `"AWS"`, 1)
}

// newGuide builds the organization of the guide: the management account (the server's), a delegated
// administrator registered by it, and a subscriber account; the lakes in both regions, created by the delegated
// administrator, the rollup region first.
func newGuide(t *testing.T, s *server) *guide {
	g := &guide{s: s, buckets: map[string]string{}, keys: map[string]string{}}
	g.admin = memberAccount(t, s, "security", "security@example.com")
	g.sub = memberAccount(t, s, "subscriber", "subscriber@example.com")
	_, err := s.aws(t, "securitylake", "register-data-lake-delegated-administrator", "--account-id", g.admin)
	require.NoError(t, err, "the management account registers the delegated administrator")
	keyID, secret := adminUser(t, s, "org-admin")
	g.adminKeys, g.subKeys = assumeAccess(t, s, keyID, secret, g.admin), assumeAccess(t, s, keyID, secret, g.sub)
	_, err = g.s.awsAs(t, g.adminKeys[0], g.adminKeys[1], g.adminKeys[2], "securitylake", "register-data-lake-delegated-administrator",
		"--account-id", g.sub)
	require.ErrorContains(t, err, "AccessDenied", "only the management account registers the delegated administrator")

	// Lake Formation's data access role, which the key policy names (registering the lake's locations creates it).
	g.must(t, rollupRegion, "iam", "create-service-linked-role", "--aws-service-name", "lakeformation.amazonaws.com")
	var role struct{ Role struct{ Arn string } }
	out := g.must(t, rollupRegion, "iam", "create-role", "--role-name", "AmazonSecurityLakeMetaStoreManager", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	require.NoError(t, json.Unmarshal([]byte(out), &role))
	metaStore := role.Role.Arn
	out = g.must(t, rollupRegion, "iam", "create-role", "--role-name", "AmazonSecurityLakeS3ReplicationRole", "--path", "/service-role/",
		"--assume-role-policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	require.NoError(t, json.Unmarshal([]byte(out), &role))
	g.replRole = role.Role.Arn
	g.must(t, rollupRegion, "iam", "put-role-policy", "--role-name", "AmazonSecurityLakeS3ReplicationRole", "--policy-name", "replication",
		"--policy-document", strings.ReplaceAll(guideReplicationRolePolicy, "{{ACCOUNT}}", g.admin))

	for _, region := range []string{rollupRegion, contribRegion} {
		created := g.lakes(t, region, "create-data-lake", "--configurations", `[{"region":"`+region+`"}]`, "--meta-store-manager-role-arn", metaStore)
		require.Equal(t, "INITIALIZED", created.DataLakes[0].CreateStatus)
		g.provision(t)
		lk := g.lakes(t, region, "list-data-lakes", "--regions", region).DataLakes[0]
		require.Equal(t, "COMPLETED", lk.CreateStatus, region)
		g.buckets[region] = strings.TrimPrefix(lk.S3BucketArn, "arn:aws:s3:::")
	}
	return g
}

// TestSecurityLakeGuideTwoRegions follows the first guide step by step in an organization of three accounts and
// two regions, with the aws CLI: the delegated administrator's lakes in ap-northeast-1 (rollup) and
// ap-northeast-3 (contributing, replicating to the rollup with the guide's replication role); the guide's S3
// key policy pasted with its "AWS:" typo is refused with a pointer to the statement and the principal key;
// update-data-lake with each region's key answers INITIALIZED and list-data-lakes shows COMPLETED; new data files
// in both regions are SSE-KMS under their region's key; a file ingested in ap-northeast-3 shows replication
// COMPLETED there and REPLICA (SSE-KMS under the rollup key) in ap-northeast-1, and its rows are in the rollup
// region's table (get-partitions shows region=ap-northeast-3). Then the second guide's
// subscriber: once a message arrives on its queue, the boto3 snippet (assume the role with the external ID, list
// the bucket) works as written.
func TestSecurityLakeGuideTwoRegions(t *testing.T) {
	requireTool(t, "aws")
	requireTool(t, "python3")
	s := startServer(t, withConfig(shortFlush))
	g := newGuide(t, s)

	// The key policies, as pasted: the typo is refused, with a pointer.
	for _, region := range []string{rollupRegion, contribRegion} {
		out, err := g.as(t, region, "kms", "create-key", "--policy", g.keyPolicy(region, ""))
		require.Error(t, err)
		for _, want := range []string{"MalformedPolicyDocumentException", `Sid "Allow SecurityLake ReplicationRole To Use The Key (only with a rollup region)"`,
			"element Principal", `"AWS:" is not a principal type`, `did you mean "AWS"?`} {
			require.Contains(t, err.Error(), want)
		}
		require.Empty(t, out)
		_, err = g.as(t, region, "kms", "create-key", "--policy", strings.Replace(g.fixedKeyPolicy(region, ""),
			"AWSServiceRoleForLakeFormationDataAccess", "AWSServiceRoleForLakeFormatinoDataAccess", 1))
		require.ErrorContains(t, err, "Policy contains a statement with one or more invalid principals", "the guide's misspelled Lake Formation role")
		var key struct{ KeyMetadata struct{ Arn string } }
		out = g.must(t, region, "kms", "create-key", "--policy", g.fixedKeyPolicy(region, ""))
		require.NoError(t, json.Unmarshal([]byte(out), &key))
		g.keys[region] = key.KeyMetadata.Arn
		g.must(t, region, "kms", "create-alias", "--alias-name", "alias/SecurityLake-S3-Key", "--target-key-id", key.KeyMetadata.Arn)
	}

	// The guide's policy as written lets the lake use the key: Security Lake writes as its resource-management
	// role, which the "Allow SLR" statement names.
	update := func(region, extra string) cliDataLakes {
		t.Helper()
		alias := "arn:aws:kms:" + region + ":" + g.admin + ":alias/SecurityLake-S3-Key"
		upd := g.lakes(t, region, "update-data-lake", "--configurations",
			`[{"encryptionConfiguration":{"kmsKeyId":"`+alias+`"},"region":"`+region+`"`+extra+`}]`)
		require.Equal(t, "INITIALIZED", upd.DataLakes[0].UpdateStatus.Status)
		g.provision(t)
		return g.lakes(t, region, "list-data-lakes")
	}
	byRegion := func(dl cliDataLakes, region string) (out struct {
		Status, Reason, Key string
	}) {
		for _, l := range dl.DataLakes {
			if l.Region == region {
				out.Status = l.UpdateStatus.Status
				if l.UpdateStatus.Exception != nil {
					out.Reason = l.UpdateStatus.Exception.Reason
				}
				if l.EncryptionConfiguration != nil {
					out.Key = l.EncryptionConfiguration.KmsKeyId
				}
			}
		}
		return out
	}
	got := byRegion(update(rollupRegion, ""), rollupRegion)
	require.Equal(t, "COMPLETED", got.Status, got.Reason)
	got = byRegion(update(contribRegion, `,"replicationConfiguration":{"regions":["`+rollupRegion+`"],"roleArn":"`+g.replRole+`"}`), contribRegion)
	require.Equal(t, "COMPLETED", got.Status, got.Reason)
	for _, region := range []string{rollupRegion, contribRegion} {
		enc := g.must(t, region, "s3api", "get-bucket-encryption", "--bucket", g.buckets[region])
		require.Contains(t, enc, `"aws:kms"`, region)
		require.Contains(t, enc, g.keys[region], region)
	}

	// Data in both regions: a VPC flow log file ingested in each.
	files := map[string]string{}
	for _, region := range []string{rollupRegion, contribRegion} {
		files[region] = ingestGuideFile(t, g, region)
	}
	for region, key := range files {
		head := headObject(t, g, region, g.buckets[region], key)
		require.Equal(t, "aws:kms", head.ServerSideEncryption, region)
		require.Equal(t, g.keys[region], head.SSEKMSKeyId, region)
	}

	// Replication: COMPLETED in the contributing region, REPLICA (under the rollup key) in the rollup region.
	_, err := s.app.Objects().RunReplication(context.Background())
	require.NoError(t, err)
	src := headObject(t, g, contribRegion, g.buckets[contribRegion], files[contribRegion])
	require.Equal(t, "COMPLETED", src.ReplicationStatus)
	replica := headObject(t, g, rollupRegion, g.buckets[rollupRegion], files[contribRegion])
	require.Equal(t, "REPLICA", replica.ReplicationStatus)
	require.Equal(t, "aws:kms", replica.ServerSideEncryption)
	require.Equal(t, g.keys[rollupRegion], replica.SSEKMSKeyId)

	// The rollup region's table has the contributing region's rows, in its partition (Glue's view of it).
	require.Eventually(t, func() bool {
		out := g.must(t, rollupRegion, "glue", "get-partitions", "--database-name", "amazon_security_lake_glue_db_ap_northeast_1",
			"--table-name", "amazon_security_lake_table_ap_northeast_1_vpc_flow_2_0")
		var parts struct{ Partitions []struct{ Values []string } }
		require.NoError(t, json.Unmarshal([]byte(out), &parts), out)
		for _, p := range parts.Partitions {
			if p.Values[0] == contribRegion {
				return true
			}
		}
		return false
	}, 30*time.Second, 200*time.Millisecond, "the replicated file is not in the rollup table")

	// The doctor sees the replication paths of the contributing lake healthy: the role on both buckets and keys.
	env := append(cliEnv(g.adminKeys[0], g.adminKeys[1], g.adminKeys[2]), "AWS_ENDPOINT_URL="+s.URL)
	out, code := runSeclakeEnv(t, env, "lake", "doctor", "--region", contribRegion)
	require.Equal(t, 0, code, out)
	for _, want := range []string{"OK    Replication role → lake bucket", "OK    Replication role → lake key",
		"OK    Replication role → rollup bucket (ap-northeast-1)", "OK    Replication role → rollup key (ap-northeast-1)"} {
		require.Contains(t, out, want)
	}

	guideSubscriber(t, g)
}

// guideSubscriber is the second guide's subscriber flow in the rollup region.
func guideSubscriber(t *testing.T, g *guide) {
	t.Helper()
	out := g.must(t, rollupRegion, "securitylake", "create-subscriber", "--subscriber-name", "siem", "--access-types", "S3",
		"--subscriber-identity", "principal="+g.sub+",externalId=guide-ext",
		"--sources", `[{"awsLogSource":{"sourceName":"VPC_FLOW","sourceVersion":"2.0"}}]`)
	var sub struct {
		Subscriber struct{ SubscriberId, RoleArn string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sub), out)
	g.must(t, rollupRegion, "securitylake", "create-subscriber-notification", "--subscriber-id", sub.Subscriber.SubscriberId,
		"--configuration", `{"sqsNotificationConfiguration":{}}`)
	// The subscriber role goes into the key policy, as the guide's statement says.
	g.must(t, rollupRegion, "kms", "put-key-policy", "--key-id", g.keys[rollupRegion], "--policy-name", "default", "--policy",
		g.fixedKeyPolicy(rollupRegion, sub.Subscriber.RoleArn))

	key := ingestGuideFile(t, g, rollupRegion)
	member := g.subKeys
	env := append(cliEnv(member[0], member[1], member[2]), "ENDPOINT="+g.s.URL, "REGION="+rollupRegion,
		"QUEUE=AmazonSecurityLake-"+sub.Subscriber.SubscriberId+"-Main-Queue", "LAKE_ACCOUNT="+g.admin, "ROLE="+sub.Subscriber.RoleArn,
		"EXTERNAL_ID=guide-ext", "BUCKET="+g.buckets[rollupRegion])
	out, err := g.s.pythonWith(t, env, guideSubscriberScript)
	require.NoError(t, err)
	var r struct {
		Key    string
		Listed []string
	}
	require.NoError(t, json.Unmarshal([]byte(out), &r), out)
	require.Equal(t, key, r.Key)
	require.Contains(t, r.Listed, key)
}

// assumeAccess assumes a member account's OrganizationAccountAccessRole as the given management-account user and
// returns the session's credentials (key, secret, token).
func assumeAccess(t *testing.T, s *server, keyID, secret, member string) []string {
	t.Helper()
	out, err := sts.NewFromConfig(s.sdkConfig(keyID, secret, "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("guide")})
	require.NoError(t, err)
	c := out.Credentials
	return []string{aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)}
}

// headObject is `aws s3api head-object` as the delegated administrator.
func headObject(t *testing.T, g *guide, region, bucket, key string) (h struct {
	ServerSideEncryption, SSEKMSKeyId, ReplicationStatus string
}) {
	t.Helper()
	out := g.must(t, region, "s3api", "head-object", "--bucket", bucket, "--key", key)
	require.NoError(t, json.Unmarshal([]byte(out), &h), out)
	return h
}

// ingestGuideFile uploads a VPC flow log file of the delegated administrator's account delivered in region into
// the region's raw bucket (registered as an ingest location on first use) and returns the key of the lake data
// file it became.
func ingestGuideFile(t *testing.T, g *guide, region string) string {
	t.Helper()
	raw := "raw-logs-" + region
	prefix := "aws/VPC_FLOW/2.0/data/region=" + region + "/"
	listed := func() []string {
		out := g.must(t, region, "s3api", "list-objects-v2", "--bucket", g.buckets[region], "--prefix", prefix)
		var l struct{ Contents []struct{ Key string } }
		if strings.TrimSpace(out) != "" {
			require.NoError(t, json.Unmarshal([]byte(out), &l), out)
		}
		var keys []string
		for _, c := range l.Contents {
			keys = append(keys, c.Key)
		}
		return keys
	}
	before := listed()
	if _, err := g.as(t, region, "s3api", "head-bucket", "--bucket", raw); err != nil {
		g.must(t, region, "s3", "mb", "s3://"+raw)
		env := append(cliEnv(g.adminKeys[0], g.adminKeys[1], g.adminKeys[2]), "AWS_ENDPOINT_URL="+g.s.URL, "AWS_DEFAULT_REGION="+region)
		out, code := runSeclakeEnv(t, env, "ingest", "add", "--bucket", raw, "--region", region, "--grant-access", "--json")
		require.Equal(t, 0, code, out)
	}
	n := len(before)
	f := rawFile{testdata: "vpcflow/testdata/default-v2.log", gzip: true, table: "vpc_flow",
		key: "AWSLogs/" + g.admin + "/vpcflowlogs/" + region + "/2024/05/01/" + g.admin + "_vpcflowlogs_" + region +
			"_fl-0123456789abcdef0_20240501T10" + string(rune('0'+n/10)) + string(rune('0'+n%10)) + "Z_a1b2c3d4.log.gz"}
	g.must(t, region, "s3", "cp", writeRaw(t, t.TempDir(), f), "s3://"+raw+"/"+f.key)
	var added string
	require.Eventually(t, func() bool {
		for _, k := range listed() {
			if !slices.Contains(before, k) && strings.HasSuffix(k, ".parquet") {
				added = k
				return true
			}
		}
		return false
	}, 60*time.Second, 200*time.Millisecond, "no data file in %s", region)
	return added
}
