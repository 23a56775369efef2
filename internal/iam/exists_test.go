package iam

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam/policy"
)

func TestPrincipalExists(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice")
	r, err := f.svc.CreateRole(ctx, f.root, CreateRoleInput{Name: "Reader", Path: "/team/", TrustPolicy: trustAccount})
	require.NoError(t, err)

	cases := []struct {
		name string
		p    policy.Principal
		want bool
	}{
		{"held account", policy.RootPrincipal(testAccount), true},
		{"account seclake does not hold", policy.RootPrincipal("444455556666"), true},
		{"user", policy.UserPrincipal(alice.ARN, ""), true},
		{"missing user", policy.UserPrincipal("arn:aws:iam::111122223333:user/bob", ""), false},
		{"user of a foreign account", policy.UserPrincipal("arn:aws:iam::444455556666:user/bob", ""), true},
		{"role with path", policy.Principal{Type: policy.Role, Account: testAccount, ARN: r.ARN()}, true},
		{"role without its path", policy.Principal{Type: policy.Role, Account: testAccount, ARN: "arn:aws:iam::111122223333:role/Reader"}, false},
		{"missing role", policy.Principal{Type: policy.Role, Account: testAccount, ARN: "arn:aws:iam::111122223333:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormatinoDataAccess"}, false},
		{"session of a role", policy.Principal{Type: policy.AssumedRole, Account: testAccount, ARN: "arn:aws:sts::111122223333:assumed-role/Reader/anything"}, true},
		{"session of a missing role", policy.Principal{Type: policy.AssumedRole, Account: testAccount, ARN: "arn:aws:sts::111122223333:assumed-role/Nope/x"}, false},
		{"user by unique ID", policy.Principal{Type: policy.IAMUser, ID: alice.ID}, true},
		{"role by unique ID", policy.Principal{Type: policy.Role, ID: r.ID}, true},
		{"unknown unique ID", policy.Principal{Type: policy.Role, ID: "AROAUNKNOWNUNKNOWN00"}, false},
		{"service", policy.ServicePrincipal("delivery.logs.amazonaws.com"), true},
		{"not an AWS service", policy.ServicePrincipal("logs.example.com"), false},
		{"public identity provider", policy.Principal{Type: policy.WebIdentity, Provider: "accounts.google.com"}, true},
		{"provider of a held account", policy.Principal{Type: policy.WebIdentity, Provider: "arn:aws:iam::111122223333:saml-provider/corp"}, false},
		{"anonymous", policy.Principal{Type: policy.Anonymous}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.svc.PrincipalExists(ctx, tc.p)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
