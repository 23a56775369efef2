package iam

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

func (f *fixture) allowed(t *testing.T, c *actor.Caller, action, resource string) bool {
	t.Helper()
	d, err := f.svc.Authorize(context.Background(), c, actor.Request{Action: action, Resource: resource})
	require.NoError(t, err)
	return d.Allowed
}

func TestAuthorizeIdentityPolicies(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	obj := "arn:aws:s3:::logs/a.json"

	require.False(t, f.allowed(t, alice, "s3:GetObject", obj), "no policy: implicit deny")
	require.True(t, f.allowed(t, f.root, "s3:GetObject", obj), "root has every permission of its account")

	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "read", allowDoc("s3:Get*", "arn:aws:s3:::logs/*")))
	require.True(t, f.allowed(t, alice, "s3:GetObject", obj))
	require.False(t, f.allowed(t, alice, "s3:PutObject", obj))

	// A managed policy, then a newer default version that adds PutObject.
	p, err := f.svc.CreatePolicy(ctx, f.root, CreatePolicyInput{Name: "Writer", Document: allowDoc("s3:ListBucket", "*")})
	require.NoError(t, err)
	require.NoError(t, f.svc.AttachPolicy(ctx, f.root, KindUser, "alice", p.ARN()))
	require.False(t, f.allowed(t, alice, "s3:PutObject", obj))
	v, err := f.svc.CreatePolicyVersion(ctx, f.root, p.ARN(), allowDoc("s3:PutObject", "*"), true)
	require.NoError(t, err)
	require.Equal(t, "v2", v.ID)
	require.True(t, f.allowed(t, alice, "s3:PutObject", obj))
	require.NoError(t, f.svc.SetDefaultPolicyVersion(ctx, f.root, p.ARN(), "v1"))
	require.False(t, f.allowed(t, alice, "s3:PutObject", obj))

	// A boundary that allows only reads limits what the policies grant.
	require.NoError(t, f.svc.SetDefaultPolicyVersion(ctx, f.root, p.ARN(), "v2"))
	b, err := f.svc.CreatePolicy(ctx, f.root, CreatePolicyInput{Name: "ReadOnlyBoundary", Document: allowDoc("s3:Get*", "*")})
	require.NoError(t, err)
	require.NoError(t, f.svc.PutPermissionsBoundary(ctx, f.root, KindUser, "alice", b.ARN()))
	require.True(t, f.allowed(t, alice, "s3:GetObject", obj))
	d, err := f.svc.Authorize(ctx, alice, actor.Request{Action: "s3:PutObject", Resource: obj})
	require.NoError(t, err)
	require.False(t, d.Allowed)
	require.Contains(t, actor.DenyMessage(alice, "s3:PutObject", obj, d), "because no permissions boundary allows the s3:PutObject action")
	require.NoError(t, f.svc.DeletePermissionsBoundary(ctx, f.root, KindUser, "alice"))
	require.True(t, f.allowed(t, alice, "s3:PutObject", obj))

	// An explicit deny wins and is named.
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "deny",
		`{"Version":"2012-10-17","Statement":[{"Sid":"NoPut","Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}`))
	d, err = f.svc.Authorize(ctx, alice, actor.Request{Action: "s3:PutObject", Resource: obj})
	require.NoError(t, err)
	require.Contains(t, d.Reason, `statement "NoPut" in the inline policy "deny" of user/alice`)
	require.Contains(t, actor.DenyMessage(alice, "s3:PutObject", obj, d), "with an explicit deny in an identity-based policy")

	// Policies in use cannot be deleted.
	requireCode(t, f.svc.DeletePolicy(ctx, f.root, p.ARN()), "DeleteConflict", "attached to entities")
	requireCode(t, f.svc.DeleteUser(ctx, f.root, "alice"), "DeleteConflict", "must delete policies first")
}

