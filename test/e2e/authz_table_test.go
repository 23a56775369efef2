package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/api"
)

// probeResult is how one operation answered one user (testdata/authz_probe.py).
type probeResult struct {
	User, Service, Op, Code, Message string
	Status                           int
}

// TestEveryOperationRefusesUsersWithoutPermission runs every operation of every service the server serves —
// listed from the server itself, so a new service or operation is covered without touching this test — through
// boto3, as an IAM user with no policy and as one whose policy allows everything but explicitly denies
// everything too. Each must answer its service's access-denied error naming the action it declares, and the
// explicit deny must be named as the cause; an exempt operation (sts:GetCallerIdentity) must answer both.
func TestEveryOperationRefusesUsersWithoutPermission(t *testing.T) {
	requireTool(t, "python3")
	s := startServer(t)
	ctx := context.Background()
	fx := newAuthzFixtures(t, s)

	var calls []map[string]string
	ops := map[string]*api.Op{}
	for _, svc := range s.app.Services() {
		if svc.PathPrefix != "" {
			// Glue's Iceberg REST catalog (/iceberg/) has no botocore model for boto3 to call it by;
			// TestIcebergRESTEndpointsAreAuthorized probes each of its endpoints instead.
			t.Logf("%s at %s: probed by TestIcebergRESTEndpointsAreAuthorized (no botocore model)", svc.Name, svc.PathPrefix)
			continue
		}
		list := make([]*api.Op, 0, len(svc.Ops))
		for _, op := range svc.Ops {
			list = append(list, op)
		}
		if svc.Router != nil {
			list = append(list, svc.Router.Ops()...)
		}
		for _, op := range list {
			calls = append(calls, map[string]string{"service": svc.Name, "op": op.Name})
			ops[svc.Name+"."+op.Name] = op
		}
	}
	sort.Slice(calls, func(i, j int) bool { // the destructive operations last, in case one wrongly succeeds
		return destructive(calls[i]["op"]) < destructive(calls[j]["op"]) ||
			destructive(calls[i]["op"]) == destructive(calls[j]["op"]) && calls[i]["service"]+calls[i]["op"] < calls[j]["service"]+calls[j]["op"]
	})
	require.Greater(t, len(calls), 100, "every service's operations are listed")

	nobodyKey, nobodySecret := createUserWithKey(t, s, "nobody")
	deniedKey, deniedSecret := createUserWithKey(t, s, "denied")
	_, err := iam.NewFromConfig(s.rootConfig()).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("denied"), PolicyName: aws.String("deny-all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"DenyAll","Effect":"Deny","Action":"*","Resource":"*"}]}`)})
	require.NoError(t, err)

	in, err := json.Marshal(map[string]any{
		"endpoint": s.URL, "region": testRegion, "calls": calls, "fixtures": fx,
		"users": map[string][2]string{"nobody": {nobodyKey, nobodySecret}, "denied": {deniedKey, deniedSecret}},
	})
	require.NoError(t, err)
	cmd := exec.Command("python3", "testdata/authz_probe.py")
	cmd.Env = append(cliEnv("", "", ""), "PYTHONDONTWRITEBYTECODE=1", "AWS_DATA_PATH="+modelPath(t))
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	var results []probeResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &results))
	require.Len(t, results, 2*len(calls))

	for _, r := range results {
		op := ops[r.Service+"."+r.Op]
		where := r.User + " " + r.Service + ":" + r.Op + " → " + r.Code + " " + r.Message
		if op.Exempt != "" {
			require.Equal(t, "OK", r.Code, "exempt: %s", where)
			continue
		}
		switch {
		case r.Code == "403" && strings.HasPrefix(r.Op, "Head"): // HEAD answers have no body
		case r.Code == "Errors:AccessDenied" && r.Op == "DeleteObjects": // S3 refuses each key in the body
		case r.Code == "AccessDenied" || r.Code == "AccessDeniedException" || r.Code == "UnauthorizedOperation" && r.Service == "ec2":
		default:
			t.Errorf("not refused: %s", where)
			continue
		}
		if r.Code == "403" {
			continue // no body, no message
		}
		named := false
		for _, a := range append([]string{op.Action}, op.Also...) {
			named = named || strings.Contains(r.Message, "perform: "+a+" on resource")
		}
		if !named {
			t.Errorf("the refusal does not name the declared action %s: %s", op.Action, where)
		}
		if r.User == "denied" && !strings.Contains(r.Message, "explicit deny") {
			t.Errorf("the refusal does not name the explicit deny: %s", where)
		}
	}

	// The refused calls are on the trail, with the decision that refused them: here LookupEvents itself.
	ev, err := cloudtrail.NewFromConfig(s.rootConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []ctypes.LookupAttribute{{AttributeKey: ctypes.LookupAttributeKeyEventName, AttributeValue: aws.String("LookupEvents")}}})
	require.NoError(t, err)
	var lookup *trailEvent
	for _, e := range ev.Events {
		if aws.ToString(e.Username) == "nobody" {
			var te trailEvent
			require.NoError(t, json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &te))
			lookup = &te
		}
	}
	require.NotNil(t, lookup, "nobody's refused LookupEvents is on the trail")
	require.Equal(t, "AccessDeniedException", lookup.ErrorCode)
	ds := lookup.AdditionalEventData["authorization"].([]any)
	require.Equal(t, "cloudtrail:LookupEvents", ds[0].(map[string]any)["action"])
	require.Equal(t, "ImplicitDeny", ds[0].(map[string]any)["decision"])
}

