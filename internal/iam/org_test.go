package iam

import (
	"context"
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

// member creates a member account and returns its ID.
func (f *fixture) member(t *testing.T, name, email string) string {
	t.Helper()
	ctx := context.Background()
	st, err := f.svc.CreateAccount(ctx, f.root, CreateAccountInput{Email: email, Name: name})
	require.NoError(t, err)
	require.Equal(t, "IN_PROGRESS", st.State)
	done, err := f.svc.DescribeCreateAccountStatus(ctx, f.root, st.ID)
	require.NoError(t, err)
	require.Equal(t, "SUCCEEDED", done.State, done.FailureReason)
	require.True(t, actor.ValidAccountID(done.AccountID))
	return done.AccountID
}

func TestOrganizationAccounts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	org, err := f.svc.DescribeOrganization(ctx, f.root)
	require.NoError(t, err)
	require.Regexp(t, `^o-[a-z0-9]{10}$`, org.ID)
	require.Equal(t, testAccount, org.ManagementAccount)

	id := f.member(t, "log-source", "logs@example.com")
	st, err := f.svc.CreateAccount(ctx, f.root, CreateAccountInput{Email: "LOGS@example.com", Name: "again"})
	require.NoError(t, err)
	failed, err := f.svc.DescribeCreateAccountStatus(ctx, f.root, st.ID)
	require.NoError(t, err)
	require.Equal(t, "FAILED", failed.State)
	require.Equal(t, "EMAIL_ALREADY_EXISTS", failed.FailureReason)

	accounts, _, err := f.svc.ListAccounts(ctx, f.root, "", "", 0)
	require.NoError(t, err)
	require.Len(t, accounts, 2)
	a, err := f.svc.DescribeAccount(ctx, f.root, id)
	require.NoError(t, err)
	require.Equal(t, "log-source", a.Name)
	_, err = f.svc.DescribeAccount(ctx, f.root, "999999999999")
	requireCode(t, err, "AccountNotFoundException", "doesn't exist")

	// The management account's users assume the member's OrganizationAccountAccessRole; root may not.
	admin := f.user(t, "admin")
	require.NoError(t, f.svc.AttachPolicy(ctx, f.root, KindUser, "admin", "arn:aws:iam::aws:policy/AdministratorAccess"))
	roleARN := "arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"
	out, err := f.svc.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: roleARN, SessionName: "setup"})
	require.NoError(t, err)
	sess := f.signIn(t, out.Credentials)
	require.Equal(t, id, sess.Account)
	require.True(t, f.allowed(t, sess, "iam:CreateUser", "arn:aws:iam::"+id+":user/x"), "the role has AdministratorAccess")
	_, err = f.svc.AssumeRole(ctx, f.user(t, "nobody"), AssumeRoleInput{RoleARN: roleARN, SessionName: "setup"})
	requireCode(t, err, "AccessDenied", "because no identity-based policy allows the sts:AssumeRole action")

	// Members can describe the organization but not list its accounts.
	_, err = f.svc.DescribeOrganization(ctx, sess)
	require.NoError(t, err)
	_, _, err = f.svc.ListAccounts(ctx, sess, "", "", 0)
	requireCode(t, err, "AccessDeniedException", "You don't have permissions to access this resource.")
}

func TestPrincipalOrgID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	org, err := f.svc.DescribeOrganization(ctx, f.root)
	require.NoError(t, err)
	alice := f.user(t, "alice")
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "org",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"`+org.ID+`"}}}]}`))
	require.True(t, f.allowed(t, alice, "s3:GetObject", "arn:aws:s3:::b/k"))
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "org",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-other00000"}}}]}`))
	require.False(t, f.allowed(t, alice, "s3:GetObject", "arn:aws:s3:::b/k"))
}

