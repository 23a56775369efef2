package kms

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

// The key policies of the Security Lake, CloudTrail, VPC Flow Logs and Network Firewall guides
// (shared/SCENARIOS.md, reference/aws-kms-iam.md §2.6), applied as written with the placeholders filled in,
// must decide as AWS does for the principals they name and for those they do not.

const (
	lakeBucket = "aws-security-data-lake-us-east-1-abcdefghijklmno"
	trailName  = "management-events"
)

// policyFile reads testdata/policies/<name> with its placeholders filled.
func policyFile(t testing.TB, name, keyARN string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "policies", name))
	require.NoError(t, err)
	return strings.NewReplacer("{{ACCOUNT}}", acct, "{{REGION}}", region, "{{BUCKET}}", lakeBucket, "{{KEY_ARN}}", keyARN,
		"{{TRAIL}}", trailName, "{{READER}}", "log-reader").Replace(string(b))
}

// keyWithPolicy creates a key and gives it the named policy (PutKeyPolicy as root, so policies that name the
// key's own ARN can be filled in).
func (e *testEnv) keyWithPolicy(t testing.TB, name string) *KeyMetadata {
	t.Helper()
	md := e.createKey(t, "")
	require.NoError(t, e.svc.PutKeyPolicy(ctx, rootOf(acct), md.KeyID, "default", policyFile(t, name, md.ARN), false))
	return md
}

// decision is one request and the answer AWS gives it.
type decision struct {
	name   string
	caller *actor.Caller
	op     string // Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, DescribeKey, CreateGrant, ReEncrypt
	ec     map[string]string
	src    actor.Source
	allow  bool
	reason string // part of the denial's message
}

// try makes the request on key md. Decrypt and ReEncrypt get a blob encrypted by root with the same context.
func (e *testEnv) try(t *testing.T, md *KeyMetadata, d decision) error {
	t.Helper()
	c := d.caller
	if d.src != (actor.Source{}) {
		cp := *c
		cp.Source = d.src
		c = &cp
	}
	switch d.op {
	case "Encrypt":
		_, err := e.svc.Encrypt(ctx, c, EncryptRequest{KeyID: md.ARN, Plaintext: []byte("p"), EncryptionContext: d.ec})
		return err
	case "GenerateDataKey":
		_, err := e.svc.GenerateDataKey(ctx, c, DataKeyRequest{KeyID: md.ARN, EncryptionContext: d.ec})
		return err
	case "GenerateDataKeyWithoutPlaintext":
		_, err := e.svc.GenerateDataKeyWithoutPlaintext(ctx, c, DataKeyRequest{KeyID: md.ARN, EncryptionContext: d.ec})
		return err
	case "DescribeKey":
		_, err := e.svc.DescribeKey(ctx, c, md.ARN)
		return err
	case "CreateGrant":
		_, err := e.svc.CreateGrant(ctx, c, CreateGrantRequest{KeyID: md.ARN, GranteePrincipal: "arn:aws:iam::" + acct + ":role/Grantee", Operations: []string{"Decrypt"}})
		return err
	}
	enc, err := e.svc.Encrypt(ctx, rootOf(acct), EncryptRequest{KeyID: md.ARN, Plaintext: []byte("p"), EncryptionContext: d.ec})
	require.NoError(t, err)
	if d.op == "ReEncrypt" {
		_, err = e.svc.ReEncrypt(ctx, c, ReEncryptRequest{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: d.ec, DestinationKeyID: md.ARN, DestinationEncryptionContext: d.ec})
		return err
	}
	require.Equal(t, "Decrypt", d.op)
	_, err = e.svc.Decrypt(ctx, c, DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: d.ec})
	return err
}

func (e *testEnv) decide(t *testing.T, md *KeyMetadata, cases []decision) {
	t.Helper()
	for _, d := range cases {
		t.Run(d.name, func(t *testing.T) {
			err := e.try(t, md, d)
			if d.allow {
				require.NoError(t, err)
				return
			}
			require.Equal(t, "AccessDeniedException", code(t, err), "%v", err)
			require.Contains(t, message(t, err), d.reason)
		})
	}
}

