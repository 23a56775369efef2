package iam

import (
	"context"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

// signIn authenticates temporary credentials and returns the caller they sign for.
func (f *fixture) signIn(t *testing.T, creds Credentials) *actor.Caller {
	t.Helper()
	cred, err := f.svc.Authenticate(context.Background(), creds.AccessKeyID, creds.SessionToken)
	require.NoError(t, err)
	require.Equal(t, creds.SecretAccessKey, cred.Secret)
	return &actor.Caller{Identity: cred.Identity, Time: f.clock.Now(), Region: "us-east-1"}
}

func trustUser(user, condition string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/` + user +
		`"},"Action":"sts:AssumeRole"` + condition + `}]}`
}

func TestAssumeRoleWithExternalID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "Subscriber", TrustPolicy: trustUser("alice",
		`,"Condition":{"StringEquals":{"sts:ExternalId":"ext-1234"}}`)})
	require.NoError(t, err)
	arn := "arn:aws:iam::111122223333:role/Subscriber"

	for _, ext := range []string{"", "ext-9999"} {
		_, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: arn, SessionName: "s1", ExternalID: ext})
		requireCode(t, err, "AccessDenied", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: sts:AssumeRole on resource: "+arn)
	}
	out, err := f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: arn, SessionName: "s1", ExternalID: "ext-1234"})
	require.NoError(t, err)
	require.Regexp(t, `^ASIA[A-Z2-7]{16}$`, out.Credentials.AccessKeyID)
	require.Equal(t, "arn:aws:sts::111122223333:assumed-role/Subscriber/s1", out.ARN)
	require.Equal(t, f.clock.Now().Add(time.Hour), out.Credentials.Expiration)
	require.Equal(t, -1, out.PackedPolicySize)

	sess := f.signIn(t, out.Credentials)
	require.Equal(t, actor.TypeAssumedRole, sess.Type)
	require.Equal(t, out.ARN, sess.ARN)
	require.Equal(t, out.AssumedRoleID, sess.ID)
	require.Equal(t, "Subscriber", sess.Name)
	require.Equal(t, arn, sess.Session.RoleARN)
}

func TestTemporaryCredentialsAuthentication(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "R", TrustPolicy: trustUser("alice", "")})
	require.NoError(t, err)
	out, err := f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:role/R", SessionName: "s0", DurationSeconds: 900})
	require.NoError(t, err)
	id, tok := out.Credentials.AccessKeyID, out.Credentials.SessionToken

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"no token", "", ErrBadToken},
		{"another token", tok[:len(tok)-4] + "AAAA", ErrBadToken},
		{"right token", tok, nil},
	}
	for _, tc := range cases {
		_, err := f.svc.Authenticate(ctx, id, tc.token)
		require.ErrorIs(t, err, tc.want, tc.name)
		if tc.want == nil {
			require.NoError(t, err)
		}
	}
	f.clock.Advance(899 * time.Second)
	_, err = f.svc.Authenticate(ctx, id, tok)
	require.NoError(t, err)
	f.clock.Advance(time.Second)
	_, err = f.svc.Authenticate(ctx, id, tok)
	require.ErrorIs(t, err, ErrExpiredToken)

	n, err := f.svc.PurgeExpiredCredentials(ctx, 0)
	require.NoError(t, err)
	require.Zero(t, n, "expired credentials are kept for a while, to answer ExpiredToken")
	f.clock.Advance(ExpiredRetention + time.Second)
	n, err = f.svc.PurgeExpiredCredentials(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = f.svc.Authenticate(ctx, id, tok)
	require.ErrorIs(t, err, ErrUnknownKey)
}

