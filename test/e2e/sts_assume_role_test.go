package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/clock"
)

const externalID = "seclake-subscriber-7f3a"

// subscriberSetup builds the Security Lake subscriber arrangement: a member account whose application user may
// call sts:AssumeRole, and a role of the management account that trusts the member account only with an
// external ID. It returns the role's ARN and the application user's key.
func subscriberSetup(t *testing.T, s *server) (roleARN, keyID, secret string) {
	t.Helper()
	ctx := context.Background()
	member := memberAccount(t, s, "subscriber", "subscriber@example.com")
	memberCfg := memberAdmin(t, s, member)
	keyID, secret = userWithPolicy(t, memberCfg, "subscriber-app", "")
	_, err := iam.NewFromConfig(memberCfg).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("subscriber-app"), PolicyName: aws.String("assume-lake-role"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` + testAccount + `:role/*"}]}`)})
	require.NoError(t, err)

	lake := iam.NewFromConfig(s.rootConfig())
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + member + `:root"},` +
		`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + externalID + `"}}}]}`
	created, err := lake.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("AmazonSecurityLake-Subscriber"), AssumeRolePolicyDocument: aws.String(trust)})
	require.NoError(t, err)
	_, err = lake.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("AmazonSecurityLake-Subscriber"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetRole","s3:GetObject","s3:ListBucket"],"Resource":"*"}]}`)})
	require.NoError(t, err)
	return aws.ToString(created.Role.Arn), keyID, secret
}

func TestAssumeRoleWithExternalID(t *testing.T) {
	s := startServer(t)
	roleARN, keyID, secret := subscriberSetup(t, s)

	// No external ID, then a wrong one: AccessDenied, in AWS's words.
	_, err := s.awsAs(t, keyID, secret, "", "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "subscriber")
	require.ErrorContains(t, err, "AccessDenied")
	require.ErrorContains(t, err, "is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
	_, err = s.awsAs(t, keyID, secret, "", "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "subscriber",
		"--external-id", "not-the-right-one")
	require.ErrorContains(t, err, "AccessDenied")

	// The right one: credentials.
	out, err := s.awsAs(t, keyID, secret, "", "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "subscriber",
		"--external-id", externalID)
	require.NoError(t, err)
	var res struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		AssumedRoleUser struct{ Arn string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Equal(t, "arn:aws:sts::"+testAccount+":assumed-role/AmazonSecurityLake-Subscriber/subscriber", res.AssumedRoleUser.Arn)
	exp, err := time.Parse(time.RFC3339, res.Credentials.Expiration)
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Hour), exp, time.Minute)

	// The trail of the role's account records the AssumeRole (external ID included, secrets not) and the
	// session's own calls with their session context.
	c := res.Credentials
	ctx := context.Background()
	_, err = iam.NewFromConfig(s.sdkConfig(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AmazonSecurityLake-Subscriber")})
	require.NoError(t, err)
	events, err := cloudtrail.NewFromConfig(s.rootConfig()).LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(50)})
	require.NoError(t, err)
	var assume, getRole map[string]any
	for _, e := range events.Events {
		text := aws.ToString(e.CloudTrailEvent)
		require.NotContains(t, text, c.SecretAccessKey)
		require.NotContains(t, text, c.SessionToken)
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(text), &rec))
		switch {
		case aws.ToString(e.EventName) == "AssumeRole" && rec["errorCode"] == nil:
			assume = rec
		case aws.ToString(e.EventName) == "GetRole":
			getRole = rec
		}
	}
	require.NotNil(t, assume)
	require.Equal(t, externalID, assume["requestParameters"].(map[string]any)["externalId"])
	require.Equal(t, c.AccessKeyId, assume["responseElements"].(map[string]any)["credentials"].(map[string]any)["accessKeyId"])
	require.Contains(t, assume["resources"], map[string]any{"ARN": roleARN, "accountId": testAccount, "type": "AWS::IAM::Role"})
	require.NotNil(t, getRole)
	ident := getRole["userIdentity"].(map[string]any)
	require.Equal(t, "AssumedRole", ident["type"])
	require.Equal(t, res.AssumedRoleUser.Arn, ident["arn"])
	issuer := ident["sessionContext"].(map[string]any)["sessionIssuer"].(map[string]any)
	require.Equal(t, roleARN, issuer["arn"])
	require.Equal(t, "AmazonSecurityLake-Subscriber", issuer["userName"])
}

// TestSecurityLakeGuideSnippet runs the subscriber code of the Security Lake access guide as written: assume the
// lake's role with the external ID, build a session from the returned credentials, and call a service with it.
// (AWS_ENDPOINT_URL points boto3 at seclake without changing the code.)
func TestSecurityLakeGuideSnippet(t *testing.T) {
	s := startServer(t)
	roleARN, keyID, secret := subscriberSetup(t, s)
	out, err := s.python(t, keyID, secret, `
import os
os.environ["AWS_ENDPOINT_URL"] = os.environ["ENDPOINT"]
role_arn = "`+roleARN+`"
external_id = "`+externalID+`"
region = "us-east-1"

import boto3

sts = boto3.client("sts")
response = sts.assume_role(RoleArn=role_arn, RoleSessionName="SecurityLakeSubscriber", ExternalId=external_id)
credentials = response["Credentials"]
session = boto3.Session(
    aws_access_key_id=credentials["AccessKeyId"],
    aws_secret_access_key=credentials["SecretAccessKey"],
    aws_session_token=credentials["SessionToken"],
    region_name=region,
)
print(session.client("sts").get_caller_identity()["Arn"])
print(session.client("iam").get_role(RoleName="AmazonSecurityLake-Subscriber")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"])
`)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Equal(t, "arn:aws:sts::"+testAccount+":assumed-role/AmazonSecurityLake-Subscriber/SecurityLakeSubscriber", lines[0])
	require.Equal(t, "{'StringEquals': {'sts:ExternalId': '"+externalID+"'}}", lines[1], "botocore decodes the trust policy IAM returns")
}

// serverTimeSigner signs at the server's fake time, so requests stay within the signature's clock skew while
// a test moves the server's clock.
type serverTimeSigner struct {
	clock  clock.Clock
	signer *v4.Signer
}

func (s serverTimeSigner) SignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, opts ...func(*v4.SignerOptions)) error {
	return s.signer.SignHTTP(ctx, creds, r, payloadHash, service, region, s.clock.Now(), opts...)
}

func TestExpiredSessionCredentialsAreRefused(t *testing.T) {
	fake := clock.NewFake(time.Now())
	s := startServer(t, withClock(fake))
	ctx := context.Background()
	signer := func(o *sts.Options) { o.HTTPSignerV4 = serverTimeSigner{fake, v4.NewSigner()} }
	keyID, secret := adminUser(t, s, "admin")
	_, err := iam.NewFromConfig(s.rootConfig()).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Short"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + testAccount + `"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)
	_, err = iam.NewFromConfig(s.rootConfig()).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Short"), PolicyName: aws.String("chain"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	require.NoError(t, err)
	admin := sts.NewFromConfig(s.sdkConfig(keyID, secret, ""), signer)
	out, err := admin.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + testAccount + ":role/Short"),
		RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(900)})
	require.NoError(t, err)
	c := out.Credentials
	session := sts.NewFromConfig(s.sdkConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)), signer)
	_, err = session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)

	// Role chaining is capped at an hour.
	_, err = session.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + testAccount + ":role/Short"),
		RoleSessionName: aws.String("chained"), DurationSeconds: aws.Int32(7200)})
	require.Equal(t, "ValidationError", apiCode(t, err))

	fake.Advance(901 * time.Second)
	_, err = session.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.Equal(t, "ExpiredToken", apiCode(t, err))
	require.ErrorContains(t, err, "The security token included in the request is expired")
	_, err = iam.NewFromConfig(s.sdkConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)),
		func(o *iam.Options) { o.HTTPSignerV4 = serverTimeSigner{fake, v4.NewSigner()} }).ListRoles(ctx, &iam.ListRolesInput{})
	require.Equal(t, "ExpiredToken", apiCode(t, err))

	// A wrong session token is invalid, not expired.
	_, err = sts.NewFromConfig(s.sdkConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), "bogus"), signer).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.Equal(t, "InvalidClientTokenId", apiCode(t, err))
}

func TestGetSessionToken(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	keyID, secret := adminUser(t, s, "admin")
	out, err := sts.NewFromConfig(s.sdkConfig(keyID, secret, "")).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(3600)})
	require.NoError(t, err)
	c := out.Credentials
	cfg := s.sdkConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::"+testAccount+":user/admin", aws.ToString(id.Arn))
	_, err = iam.NewFromConfig(cfg).ListUsers(ctx, &iam.ListUsersInput{})
	require.Equal(t, "InvalidClientTokenId", apiCode(t, err), "GetSessionToken credentials cannot call IAM")
	_, err = sts.NewFromConfig(cfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	require.Equal(t, "AccessDenied", apiCode(t, err))
}