const (
	slRole       = "aws-service-role/securitylake.amazonaws.com/AWSServiceRoleForSecurityLake"
	rmRole       = "aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement"
	lfRole       = "aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"
	subRole      = "SecurityLakeSubscriberRole"
	replRole     = "service-role/AmazonSecurityLakeS3ReplicationRole"
	s3Service    = "s3.amazonaws.com"
	bucketARN    = "arn:aws:s3:::" + lakeBucket
	objectARN    = bucketARN + "/ext/VPC_FLOW/1.0/region=us-east-1/obj.parquet"
	deliverySrc  = "arn:aws:logs:us-east-1:" + acct + ":delivery-source:vpc-flow"
	trailARN     = "arn:aws:cloudtrail:us-east-1:" + acct + ":trail/" + trailName
	keyPolicyDoc = "key policy"
)

func TestSecurityLakeS3KeyPolicy(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		md := e.keyWithPolicy(t, "securitylake-s3.json")
		bucketEC := map[string]string{"aws:s3:arn": bucketARN}
		objectEC := map[string]string{"aws:s3:arn": objectARN}
		sl, rm := sessionOf(acct, slRole, "sl"), sessionOf(acct, rmRole, "rm")
		sub, lf, repl := sessionOf(acct, subRole, "reader"), sessionOf(acct, lfRole, "lf"), sessionOf(acct, replRole, "s3-replication")
		e.decide(t, md, []decision{
			{name: "security lake role writes through s3", caller: via(sl, s3Service), op: "GenerateDataKey", ec: bucketEC, allow: true},
			{name: "security lake role encrypts", caller: sl, op: "Encrypt", allow: true},
			{name: "security lake role creates grants", caller: sl, op: "CreateGrant", allow: true},
			{name: "security lake role may not decrypt", caller: sl, op: "Decrypt", ec: bucketEC,
				reason: "User: arn:aws:sts::" + acct + ":assumed-role/AWSServiceRoleForSecurityLake/sl is not authorized to perform: kms:Decrypt on resource: " + md.ARN + " because no identity-based policy allows the kms:Decrypt action"},
			{name: "subscriber reads through s3", caller: via(sub, s3Service), op: "Decrypt", ec: objectEC, allow: true},
			{name: "subscriber may not write", caller: via(sub, s3Service), op: "GenerateDataKey", ec: objectEC, reason: "no identity-based policy allows the kms:GenerateDataKey action"},
			{name: "real lake formation role is not the misspelled one", caller: lf, op: "Decrypt", ec: objectEC, reason: "the key policy delegates to account " + acct + ", but no identity-based policy allows"},
			{name: "resource management writes with the bucket key", caller: via(rm, s3Service), op: "GenerateDataKey", ec: bucketEC, allow: true},
			{name: "resource management GenerateDataKey* covers WithoutPlaintext", caller: via(rm, s3Service), op: "GenerateDataKeyWithoutPlaintext", ec: bucketEC, allow: true},
			{name: "resource management reads with the bucket key", caller: via(rm, s3Service), op: "Decrypt", ec: bucketEC, allow: true},
			{name: "resource management directly, not through s3", caller: rm, op: "GenerateDataKey", ec: bucketEC, reason: "no identity-based policy allows"},
			{name: "resource management through sqs", caller: via(rm, "sqs.amazonaws.com"), op: "GenerateDataKey", ec: bucketEC, reason: "no identity-based policy allows"},
			{name: "resource management with the object ARN (no bucket key)", caller: via(rm, s3Service), op: "GenerateDataKey", ec: objectEC, reason: "no identity-based policy allows"},
			{name: "resource management without context", caller: via(rm, s3Service), op: "GenerateDataKey", reason: "no identity-based policy allows"},
			{name: "replication role decrypts", caller: via(repl, s3Service), op: "Decrypt", ec: objectEC, allow: true},
			{name: "replication role encrypts", caller: via(repl, s3Service), op: "GenerateDataKey", ec: objectEC, allow: true},
			{name: "root administers and uses", caller: rootOf(acct), op: "Decrypt", ec: objectEC, allow: true},
			{name: "a user without IAM policies", caller: userOf(acct, "alice"), op: "Decrypt", ec: objectEC,
				reason: "because no identity-based policy allows the kms:Decrypt action (the key policy delegates to account " + acct},
			{name: "another account's root", caller: rootOf(other), op: "Decrypt", ec: objectEC,
				reason: "User: arn:aws:iam::" + other + ":root is not authorized to perform: kms:Decrypt on resource: " + md.ARN + " because no resource-based policy allows the kms:Decrypt action"},
			{name: "s3 as a service principal is not named", caller: serviceOf(s3Service), op: "GenerateDataKey", ec: bucketEC, reason: "no resource-based policy allows"},
		})
		// A denial to another account does not reveal the key policy.
		err := e.try(t, md, decision{caller: rootOf(other), op: "Decrypt"})
		require.NotContains(t, message(t, err), keyPolicyDoc)
	})
}