func TestAssumeRoleRules(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "A", TrustPolicy: trustUser("alice", ""), MaxSessionDuration: 7200})
	require.NoError(t, err)
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindRole, "A", "all", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sts:AssumeRole"],"Resource":"*"}]}`))
	_, err = f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "B", TrustPolicy: trustAccount, MaxSessionDuration: 43200})
	require.NoError(t, err)
	a := "arn:aws:iam::111122223333:role/A"

	_, err = f.svc.AssumeRole(ctx, f.root, AssumeRoleInput{RoleARN: a, SessionName: "s0"})
	requireCode(t, err, "AccessDenied", "Roles may not be assumed by root accounts.")
	_, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: a, SessionName: "s0", DurationSeconds: 7201})
	requireCode(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	_, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:role/Missing", SessionName: "s0"})
	requireCode(t, err, "AccessDenied", "is not authorized to perform: sts:AssumeRole")
	_, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: a, SessionName: "x"[:1]})
	requireCode(t, err, "ValidationError", "roleSessionName")
	_, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: a, SessionName: "s0", Tags: []actor.Tag{{Key: "team", Value: "x"}}})
	requireCode(t, err, "AccessDenied", "sts:TagSession")

	// A session policy narrows the role's permissions.
	out, err := f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: a, SessionName: "s0", DurationSeconds: 7200,
		Policy: allowDoc("s3:GetObject", "*"), PolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonSQSFullAccess"}})
	require.NoError(t, err)
	require.Positive(t, out.PackedPolicySize)
	sess := f.signIn(t, out.Credentials)
	require.True(t, f.allowed(t, sess, "s3:GetObject", "arn:aws:s3:::b/k"))
	require.False(t, f.allowed(t, sess, "s3:PutObject", "arn:aws:s3:::b/k"))
	require.False(t, f.allowed(t, sess, "sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q"), "the role itself does not allow SQS")

	// Role chaining: at most one hour, and the trust policy that names the account needs the caller's allow.
	out, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: a, SessionName: "s2"})
	require.NoError(t, err)
	sess = f.signIn(t, out.Credentials)
	b := "arn:aws:iam::111122223333:role/B"
	_, err = f.svc.AssumeRole(ctx, sess, AssumeRoleInput{RoleARN: b, SessionName: "c0", DurationSeconds: 3601})
	requireCode(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	chained, err := f.svc.AssumeRole(ctx, sess, AssumeRoleInput{RoleARN: b, SessionName: "c0"})
	require.NoError(t, err)
	require.True(t, f.signIn(t, chained.Credentials).Session.Chained)
	_, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: b, SessionName: "c0"})
	requireCode(t, err, "AccessDenied", "because no identity-based policy allows the sts:AssumeRole action")
}

func TestSessionTags(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "T", Tags: []actor.Tag{{Key: "team", Value: "red"}},
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]}]}`})
	require.NoError(t, err)
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindRole, "T", "p",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-${aws:PrincipalTag/team}/*"}]}`))
	arn := "arn:aws:iam::111122223333:role/T"

	out, err := f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: arn, SessionName: "s0"})
	require.NoError(t, err)
	sess := f.signIn(t, out.Credentials)
	require.True(t, f.allowed(t, sess, "s3:GetObject", "arn:aws:s3:::lake-red/x"), "the role's tag")

	out, err = f.svc.AssumeRole(ctx, alice, AssumeRoleInput{RoleARN: arn, SessionName: "s0", SourceIdentity: "alice@corp",
		Tags: []actor.Tag{{Key: "Team", Value: "blue"}}})
	require.NoError(t, err)
	require.Equal(t, "alice@corp", out.SourceIdentity)
	sess = f.signIn(t, out.Credentials)
	require.True(t, f.allowed(t, sess, "s3:GetObject", "arn:aws:s3:::lake-blue/x"), "a session tag overrides the role's")
	require.False(t, f.allowed(t, sess, "s3:GetObject", "arn:aws:s3:::lake-red/x"))
}

func TestGetSessionToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "p", allowDoc("s3:GetObject", "*")))
	creds, err := f.svc.GetSessionToken(ctx, alice, 0)
	require.NoError(t, err)
	require.Equal(t, f.clock.Now().Add(12*time.Hour), creds.Expiration)
	sess := f.signIn(t, *creds)
	require.Equal(t, actor.TypeUser, sess.Type)
	require.Equal(t, alice.ARN, sess.ARN)
	require.True(t, f.allowed(t, sess, "s3:GetObject", "*"), "the user's own permissions")
	_, err = f.svc.GetSessionToken(ctx, sess, 0)
	requireCode(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	_, err = f.svc.GetUser(ctx, sess, "")
	requireCode(t, err, "InvalidClientTokenId", "invalid")

	rootCreds, err := f.svc.GetSessionToken(ctx, f.root, 7200)
	require.NoError(t, err)
	require.Equal(t, f.clock.Now().Add(time.Hour), rootCreds.Expiration, "root sessions last at most an hour")
}

func TestServiceRoleSession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "Delivery",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`})
	require.NoError(t, err)
	arn := "arn:aws:iam::111122223333:role/Delivery"
	_, err = f.svc.ServiceRoleSession(ctx, "delivery.logs.amazonaws.com", arn, "d0", actor.Source{Account: "444455556666"})
	requireCode(t, err, "AccessDenied", "delivery.logs.amazonaws.com is not authorized to perform: sts:AssumeRole")
	_, err = f.svc.ServiceRoleSession(ctx, "events.amazonaws.com", arn, "d0", actor.Source{Account: "111122223333"})
	requireCode(t, err, "AccessDenied", "events.amazonaws.com")
	c, err := f.svc.ServiceRoleSession(ctx, "delivery.logs.amazonaws.com", arn, "d0", actor.Source{Account: "111122223333"})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:sts::111122223333:assumed-role/Delivery/d0", c.ARN)
	require.Equal(t, "delivery.logs.amazonaws.com", c.InvokedBy)
}
