package policy_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/cputime"
	"github.com/seclake/seclake/internal/iam/policy"
)

// benchIdentityPolicy is a 20-statement identity policy of the kind a data-lake role carries: service-wide
// and resource-scoped allows, wildcards, policy variables, and conditions of several operator families.
func benchIdentityPolicy() string {
	stmts := []string{
		`{"Sid":"DenyInsecure","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
		`{"Sid":"DenyOutsideRegions","Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","ap-northeast-1"]}}}`,
		`{"Sid":"Home","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::lake-${aws:PrincipalTag/team}/home/${aws:username}/*"}`,
		`{"Sid":"ListHome","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::lake-*","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}}`,
		`{"Sid":"KeysViaS3","Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"arn:aws:kms:*:111122223333:key/*","Condition":{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"},"StringEquals":{"kms:CallerAccount":"111122223333"}}}`,
		`{"Sid":"Queues","Effect":"Allow","Action":["sqs:ReceiveMessage","sqs:DeleteMessage","sqs:GetQueueAttributes"],"Resource":"arn:aws:sqs:*:111122223333:AmazonSecurityLake-*"}`,
		`{"Sid":"Athena","Effect":"Allow","Action":["athena:StartQueryExecution","athena:GetQueryResults","athena:GetQueryExecution"],"Resource":"arn:aws:athena:*:111122223333:workgroup/lake"}`,
		`{"Sid":"Glue","Effect":"Allow","Action":["glue:GetTable","glue:GetTables","glue:GetDatabase","glue:GetPartitions"],"Resource":["arn:aws:glue:*:111122223333:catalog","arn:aws:glue:*:111122223333:database/amazon_security_lake_glue_db_*","arn:aws:glue:*:111122223333:table/amazon_security_lake_glue_db_*/*"]}`,
		`{"Sid":"OfficeOnly","Effect":"Allow","Action":"securitylake:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}`,
		`{"Sid":"RecentCreds","Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*","Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"2024-01-01T00:00:00Z"}}}`,
		`{"Sid":"SmallLists","Effect":"Allow","Action":"s3:ListBucketVersions","Resource":"*","Condition":{"NumericLessThanEquals":{"s3:max-keys":"1000"}}}`,
		`{"Sid":"TagOwn","Effect":"Allow","Action":["sqs:TagQueue","sqs:UntagQueue"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/owner":"${aws:username}"},"ForAllValues:StringEquals":{"aws:TagKeys":["owner","env"]}}}`,
		`{"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:*:111122223333:log-group:/seclake/*"}`,
		`{"Sid":"NoDelete","Effect":"Deny","Action":["s3:DeleteBucket","s3:DeleteBucketPolicy","kms:ScheduleKeyDeletion"],"Resource":"*"}`,
		`{"Sid":"Events","Effect":"Allow","Action":"events:PutEvents","Resource":"arn:aws:events:*:111122223333:event-bus/default","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::lake-*"}}}`,
		`{"Sid":"Describe","Effect":"Allow","Action":["kms:DescribeKey","kms:ListAliases","sqs:ListQueues"],"Resource":"*"}`,
		`{"Sid":"PassRole","Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111122223333:role/seclake-*","Condition":{"StringEquals":{"iam:PassedToService":"glue.amazonaws.com"}}}`,
		`{"Sid":"NoPublic","Effect":"Deny","Action":"s3:PutBucketAcl","Resource":"*","Condition":{"StringLike":{"s3:x-amz-acl":"public*"}}}`,
		`{"Sid":"MFAForAdmin","Effect":"Deny","Action":"securitylake:Delete*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`,
		`{"Sid":"Objects","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::aws-security-data-lake-*/aws/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/classification":"internal"}}}`,
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func benchInput(b *testing.B) policy.Input {
	p, err := policy.Parse([]byte(benchIdentityPolicy()), policy.Identity)
	if err != nil {
		b.Fatal(err)
	}
	if len(p.Statements) != 20 {
		b.Fatalf("%d statements", len(p.Statements))
	}
	in := policy.Input{
		Request: policy.Request{
			Principal: policy.UserPrincipal("arn:aws:iam::111122223333:user/alice", "AIDAALICEEXAMPLE00001"),
			Action:    "s3:GetObject",
			Resource:  "arn:aws:s3:::aws-security-data-lake-us-east-1-abc/aws/VPC_FLOW/2.0/part-0.parquet",
		},
		Identity: []*policy.Policy{p},
	}
	in.Request.Context.Set("aws:SecureTransport", "true")
	in.Request.Context.Set("aws:RequestedRegion", "us-east-1")
	in.Request.Context.Set("aws:SourceIp", "203.0.113.9")
	in.Request.Context.Set("aws:PrincipalTag/team", "blue")
	in.Request.Context.Set("aws:CurrentTime", "2024-05-01T10:00:00Z")
	in.Request.Context.Set("s3:ExistingObjectTag/classification", "internal")
	return in
}

// runEvaluate runs the benchmark loop and also reports CPU time per decision and decisions per CPU-second,
// which stay meaningful on a shared machine where wall-clock ns/op includes waiting for a core.
func runEvaluate(b *testing.B, in policy.Input) {
	b.ReportAllocs()
	start := cputime.Used()
	n := 0
	for b.Loop() {
		policy.Evaluate(in)
		n++
	}
	cpu := cputime.Used() - start
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
	b.ReportMetric(float64(n)/cpu.Seconds(), "decisions/cpu-s")
}

// BenchmarkEvaluate measures one decision against a 20-statement identity policy with conditions.
func BenchmarkEvaluate(b *testing.B) {
	in := benchInput(b)
	if d := policy.Evaluate(in); !d.Allowed {
		b.Fatalf("want allowed: %s", d.Reason)
	}
	runEvaluate(b, in)
}

// BenchmarkEvaluateDenied measures an implicit deny, which also builds the explanation.
func BenchmarkEvaluateDenied(b *testing.B) {
	in := benchInput(b)
	in.Request.Action = "kms:Decrypt"
	in.Request.Resource = "arn:aws:kms:us-east-1:111122223333:key/k"
	if d := policy.Evaluate(in); d.Allowed {
		b.Fatal("want denied")
	}
	runEvaluate(b, in)
}

// BenchmarkEvaluateKeyPolicy measures a KMS decision: key policy plus delegation to an identity policy.
func BenchmarkEvaluateKeyPolicy(b *testing.B) {
	key, err := policy.Parse([]byte(`{"Version":"2012-10-17","Id":"key-default-1","Statement":[`+
		`{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},`+
		`{"Sid":"Allow Logs Delivery to use the key","Effect":"Allow","Principal":{"Service":["delivery.logs.amazonaws.com"]},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",`+
		`"Condition":{"StringEquals":{"aws:SourceAccount":["111122223333"]},"ArnLike":{"aws:SourceArn":["arn:aws:logs:us-east-1:111122223333:*"]}}}]}`), policy.KeyPolicy)
	if err != nil {
		b.Fatal(err)
	}
	in := policy.Input{
		Request: policy.Request{
			Principal: policy.ServicePrincipal("delivery.logs.amazonaws.com"),
			Action:    "kms:GenerateDataKey",
			Resource:  "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		},
		Resource:              key,
		ResourceAccount:       "111122223333",
		RequireResourcePolicy: true,
	}
	in.Request.Context.Set("aws:SourceAccount", "111122223333")
	in.Request.Context.Set("aws:SourceArn", "arn:aws:logs:us-east-1:111122223333:log-group:x:*")
	if d := policy.Evaluate(in); !d.Allowed {
		b.Fatalf("want allowed: %s", d.Reason)
	}
	runEvaluate(b, in)
}

// BenchmarkParse measures parsing and compiling the 20-statement policy.
func BenchmarkParse(b *testing.B) {
	doc := []byte(benchIdentityPolicy())
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := policy.Parse(doc, policy.Identity); err != nil {
			b.Fatal(fmt.Sprint(err))
		}
	}
}