func TestSecurityLakeS3KeyPolicyWithoutDelegation(t *testing.T) {
	// With a key administrator instead of the account in the first statement, IAM policies cannot help, and
	// denials name the statement that would have applied and the condition that failed.
	e := newTestEnv(t)
	doc := strings.Replace(policyFile(t, "securitylake-s3.json", ""), `"AWS": "arn:aws:iam::`+acct+`:root"`, `"AWS": "arn:aws:iam::`+acct+`:user/KeyAdmin"`, 1)
	md, err := e.svc.CreateKey(ctx, rootOf(acct), CreateKeyRequest{Policy: doc})
	require.Equal(t, "MalformedPolicyDocumentException", code(t, err), "root would lock itself out")
	require.Equal(t, "The new key policy will not allow you to update the key policy in the future.", message(t, err))
	md, err = e.svc.CreateKey(ctx, rootOf(acct), CreateKeyRequest{Policy: doc, BypassPolicyLockoutSafetyCheck: true})
	require.NoError(t, err)
	rm := sessionOf(acct, rmRole, "rm")
	bucketEC := map[string]string{"aws:s3:arn": bucketARN}
	e.decide(t, md, []decision{
		{name: "resource management through s3", caller: via(rm, s3Service), op: "GenerateDataKey", ec: bucketEC, allow: true},
		{name: "resource management directly, not through s3", caller: rm, op: "GenerateDataKey", ec: bucketEC,
			reason: `because no resource-based policy allows the kms:GenerateDataKey action (no statement in the key policy allows ` +
				`arn:aws:sts::` + acct + `:assumed-role/AWSServiceRoleForSecurityLakeResourceManagement/rm to perform kms:GenerateDataKey on ` + md.ARN +
				`; statement "Allow SLR" in the key policy would, but its condition StringLike kms:ViaService is not met (the request has no kms:ViaService))`},
		{name: "resource management through sqs", caller: via(rm, "sqs.amazonaws.com"), op: "GenerateDataKey", ec: bucketEC,
			reason: `StringLike kms:ViaService is not met (the request has kms:ViaService = "sqs.us-east-1.amazonaws.com")`},
		{name: "resource management with the object ARN (no bucket key)", caller: via(rm, s3Service), op: "GenerateDataKey", ec: map[string]string{"aws:s3:arn": objectARN},
			reason: `StringEquals kms:EncryptionContext:aws:s3:arn is not met (the request has kms:EncryptionContext:aws:s3:arn = "` + objectARN + `")`},
		{name: "resource management without context", caller: via(rm, s3Service), op: "GenerateDataKey",
			reason: "StringEquals kms:EncryptionContext:aws:s3:arn is not met (the request has no kms:EncryptionContext:aws:s3:arn)"},
		{name: "root is locked out", caller: rootOf(acct), op: "GenerateDataKey", reason: "because no resource-based policy allows the kms:GenerateDataKey action"},
	})
}

func TestSecurityLakeS3KeyPolicyAsWrittenIsRefused(t *testing.T) {
	e := newTestEnv(t)
	doc := policyFile(t, "securitylake-s3-as-written.json", "")
	_, err := e.svc.CreateKey(ctx, rootOf(acct), CreateKeyRequest{Policy: doc})
	require.Equal(t, "MalformedPolicyDocumentException", code(t, err))
	msg := message(t, err)
	require.True(t, strings.HasPrefix(msg, "Policy contains a statement with one or more invalid principals."), msg)
	require.Contains(t, msg, `statement[2], Sid "Allow SecurityLake ReplicationRole To Use The Key (only with a rollup region)", element Principal`)
	require.Contains(t, msg, `"AWS:" is not a principal type`)
	require.Contains(t, msg, `did you mean "AWS"?`)

	md := e.createKey(t, "")
	err = e.svc.PutKeyPolicy(ctx, rootOf(acct), md.KeyID, "", doc, false)
	require.Equal(t, msg, message(t, err))
}

