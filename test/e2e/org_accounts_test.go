package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"
)

// createMemberAccount creates a member account with the aws CLI, waits for it as a script would, and returns
// its ID.
func createMemberAccount(t *testing.T, s *server, name, email string) string {
	t.Helper()
	out, err := s.aws(t, "organizations", "create-account", "--email", email, "--account-name", name)
	require.NoError(t, err)
	var created struct{ CreateAccountStatus struct{ Id, State string } }
	require.NoError(t, json.Unmarshal([]byte(out), &created))
	require.Equal(t, "IN_PROGRESS", created.CreateAccountStatus.State)

	out, err = s.aws(t, "organizations", "describe-create-account-status", "--create-account-request-id", created.CreateAccountStatus.Id)
	require.NoError(t, err)
	var st struct {
		CreateAccountStatus struct{ State, AccountId, AccountName string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	require.Equal(t, "SUCCEEDED", st.CreateAccountStatus.State)
	require.Equal(t, name, st.CreateAccountStatus.AccountName)
	require.Regexp(t, `^\d{12}$`, st.CreateAccountStatus.AccountId)
	return st.CreateAccountStatus.AccountId
}

// adminUser creates a user of the management account with AdministratorAccess and returns its key.
func adminUser(t *testing.T, s *server, name string) (keyID, secret string) {
	t.Helper()
	keyID, secret = createUserWithKey(t, s, name)
	_, err := iam.NewFromConfig(s.rootConfig()).AttachUserPolicy(context.Background(), &iam.AttachUserPolicyInput{
		UserName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	require.NoError(t, err)
	return keyID, secret
}

// memberAdmin assumes a member account's OrganizationAccountAccessRole as a new administrator of the
// management account and returns an SDK configuration with the session's credentials.
func memberAdmin(t *testing.T, s *server, member string) aws.Config {
	t.Helper()
	keyID, secret := adminUser(t, s, "admin")
	out, err := sts.NewFromConfig(s.sdkConfig(keyID, secret, "")).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("setup")})
	require.NoError(t, err)
	c := out.Credentials
	return s.sdkConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

func TestMemberAccountAndOrganizationAccountAccessRole(t *testing.T) {
	s := startServer(t)
	out, err := s.aws(t, "organizations", "describe-organization")
	require.NoError(t, err)
	var org struct {
		Organization struct{ Id, MasterAccountId, FeatureSet string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &org))
	require.Equal(t, testAccount, org.Organization.MasterAccountId)
	require.Equal(t, "ALL", org.Organization.FeatureSet)

	member := createMemberAccount(t, s, "log-archive", "log-archive@example.com")
	out, err = s.aws(t, "organizations", "list-accounts")
	require.NoError(t, err)
	require.Contains(t, out, member)
	require.Contains(t, out, `"Arn": "arn:aws:organizations::`+testAccount+`:account/`+org.Organization.Id+`/`+member+`"`)

	roleARN := "arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"
	_, err = s.aws(t, "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "setup")
	require.ErrorContains(t, err, "AccessDenied")
	require.ErrorContains(t, err, "Roles may not be assumed by root accounts.")

	keyID, secret := adminUser(t, s, "admin")
	out, err = s.awsAs(t, keyID, secret, "", "sts", "assume-role", "--role-arn", roleARN, "--role-session-name", "setup")
	require.NoError(t, err)
	var assumed struct {
		Credentials     struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration string }
		AssumedRoleUser struct{ Arn, AssumedRoleId string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &assumed))
	require.Equal(t, "arn:aws:sts::"+member+":assumed-role/OrganizationAccountAccessRole/setup", assumed.AssumedRoleUser.Arn)
	c := assumed.Credentials
	require.Regexp(t, `^ASIA`, c.AccessKeyId)

	// The session is the member account's administrator.
	out, err = s.awsAs(t, c.AccessKeyId, c.SecretAccessKey, c.SessionToken, "sts", "get-caller-identity")
	require.NoError(t, err)
	require.Contains(t, out, `"Arn": "arn:aws:sts::`+member+`:assumed-role/OrganizationAccountAccessRole/setup"`)
	require.Contains(t, out, `"Account": "`+member+`"`)
	out, err = s.awsAs(t, c.AccessKeyId, c.SecretAccessKey, c.SessionToken, "iam", "create-user", "--user-name", "auditor")
	require.NoError(t, err)
	require.Contains(t, out, `"Arn": "arn:aws:iam::`+member+`:user/auditor"`)

	// Members see their organization but cannot manage it.
	ctx := context.Background()
	orgs := organizations.NewFromConfig(s.sdkConfig(c.AccessKeyId, c.SecretAccessKey, c.SessionToken))
	d, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	require.NoError(t, err)
	require.Equal(t, org.Organization.Id, aws.ToString(d.Organization.Id))
	_, err = orgs.ListAccounts(ctx, &organizations.ListAccountsInput{})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))

	// GetCallerIdentity answers for the session with the SDK too.
	id, err := sts.NewFromConfig(s.sdkConfig(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, assumed.AssumedRoleUser.AssumedRoleId, aws.ToString(id.UserId))
}

func TestOrganizationUnitsAndServiceControlPolicies(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	orgs := organizations.NewFromConfig(s.rootConfig())
	member := createMemberAccount(t, s, "workload", "workload@example.com")
	roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	require.NoError(t, err)
	root := aws.ToString(roots.Roots[0].Id)
	ou, err := orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Workloads")})
	require.NoError(t, err)
	ouID := ou.OrganizationalUnit.Id
	_, err = orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(member), SourceParentId: aws.String(root), DestinationParentId: ouID})
	require.NoError(t, err)

	_, err = orgs.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: "SERVICE_CONTROL_POLICY"})
	require.NoError(t, err)
	p, err := orgs.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("DenyIAMUsers"), Description: aws.String("no IAM users"),
		Type: "SERVICE_CONTROL_POLICY", Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}`)})
	require.NoError(t, err)
	_, err = orgs.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: ouID})
	require.NoError(t, err)

	memberIAM := iam.NewFromConfig(memberAdmin(t, s, member))
	_, err = memberIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("x")})
	require.Equal(t, "AccessDenied", apiCode(t, err))
	require.ErrorContains(t, err, "with an explicit deny in a service control policy")
	_, err = memberIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("y"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + member + `"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err, "everything else is still allowed")

	_, err = orgs.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: p.Policy.PolicySummary.Id})
	require.Equal(t, "PolicyInUseException", apiCode(t, err))
	_, err = orgs.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: ouID})
	require.Equal(t, "OrganizationalUnitNotEmptyException", apiCode(t, err))
}