func TestOrganizationalUnitsAndSCPs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	roots, err := f.svc.ListRoots(ctx, f.root)
	require.NoError(t, err)
	root := roots[0].ID
	ou, err := f.svc.CreateOrganizationalUnit(ctx, f.root, root, "Security")
	require.NoError(t, err)
	_, err = f.svc.CreateOrganizationalUnit(ctx, f.root, root, "security")
	requireCode(t, err, "DuplicateOrganizationalUnitException", "same name")
	id := f.member(t, "audit", "audit@example.com")
	require.NoError(t, f.svc.MoveAccount(ctx, f.root, id, root, ou.ID))
	parents, err := f.svc.ListParents(ctx, f.root, id)
	require.NoError(t, err)
	require.Equal(t, []Parent{{ID: ou.ID, Type: "ORGANIZATIONAL_UNIT"}}, parents)
	requireCode(t, f.svc.DeleteOrganizationalUnit(ctx, f.root, ou.ID), "OrganizationalUnitNotEmptyException", "not empty")

	admin := f.user(t, "admin")
	require.NoError(t, f.svc.AttachPolicy(ctx, f.root, KindUser, "admin", "arn:aws:iam::aws:policy/AdministratorAccess"))
	out, err := f.svc.AssumeRole(ctx, admin, AssumeRoleInput{RoleARN: "arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole", SessionName: "s1"})
	require.NoError(t, err)
	sess := f.signIn(t, out.Credentials)
	require.True(t, f.allowed(t, sess, "s3:DeleteBucket", "arn:aws:s3:::logs"))

	_, err = f.svc.CreateOrgPolicy(ctx, f.root, PolicyTypeSCP, "bad", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`)
	requireCode(t, err, "MalformedPolicyDocumentException", "")
	scp, err := f.svc.CreateOrgPolicy(ctx, f.root, PolicyTypeSCP, "NoDeletes", "", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)
	require.NoError(t, err)
	requireCode(t, f.svc.AttachOrgPolicy(ctx, f.root, scp.ID, ou.ID), "PolicyTypeNotEnabledException", "")
	_, err = f.svc.EnablePolicyType(ctx, f.root, root, PolicyTypeSCP)
	require.NoError(t, err)
	require.True(t, f.allowed(t, sess, "s3:DeleteBucket", "arn:aws:s3:::logs"), "FullAWSAccess is attached everywhere")
	require.NoError(t, f.svc.AttachOrgPolicy(ctx, f.root, scp.ID, ou.ID))
	d, err := f.svc.Authorize(ctx, sess, actor.Request{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::logs"})
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Contains(t, actor.DenyMessage(sess, "s3:DeleteBucket", "arn:aws:s3:::logs", d), "with an explicit deny in a service control policy")
	require.True(t, f.allowed(t, admin, "s3:DeleteBucket", "arn:aws:s3:::logs"), "SCPs do not apply to the management account")

	// Replacing FullAWSAccess on the account with a narrower allow list limits the member.
	narrow, err := f.svc.CreateOrgPolicy(ctx, f.root, PolicyTypeSCP, "OnlyS3", "", allowDoc("s3:*", "*"))
	require.NoError(t, err)
	require.NoError(t, f.svc.AttachOrgPolicy(ctx, f.root, narrow.ID, id))
	requireCode(t, f.svc.DetachOrgPolicy(ctx, f.root, narrow.ID, root), "PolicyNotAttachedException", "")
	require.NoError(t, f.svc.DetachOrgPolicy(ctx, f.root, fullAWSAccess.ID, id))
	requireCode(t, f.svc.DetachOrgPolicy(ctx, f.root, narrow.ID, id), "ConstraintViolationException", "fewer than the minimum")
	require.True(t, f.allowed(t, sess, "s3:GetObject", "arn:aws:s3:::logs/x"))
	d, err = f.svc.Authorize(ctx, sess, actor.Request{Action: "sqs:SendMessage", Resource: "*"})
	require.NoError(t, err)
	require.Contains(t, actor.DenyMessage(sess, "sqs:SendMessage", "*", d), "because no service control policy allows the sqs:SendMessage action")
	requireCode(t, f.svc.DeleteOrgPolicy(ctx, f.root, narrow.ID), "PolicyInUseException", "")
	targets, err := f.svc.ListTargetsForOrgPolicy(ctx, f.root, scp.ID)
	require.NoError(t, err)
	require.Equal(t, "Security", targets[0].Name)
}