func TestSecurityLakeS3KeyPolicyNamesAMissingRole(t *testing.T) {
	// With IAM's principal directory, the guide's misspelled Lake Formation role is refused by name.
	known := directory{acct: true}
	for _, r := range []string{slRole, rmRole, lfRole, subRole, replRole} {
		known["arn:aws:iam::"+acct+":role/"+r] = true
	}
	e := newTestEnv(t, func(c *Config) { c.Principals = known })
	md := e.createKey(t, "")
	err := e.svc.PutKeyPolicy(ctx, rootOf(acct), md.KeyID, "", policyFile(t, "securitylake-s3.json", md.ARN), false)
	require.Equal(t, "MalformedPolicyDocumentException", code(t, err))
	require.Equal(t, "Policy contains a statement with one or more invalid principals. (statement \"Allow LakeFormation And Subscriber Roles To Use The Key\" names arn:aws:iam::"+acct+
		":role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormatinoDataAccess, which does not exist)", message(t, err))

	fixed := strings.Replace(policyFile(t, "securitylake-s3.json", md.ARN), "FormatinoData", "FormationData", 1)
	require.NoError(t, e.svc.PutKeyPolicy(ctx, rootOf(acct), md.KeyID, "", fixed, false))
	e.decide(t, md, []decision{
		{name: "lake formation reads", caller: sessionOf(acct, lfRole, "lf"), op: "Decrypt", ec: map[string]string{"aws:s3:arn": objectARN}, allow: true},
	})
}

func TestSecurityLakeSQSKeyPolicy(t *testing.T) {
	e := newTestEnv(t)
	md := e.keyWithPolicy(t, "securitylake-sqs.json")
	queueEC := map[string]string{"aws:sqs:arn": "arn:aws:sqs:us-east-1:" + acct + ":AmazonSecurityLake-1234-Main-Queue"}
	sub := sessionOf(acct, subRole, "poller")
	e.decide(t, md, []decision{
		{name: "eventbridge sends", caller: serviceOf("events.amazonaws.com"), op: "GenerateDataKey", ec: queueEC, allow: true},
		{name: "eventbridge decrypts", caller: serviceOf("events.amazonaws.com"), op: "Decrypt", ec: queueEC, allow: true},
		{name: "eventbridge may not encrypt", caller: serviceOf("events.amazonaws.com"), op: "Encrypt", ec: queueEC, reason: "no resource-based policy allows the kms:Encrypt action"},
		{name: "sns is not named", caller: serviceOf("sns.amazonaws.com"), op: "GenerateDataKey", ec: queueEC,
			reason: "User: sns.amazonaws.com is not authorized to perform: kms:GenerateDataKey"},
		{name: "subscriber receives through sqs", caller: via(sub, "sqs.amazonaws.com"), op: "Decrypt", ec: queueEC, allow: true},
		{name: "subscriber describes", caller: sub, op: "DescribeKey", allow: true},
		{name: "subscriber creates grants", caller: sub, op: "CreateGrant", allow: true},
		{name: "subscriber may not re-encrypt", caller: sub, op: "ReEncrypt", ec: queueEC, reason: "kms:ReEncryptFrom"},
		{name: "another role", caller: sessionOf(acct, "Other", "x"), op: "Decrypt", ec: queueEC, reason: "no identity-based policy allows"},
	})
}