// destructive orders operations: those that remove a fixture after the others.
func destructive(op string) int {
	for _, p := range []string{"Delete", "Remove", "Detach", "Disable", "Retire", "Revoke", "Abort", "Schedule", "Untag", "Stop", "Move", "Update", "Put", "Complete"} {
		if strings.HasPrefix(op, p) {
			return 1
		}
	}
	return 0
}

// newAuthzFixtures makes, as root, a resource of every kind the operations name, and returns the probe's
// fixtures: member values by member name, for all services ("*"), per service, and per operation.
func newAuthzFixtures(t *testing.T, s *server) map[string]map[string]any {
	t.Helper()
	ctx := context.Background()
	root := s.rootConfig()
	rootARN := "arn:aws:iam::" + testAccount + ":root"

	// KMS: a key, an alias, a ciphertext and a grant.
	kc := kms.NewFromConfig(root)
	key, err := kc.CreateKey(ctx, &kms.CreateKeyInput{})
	require.NoError(t, err)
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	_, err = kc.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/authz"), TargetKeyId: aws.String(keyARN)})
	require.NoError(t, err)
	enc, err := kc.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("x")})
	require.NoError(t, err)
	grant, err := kc.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(rootARN),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}})
	require.NoError(t, err)
	keyPolicy, err := kc.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(keyARN), PolicyName: aws.String("default")})
	require.NoError(t, err)

	// S3: a bucket with an object and an upload; the trail's bucket.
	sc := s3.NewFromConfig(root, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range []string{"authz-bucket", trailBucket} {
		_, err = sc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	_, err = sc.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("authz-bucket"), Key: aws.String("obj"), Body: strings.NewReader("x")})
	require.NoError(t, err)
	up, err := sc.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("authz-bucket"), Key: aws.String("obj")})
	require.NoError(t, err)
	_, err = sc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(trailBucket), Policy: aws.String(trailBucketPolicy("authz-trail", "authz-new-trail"))})
	require.NoError(t, err)

	// CloudTrail: a trail.
	_, err = cloudtrail.NewFromConfig(root).CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("authz-trail"), S3BucketName: aws.String(trailBucket)})
	require.NoError(t, err)

	// IAM: a user with a key and an inline policy, a role, a managed policy.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + rootARN + `"},"Action":"sts:AssumeRole"}]}`
	ic := iam.NewFromConfig(root)
	victimKey, _ := createUserWithKey(t, s, "victim")
	_, err = ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("victim"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)})
	require.NoError(t, err)
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("authz-role"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)
	pol, err := ic.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("authz-policy"), PolicyDocument: aws.String(doc)})
	require.NoError(t, err)

	// Organizations: the root, an OU, an SCP, an account request.
	oc := organizations.NewFromConfig(root)
	roots, err := oc.ListRoots(ctx, &organizations.ListRootsInput{})
	require.NoError(t, err)
	rootID := aws.ToString(roots.Roots[0].Id)
	ou, err := oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(rootID), Name: aws.String("authz-ou")})
	require.NoError(t, err)
	scpDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	scp, err := oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("authz-scp"), Description: aws.String("d"),
		Content: aws.String(scpDoc), Type: orgtypes.PolicyTypeServiceControlPolicy})
	require.NoError(t, err)
	acct, err := oc.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("authz-member"), Email: aws.String("member@example.com")})
	require.NoError(t, err)

	sqsFx := newSQSFixtures(t, s)

	b64 := func(b []byte) map[string]string {
		return map[string]string{"$b64": base64.StdEncoding.EncodeToString(b)}
	}
	return map[string]map[string]any{
		"*": {"Tags": []map[string]string{{"Key": "k", "Value": "v"}}, "TagKeys": []string{"k"}, "Description": "d"},
		"kms": {"KeyId": keyARN, "TargetKeyId": keyARN, "DestinationKeyId": keyARN, "CiphertextBlob": b64(enc.CiphertextBlob),
			"AliasName": "alias/authz", "GrantId": aws.ToString(grant.GrantId), "GranteePrincipal": rootARN,
			"Operations": []string{"Decrypt"}, "Plaintext": b64([]byte("x")), "Policy": aws.ToString(keyPolicy.Policy),
			"PolicyName": "default", "Tags": []map[string]string{{"TagKey": "k", "TagValue": "v"}}},
		"kms.GenerateDataKey":                 {"KeySpec": "AES_256"},
		"kms.GenerateDataKeyWithoutPlaintext": {"KeySpec": "AES_256"},
		"kms.GenerateRandom":                  {"NumberOfBytes": 32},
		"kms.RetireGrant":                     {"KeyId": keyARN, "GrantId": aws.ToString(grant.GrantId)},
		"kms.CreateAlias":                     {"AliasName": "alias/authz-new"},
		"kms.ListRetirableGrants":             {"RetiringPrincipal": rootARN},
		"kms.Decrypt":                         {"CiphertextBlob": b64(enc.CiphertextBlob)},
		"kms.ReEncrypt":                       {"CiphertextBlob": b64(enc.CiphertextBlob)},
		"s3": {"Bucket": "authz-bucket", "Key": "obj", "UploadId": aws.ToString(up.UploadId), "PartNumber": 1,
			"CopySource":                        "authz-bucket/obj",
			"Delete":                            map[string]any{"Objects": []map[string]string{{"Key": "obj"}}},
			"Policy":                            `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + rootARN + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::authz-bucket/*"}]}`,
			"Tagging":                           map[string]any{"TagSet": []map[string]string{{"Key": "k", "Value": "v"}}},
			"ServerSideEncryptionConfiguration": map[string]any{"Rules": []any{map[string]any{"ApplyServerSideEncryptionByDefault": map[string]string{"SSEAlgorithm": "AES256"}}}},
			"PublicAccessBlockConfiguration":    map[string]bool{"BlockPublicAcls": true},
			"NotificationConfiguration":         map[string]any{},
			"VersioningConfiguration":           map[string]string{"Status": "Enabled"},
			"ObjectAttributes":                  []string{"ETag"},
			"OwnershipControls":                 map[string]any{"Rules": []map[string]string{{"ObjectOwnership": "BucketOwnerEnforced"}}},
			"ReplicationConfiguration": map[string]any{"Role": aws.ToString(role.Role.Arn), "Rules": []any{map[string]any{"ID": "r", "Status": "Enabled",
				"Priority": 1, "Filter": map[string]string{"Prefix": ""}, "DeleteMarkerReplication": map[string]string{"Status": "Disabled"},
				"Destination": map[string]string{"Bucket": "arn:aws:s3:::" + trailBucket}}}},
		},
		"s3.CreateBucket": {"Bucket": "authz-new-bucket"},
		"s3.PutBucketLifecycleConfiguration": {"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{"ID": "r",
			"Status": "Enabled", "Filter": map[string]string{"Prefix": "x/"}, "Expiration": map[string]int{"Days": 1}}}}},
		"s3.CompleteMultipartUpload": {"MultipartUpload": map[string]any{"Parts": []map[string]any{{"ETag": `"x"`, "PartNumber": 1}}}},
		"cloudtrail":                 {"Name": "authz-trail", "TrailName": "authz-trail", "S3BucketName": trailBucket, "EventSelectors": []any{}},
		"cloudtrail.CreateTrail":     {"Name": "authz-new-trail"},
		"ec2":                        {"ResourceIds": []string{"vpc-7f000001"}, "ResourceType": "VPC", "FlowLogIds": []string{"fl-0123456789abcdef0"}},
		"ec2.CreateFlowLogs":         {"LogDestinationType": "s3", "LogDestination": "arn:aws:s3:::authz-bucket"},
		"network-firewall": {"FirewallName": "authz-fw", "FirewallPolicyArn": "arn:aws:network-firewall:us-east-1:" + testAccount + ":firewall-policy/p",
			"VpcId": "vpc-7f000001", "SubnetMappings": []map[string]string{{"SubnetId": "subnet-7f000001"}},
			"LoggingConfiguration": map[string]any{"LogDestinationConfigs": []any{map[string]any{"LogType": "ALERT", "LogDestinationType": "S3",
				"LogDestination": map[string]string{"bucketName": "authz-bucket"}}}}},
		"network-firewall.DescribeFirewall":             {"FirewallName": "authz-fw"},
		"network-firewall.DeleteFirewall":               {"FirewallName": "authz-fw"},
		"network-firewall.DescribeLoggingConfiguration": {"FirewallName": "authz-fw"},
		"network-firewall.UpdateLoggingConfiguration":   {"FirewallName": "authz-fw"},
		"iam": {"UserName": "victim", "RoleName": "authz-role", "PolicyArn": aws.ToString(pol.Policy.Arn), "PolicyName": "inline",
			"PolicyDocument": doc, "AssumeRolePolicyDocument": trust, "AccessKeyId": victimKey, "VersionId": "v1",
			"PermissionsBoundary": aws.ToString(pol.Policy.Arn), "AWSServiceName": "securitylake.amazonaws.com",
			"DeletionTaskId":  "task/aws-service-role/securitylake.amazonaws.com/AWSServiceRoleForSecurityLake/" + strings.Repeat("0", 8),
			"PolicySourceArn": "arn:aws:iam::" + testAccount + ":user/victim", "ActionNames": []string{"s3:GetObject"},
			"PolicyInputList": []string{doc}, "Status": "Inactive"},
		"iam.CreateUser":   {"UserName": "authz-new-user"},
		"iam.CreateRole":   {"RoleName": "authz-new-role"},
		"iam.CreatePolicy": {"PolicyName": "authz-new-policy"},
		"organizations": {"AccountId": testAccount, "ParentId": rootID, "SourceParentId": rootID, "DestinationParentId": aws.ToString(ou.OrganizationalUnit.Id),
			"PolicyId": aws.ToString(scp.Policy.PolicySummary.Id), "TargetId": testAccount, "RootId": rootID,
			"OrganizationalUnitId": aws.ToString(ou.OrganizationalUnit.Id), "CreateAccountRequestId": aws.ToString(acct.CreateAccountStatus.Id),
			"Name": "authz", "Content": scpDoc, "Type": "SERVICE_CONTROL_POLICY", "PolicyType": "SERVICE_CONTROL_POLICY",
			"Email": "new@example.com", "AccountName": "authz-new", "ChildType": "ACCOUNT", "Filter": "SERVICE_CONTROL_POLICY"},
		"sts": {"RoleArn": aws.ToString(role.Role.Arn), "RoleSessionName": "authz-session", "DurationSeconds": int((15 * time.Minute).Seconds())},
		"sqs": sqsFx,
		// Security Lake: the unions botocore insists on (one member set).
		"securitylake.CreateSubscriber":             {"sources": []any{map[string]any{"awsLogSource": map[string]any{"sourceName": "VPC_FLOW"}}}},
		"securitylake.CreateSubscriberNotification": {"configuration": map[string]any{"sqsNotificationConfiguration": map[string]any{}}},
		"securitylake.UpdateSubscriberNotification": {"configuration": map[string]any{"sqsNotificationConfiguration": map[string]any{}}},
		// seclake's own API (its model is found through AWS_DATA_PATH): a location that does not exist is
		// refused before it is looked up.
		"seclake": {"bucket": "authz-bucket", "locationId": "loc-0000000000000000"},
	}
}
