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

// memberAccount creates a member account with the Go SDK and returns its ID.
func memberAccount(t testing.TB, s *server, name, email string) string {
	t.Helper()
	ctx := context.Background()
	orgs := organizations.NewFromConfig(s.rootConfig())
	out, err := orgs.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(email)})
	require.NoError(t, err)
	st, err := orgs.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
	require.NoError(t, err)
	require.Equal(t, "SUCCEEDED", string(st.CreateAccountStatus.State))
	return aws.ToString(st.CreateAccountStatus.AccountId)
}

// userWithPolicy creates a user of the account cfg signs for, attaches a managed policy (if any) and returns
// the user's new access key.
func userWithPolicy(t testing.TB, cfg aws.Config, name, policyARN string) (keyID, secret string) {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(cfg)
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	require.NoError(t, err)
	if policyARN != "" {
		_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(policyARN)})
		require.NoError(t, err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	require.NoError(t, err)
	return aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)
}

// adminUser creates a user of the management account with AdministratorAccess and returns its key.
func adminUser(t testing.TB, s *server, name string) (keyID, secret string) {
	t.Helper()
	return userWithPolicy(t, s.rootConfig(), name, "arn:aws:iam::aws:policy/AdministratorAccess")
}

// memberAdmin assumes a member account's OrganizationAccountAccessRole as a new administrator of the
// management account and returns an SDK configuration with the session's credentials.
func memberAdmin(t testing.TB, s *server, member string) aws.Config {
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
	ctx := context.Background()
	orgs := organizations.NewFromConfig(s.rootConfig())
	list, err := orgs.ListAccounts(ctx, &organizations.ListAccountsInput{})
	require.NoError(t, err)
	require.Len(t, list.Accounts, 2)
	arns := []string{aws.ToString(list.Accounts[0].Arn), aws.ToString(list.Accounts[1].Arn)}
	require.Contains(t, arns, "arn:aws:organizations::"+testAccount+":account/"+org.Organization.Id+"/"+member)

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
	session := s.sdkConfig(c.AccessKeyId, c.SecretAccessKey, c.SessionToken)
	u, err := iam.NewFromConfig(session).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("auditor")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::"+member+":user/auditor", aws.ToString(u.User.Arn))

	// Members see their organization but cannot manage it.
	orgs = organizations.NewFromConfig(session)
	d, err := orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	require.NoError(t, err)
	require.Equal(t, org.Organization.Id, aws.ToString(d.Organization.Id))
	_, err = orgs.ListAccounts(ctx, &organizations.ListAccountsInput{})
	require.Equal(t, "AccessDeniedException", apiCode(t, err))

	id, err := sts.NewFromConfig(session).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	require.Equal(t, assumed.AssumedRoleUser.Arn, aws.ToString(id.Arn))
	require.Equal(t, assumed.AssumedRoleUser.AssumedRoleId, aws.ToString(id.UserId))
	require.Equal(t, member, aws.ToString(id.Account))
}

func TestOrganizationUnitsAndServiceControlPolicies(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	orgs := organizations.NewFromConfig(s.rootConfig())
	member := memberAccount(t, s, "workload", "workload@example.com")
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