func TestPrincipalTags(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "team",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::lake-${aws:PrincipalTag/team}/*"}]}`))
	require.False(t, f.allowed(t, alice, "s3:GetObject", "arn:aws:s3:::lake-blue/x"))
	require.NoError(t, f.svc.TagEntity(ctx, f.root, KindUser, "alice", []actor.Tag{{Key: "team", Value: "blue"}}))
	require.True(t, f.allowed(t, alice, "s3:GetObject", "arn:aws:s3:::lake-blue/x"))
	require.False(t, f.allowed(t, alice, "s3:GetObject", "arn:aws:s3:::lake-red/x"))
	require.NoError(t, f.svc.UntagEntity(ctx, f.root, KindUser, "alice", []string{"TEAM"}))
	tags, err := f.svc.EntityTags(ctx, f.root, KindUser, "alice")
	require.NoError(t, err)
	require.Empty(t, tags)
}

// TestResourceAccountKey: aws:ResourceAccount is the account that owns the resource (the caller's when the service
// names none), as the replication role policy of Security Lake's documentation uses it.
func TestResourceAccountKey(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "own", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:ResourceAccount":["`+alice.Account+`"]}}}]}`))
	obj := "arn:aws:s3:::logs/a.json"
	require.True(t, f.allowed(t, alice, "s3:GetObject", obj), "the caller's own resource")
	d, err := f.svc.Authorize(ctx, alice, actor.Request{Action: "s3:GetObject", Resource: obj, ResourceAccount: "999988887777"})
	require.NoError(t, err)
	require.False(t, d.Allowed, "another account's resource")
}

func TestIAMActionsAreAuthorized(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	_, err := f.svc.CreateRole(ctx, alice, CreateRoleInput{Name: "R", TrustPolicy: trustAccount})
	requireCode(t, err, "AccessDenied", "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::111122223333:role/R because no identity-based policy allows the iam:CreateRole action")

	require.NoError(t, f.svc.AttachPolicy(ctx, f.root, KindUser, "alice", "arn:aws:iam::aws:policy/IAMFullAccess"))
	_, err = f.svc.CreateRole(ctx, alice, CreateRoleInput{Name: "R", TrustPolicy: trustAccount})
	require.NoError(t, err)

	// A GetSessionToken session may not call IAM.
	gst := *alice
	gst.Session = &actor.Session{}
	_, err = f.svc.GetRole(ctx, &gst, "R")
	requireCode(t, err, "InvalidClientTokenId", "The security token included in the request is invalid")
}

func TestInlinePolicyLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice")
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("A", 1000) + `","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "one", big))
	requireCode(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "two", big), "LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user alice")
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "one", big), "replacing a policy counts it once")
	requireCode(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "x", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`),
		"MalformedPolicyDocument", "Policy statement must contain resources.")
	requireCode(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "x", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`),
		"MalformedPolicyDocument", "Policy document should not specify a principal.")

	_, err := f.svc.GetInlinePolicy(ctx, f.root, KindUser, "alice", "nope")
	requireCode(t, err, "NoSuchEntity", "The user policy with name nope cannot be found.")
	names, _, err := f.svc.ListInlinePolicies(ctx, f.root, KindUser, "alice", ListInput{})
	require.NoError(t, err)
	require.Equal(t, []string{"one"}, names)
}

func TestManagedPolicyVersions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.svc.CreatePolicy(ctx, f.root, CreatePolicyInput{Name: "P", Path: "/lake/", Document: allowDoc("s3:GetObject", "*")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::111122223333:policy/lake/P", p.ARN())
	for i := 2; i <= MaxPolicyVersions; i++ {
		_, err := f.svc.CreatePolicyVersion(ctx, f.root, p.ARN(), allowDoc("s3:GetObject", "*"), false)
		require.NoError(t, err)
	}
	_, err = f.svc.CreatePolicyVersion(ctx, f.root, p.ARN(), allowDoc("s3:GetObject", "*"), false)
	requireCode(t, err, "LimitExceeded", "up to 5 versions")
	requireCode(t, f.svc.DeletePolicyVersion(ctx, f.root, p.ARN(), "v1"), "DeleteConflict", "Cannot delete the default version of a policy.")
	requireCode(t, f.svc.DeletePolicy(ctx, f.root, p.ARN()), "DeleteConflict", "more than one version")
	vs, err := f.svc.ListPolicyVersions(ctx, f.root, p.ARN())
	require.NoError(t, err)
	require.Equal(t, "v5", vs[0].ID)
	require.True(t, vs[len(vs)-1].Default)
	for _, v := range vs[:len(vs)-1] {
		require.NoError(t, f.svc.DeletePolicyVersion(ctx, f.root, p.ARN(), v.ID))
	}
	_, err = f.svc.CreatePolicyVersion(ctx, f.root, p.ARN(), allowDoc("s3:GetObject", "*"), false)
	require.NoError(t, err)
	v, err := f.svc.GetPolicyVersion(ctx, f.root, p.ARN(), "v6")
	require.NoError(t, err, "version IDs are never reused")
	require.False(t, v.Default)
	require.NoError(t, f.svc.DeletePolicyVersion(ctx, f.root, p.ARN(), "v6"))
	require.NoError(t, f.svc.DeletePolicy(ctx, f.root, p.ARN()))
	_, err = f.svc.GetPolicy(ctx, f.root, p.ARN())
	requireCode(t, err, "NoSuchEntity", "was not found")

	_, err = f.svc.CreatePolicy(ctx, f.root, CreatePolicyInput{Name: "Big", Document: `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("A", 6200) + `","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`})
	requireCode(t, err, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
	requireCode(t, f.svc.AttachPolicy(ctx, f.root, KindRole, "nobody", "arn:aws:iam::aws:policy/AdministratorAccess"), "NoSuchEntity", "role with name nobody")
	f.user(t, "alice")
	requireCode(t, f.svc.AttachPolicy(ctx, f.root, KindUser, "alice", "arn:aws:iam::aws:policy/NoSuch"), "NoSuchEntity", "does not exist or is not attachable")

	all, _, err := f.svc.ListPolicies(ctx, f.root, ListPoliciesInput{Scope: "AWS"})
	require.NoError(t, err)
	require.NotEmpty(t, all)
	require.NoError(t, f.svc.AttachPolicy(ctx, f.root, KindUser, "alice", "arn:aws:iam::aws:policy/AdministratorAccess"))
	attached, _, err := f.svc.ListPolicies(ctx, f.root, ListPoliciesInput{OnlyAttached: true})
	require.NoError(t, err)
	require.Len(t, attached, 1)
	require.Equal(t, 1, attached[0].AttachmentCount)
	ents, err := f.svc.ListEntitiesForPolicy(ctx, f.root, "arn:aws:iam::aws:policy/AdministratorAccess", "", "")
	require.NoError(t, err)
	require.Equal(t, "alice", ents.Users[0].Name)
}

// TestChangesReachEveryNode checks the gathered-policy cache: a second service on the same store (another
// node) sees a policy change made through the first at its next decision.
func TestChangesReachEveryNode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// Both nodes re-read the change counter on every decision here; by default they do at most every
	// DefaultGenerationPoll, which bounds how late a change made elsewhere may arrive.
	other := New(Config{Store: f.svc.store, Seal: f.svc.seal, Clock: f.clock, Rand: f.svc.rand, GenerationPoll: time.Nanosecond})
	f.svc.gen.poll = time.Nanosecond
	alice := f.user(t, "alice")
	allowed := func(s *Service) bool {
		d, err := s.Authorize(ctx, alice, actor.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
		require.NoError(t, err)
		return d.Allowed
	}
	require.False(t, allowed(other))
	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "read", allowDoc("s3:GetObject", "*")))
	require.True(t, allowed(other))
	require.True(t, allowed(f.svc))
	require.NoError(t, other.DeleteInlinePolicy(ctx, f.root, KindUser, "alice", "read"))
	require.False(t, allowed(f.svc))
}