func TestCloudTrailKeyPolicy(t *testing.T) {
	e := newTestEnv(t)
	md := e.keyWithPolicy(t, "cloudtrail.json")
	ct := serviceOf("cloudtrail.amazonaws.com")
	trailEC := map[string]string{"aws:cloudtrail:arn": trailARN, "aws:s3:arn": "arn:aws:s3:::trail-bucket/AWSLogs/" + acct + "/CloudTrail/us-east-1/2026/03/01/x.json.gz"}
	otherTrail := map[string]string{"aws:cloudtrail:arn": "arn:aws:cloudtrail:us-east-1:" + other + ":trail/t"}
	src := actor.Source{ARN: trailARN, Account: acct}
	e.decide(t, md, []decision{
		{name: "cloudtrail encrypts its trail's logs", caller: ct, op: "GenerateDataKey", ec: trailEC, src: src, allow: true},
		{name: "cloudtrail for another trail", caller: ct, op: "GenerateDataKey", ec: trailEC, src: actor.Source{ARN: trailARN + "-2", Account: acct}, reason: "StringEquals aws:SourceArn is not met"},
		{name: "cloudtrail without a source", caller: ct, op: "GenerateDataKey", ec: trailEC, reason: "(the request has no aws:SourceArn)"},
		{name: "cloudtrail without context", caller: ct, op: "GenerateDataKey", src: src, reason: "StringLike kms:EncryptionContext:aws:cloudtrail:arn is not met"},
		{name: "cloudtrail for another account's trail", caller: ct, op: "GenerateDataKey", ec: otherTrail, src: src, reason: "is not met"},
		{name: "cloudtrail describes the key for its trail", caller: ct, op: "DescribeKey", src: src, allow: true},
		{name: "cloudtrail describes without a source", caller: ct, op: "DescribeKey", reason: "aws:SourceArn"},
		{name: "cloudtrail decrypts", caller: ct, op: "Decrypt", ec: trailEC, allow: true},
		{name: "the log reader decrypts log files", caller: userOf(acct, "log-reader"), op: "Decrypt", ec: trailEC, allow: true},
		{name: "the log reader decrypts only log files", caller: userOf(acct, "log-reader"), op: "Decrypt", reason: "no identity-based policy allows"},
		{name: "another user", caller: userOf(acct, "bob"), op: "Decrypt", ec: trailEC, reason: "no identity-based policy allows the kms:Decrypt action"},
		{name: "log delivery is not named", caller: serviceOf("delivery.logs.amazonaws.com"), op: "GenerateDataKey", ec: trailEC, src: src, reason: "no resource-based policy"},
	})
}

func TestLogsDeliveryKeyPolicy(t *testing.T) {
	e := newTestEnv(t)
	md := e.keyWithPolicy(t, "logs-delivery.json")
	dl := serviceOf("delivery.logs.amazonaws.com")
	src := actor.Source{ARN: deliverySrc, Account: acct}
	objEC := map[string]string{"aws:s3:arn": "arn:aws:s3:::flow-logs/AWSLogs/" + acct + "/vpcflowlogs/x.log.gz"}
	e.decide(t, md, []decision{
		{name: "delivery writes", caller: dl, op: "GenerateDataKey", ec: objEC, src: src, allow: true},
		{name: "delivery encrypts", caller: dl, op: "Encrypt", src: src, allow: true},
		{name: "delivery decrypts", caller: dl, op: "Decrypt", ec: objEC, src: src, allow: true},
		{name: "delivery re-encrypts", caller: dl, op: "ReEncrypt", ec: objEC, src: src, allow: true},
		{name: "delivery describes", caller: dl, op: "DescribeKey", src: src, allow: true},
		{name: "delivery without a source", caller: dl, op: "GenerateDataKey", ec: objEC, reason: "(the request has no aws:SourceAccount)"},
		{name: "delivery for another account", caller: dl, op: "GenerateDataKey", ec: objEC, src: actor.Source{ARN: "arn:aws:logs:us-east-1:" + other + ":x", Account: other},
			reason: "StringEquals aws:SourceAccount is not met"},
		{name: "delivery for another region", caller: dl, op: "GenerateDataKey", ec: objEC, src: actor.Source{ARN: "arn:aws:logs:eu-west-1:" + acct + ":x", Account: acct},
			reason: "ArnLike aws:SourceArn is not met"},
		{name: "cloudtrail is not named", caller: serviceOf("cloudtrail.amazonaws.com"), op: "GenerateDataKey", src: src, reason: "no resource-based policy"},
	})
}

func TestNetworkFirewallKeyPolicy(t *testing.T) {
	e := newTestEnv(t)
	// The console default only: log delivery is refused, and the denial says what is missing.
	md := e.createKey(t, "")
	dl := serviceOf("delivery.logs.amazonaws.com")
	e.decide(t, md, []decision{
		{name: "default policy refuses delivery", caller: dl, op: "GenerateDataKey", src: actor.Source{ARN: deliverySrc, Account: acct},
			reason: "User: delivery.logs.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: " + md.ARN + " because no resource-based policy allows the kms:GenerateDataKey action"},
	})
	require.NoError(t, e.svc.PutKeyPolicy(ctx, rootOf(acct), md.KeyID, "", policyFile(t, "network-firewall.json", md.ARN), false))
	e.decide(t, md, []decision{
		{name: "the added statement lets delivery write", caller: dl, op: "GenerateDataKey", allow: true},
		{name: "and nothing more", caller: dl, op: "Decrypt", reason: "no resource-based policy allows the kms:Decrypt action"},
	})
}
