package iam

import (
	"context"
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

// benchUser is a user with two inline policies, two attached managed policies and a boundary, as a lake
// analyst might have.
func benchUser(b *testing.B) (*fixture, *actor.Caller) {
	f := newFixture(b)
	ctx := context.Background()
	alice := f.user(b, "alice")
	require.NoError(b, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "lake", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::aws-security-data-lake-*","arn:aws:s3:::aws-security-data-lake-*/*"]},
		{"Sid":"Keys","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"}}}]}`))
	require.NoError(b, f.svc.PutInlinePolicy(ctx, f.root, KindUser, "alice", "deny", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`))
	for _, arn := range []string{"arn:aws:iam::aws:policy/IAMReadOnlyAccess", "arn:aws:iam::aws:policy/AmazonSQSFullAccess"} {
		require.NoError(b, f.svc.AttachPolicy(ctx, f.root, KindUser, "alice", arn))
	}
	require.NoError(b, f.svc.PutPermissionsBoundary(ctx, f.root, KindUser, "alice", "arn:aws:iam::aws:policy/PowerUserAccess"))
	alice.SourceIP = "203.0.113.9"
	return f, alice
}

// BenchmarkAuthorizeUser measures one authorization of a user: its policies gathered from the store (SQLite)
// and evaluated.
func BenchmarkAuthorizeUser(b *testing.B) {
	f, alice := benchUser(b)
	ctx := context.Background()
	req := actor.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::aws-security-data-lake-us-east-1-x/aws/x.parquet"}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d, err := f.svc.Authorize(ctx, alice, req)
			if err != nil || !d.Allowed {
				b.Fatalf("authorize: %v %v", err, d.Reason)
			}
		}
	})
}

// BenchmarkAuthenticateSession measures authenticating temporary credentials (key lookup, constant-time
// token check, secret unsealing).
func BenchmarkAuthenticateSession(b *testing.B) {
	f, alice := benchUser(b)
	ctx := context.Background()
	creds, err := f.svc.GetSessionToken(ctx, alice, 0)
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.svc.Authenticate(ctx, creds.AccessKeyID, creds.SessionToken); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAssumeRole measures AssumeRole in the domain: trust evaluation, identity policies of the caller,
// and one durable write of the new credentials.
func BenchmarkAssumeRole(b *testing.B) {
	f, alice := benchUser(b)
	ctx := context.Background()
	_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "Subscriber", TrustPolicy: trustUser("alice", `,"Condition":{"StringEquals":{"sts:ExternalId":"ext-1234"}}`)})
	require.NoError(b, err)
	in := AssumeRoleInput{RoleARN: "arn:aws:iam::111122223333:role/Subscriber", SessionName: "bench", ExternalID: "ext-1234"}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.svc.AssumeRole(ctx, alice, in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
