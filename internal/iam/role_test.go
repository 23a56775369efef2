package iam

import (
	"context"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

func TestRoles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "Auditor", TrustPolicy: trustAccount, Description: "reads logs",
		Tags: []actor.Tag{{Key: "team", Value: "sec"}}})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::111122223333:role/Auditor", r.ARN())
	require.Regexp(t, `^AROA[A-Z2-7]{17}$`, r.ID)
	require.Equal(t, DefaultMaxSessionDuration, r.MaxSessionDuration)

	got, err := f.svc.GetRole(ctx, f.root, "auditor") // names are case-insensitive
	require.NoError(t, err)
	require.Equal(t, r.ID, got.ID)

	_, err = f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "AUDITOR", TrustPolicy: trustAccount})
	requireCode(t, err, "EntityAlreadyExists", "Role with name AUDITOR already exists.")

	_, err = f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "b", TrustPolicy: trustAccount, MaxSessionDuration: 100})
	requireCode(t, err, "ValidationError", "maxSessionDuration")

	for i := 0; i < 3; i++ {
		_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "r" + itoa(i), Path: "/p/", TrustPolicy: trustAccount})
		require.NoError(t, err)
	}
	page, next, err := f.svc.ListRoles(ctx, f.root, ListInput{MaxItems: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"Auditor", "r0"}, roleNames(page))
	require.Equal(t, "r1", next)
	page, next, err = f.svc.ListRoles(ctx, f.root, ListInput{Marker: next, MaxItems: 2})
	require.NoError(t, err)
	require.Equal(t, []string{"r1", "r2"}, roleNames(page))
	require.Empty(t, next)
	page, _, err = f.svc.ListRoles(ctx, f.root, ListInput{PathPrefix: "/p/"})
	require.NoError(t, err)
	require.Len(t, page, 3)

	require.NoError(t, f.svc.PutInlinePolicy(ctx, f.root, KindRole, "Auditor", "logs", allowDoc("s3:GetObject", "*")))
	requireCode(t, f.svc.DeleteRole(ctx, f.root, "Auditor"), "DeleteConflict", "must delete policies first")
	require.NoError(t, f.svc.DeleteInlinePolicy(ctx, f.root, KindRole, "Auditor", "logs"))
	require.NoError(t, f.svc.AttachPolicy(ctx, f.root, KindRole, "Auditor", "arn:aws:iam::aws:policy/IAMReadOnlyAccess"))
	requireCode(t, f.svc.DeleteRole(ctx, f.root, "Auditor"), "DeleteConflict", "must detach all policies first")
	require.NoError(t, f.svc.DetachPolicy(ctx, f.root, KindRole, "Auditor", "arn:aws:iam::aws:policy/IAMReadOnlyAccess"))
	require.NoError(t, f.svc.DeleteRole(ctx, f.root, "Auditor"))
	_, err = f.svc.GetRole(ctx, f.root, "Auditor")
	requireCode(t, err, "NoSuchEntity", "The role with name Auditor cannot be found.")
}

func roleNames(rs []*Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestTrustPolicyValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		name, doc, code, msg string
	}{
		{"principal key typo", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS:":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}`,
			"MalformedPolicyDocument", `did you mean "AWS"?`},
		{"missing role", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Nope"},"Action":"sts:AssumeRole"}]}`,
			"MalformedPolicyDocument", `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/Nope"`},
		{"not a service", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.example.com"},"Action":"sts:AssumeRole"}]}`,
			"MalformedPolicyDocument", `Invalid principal in policy: "Service":"lambda.example.com"`},
		{"resource in trust", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}]}`,
			"MalformedPolicyDocument", "statement 0"},
		{"not json", `{"Version":`, "MalformedPolicyDocument", "This policy contains invalid Json"},
		{"too long", `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("a", 2100) + `","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}`,
			"LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "R", TrustPolicy: tc.doc})
			requireCode(t, err, tc.code, tc.msg)
		})
	}
	_, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "R", TrustPolicy: trustAccount})
	require.NoError(t, err)
	requireCode(t, f.svc.UpdateAssumeRolePolicy(ctx, f.root, "R", cases[0].doc), "MalformedPolicyDocument", "AWS:")
	require.NoError(t, f.svc.UpdateAssumeRolePolicy(ctx, f.root, "R", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"securitylake.amazonaws.com"},"Action":"sts:AssumeRole"}]}`))
}
