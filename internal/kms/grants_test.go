package kms

import (
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

func TestGrants(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		// A key only the administrator (root) may use: users need grants.
		md := e.createKey(t, "")
		root := rootOf(acct)
		bob := sessionOf(acct, "Processor", "job-1")
		bobRole := "arn:aws:iam::" + acct + ":role/Processor"
		ec := map[string]string{"tenant": "a", "stage": "raw"}
		enc, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x"), EncryptionContext: ec})
		require.NoError(t, err)
		decrypt := func(c *actor.Caller, ec map[string]string, tokens ...string) error {
			_, err := e.svc.Decrypt(ctx, c, DecryptRequest{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, GrantTokens: tokens})
			return err
		}
		require.Equal(t, "AccessDeniedException", code(t, decrypt(bob, ec)))

		g, err := e.svc.CreateGrant(ctx, root, CreateGrantRequest{KeyID: md.ARN, GranteePrincipal: bobRole, RetiringPrincipal: actor.RootARN(acct),
			Operations: []string{"Decrypt", "RetireGrant"}, Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "a"}}, Name: "processor"})
		require.NoError(t, err)
		require.Regexp(t, `^[0-9a-f]{64}$`, g.GrantID)
		require.NoError(t, decrypt(bob, ec), "the role's sessions are the grantee")
		require.NoError(t, decrypt(bob, ec, g.GrantToken), "with the token too")
		require.Equal(t, "InvalidGrantTokenException", code(t, decrypt(bob, ec, g.GrantToken+"x")))
		// Constraints hold, and other operations are not granted.
		enc2, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x"), EncryptionContext: map[string]string{"tenant": "b"}})
		require.NoError(t, err)
		_, err = e.svc.Decrypt(ctx, bob, DecryptRequest{CiphertextBlob: enc2.CiphertextBlob, EncryptionContext: map[string]string{"tenant": "b"}})
		require.Equal(t, "AccessDeniedException", code(t, err))
		_, err = e.svc.Encrypt(ctx, bob, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x"), EncryptionContext: ec})
		require.Equal(t, "AccessDeniedException", code(t, err))

		// The same name and parameters give the same grant.
		again, err := e.svc.CreateGrant(ctx, root, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: bobRole, RetiringPrincipal: actor.RootARN(acct),
			Operations: []string{"RetireGrant", "Decrypt"}, Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "a"}}, Name: "processor"})
		require.NoError(t, err)
		require.Equal(t, g.GrantID, again.GrantID)
		require.NotEqual(t, g.GrantToken, again.GrantToken)

		list, err := e.svc.ListGrants(ctx, root, ListGrantsRequest{KeyID: md.KeyID})
		require.NoError(t, err)
		require.Len(t, list.Items, 1)
		got := list.Items[0]
		require.Equal(t, &Grant{KeyARN: md.ARN, GrantID: g.GrantID, Name: "processor", Created: testTime, Grantee: bobRole, Retiring: actor.RootARN(acct),
			Issuing: actor.RootARN(acct), Operations: []string{"Decrypt", "RetireGrant"}, Constraints: &GrantConstraints{EncryptionContextSubset: map[string]string{"tenant": "a"}}}, got)
		retirable, err := e.svc.ListRetirableGrants(ctx, root, ListRetirableGrantsRequest{RetiringPrincipal: actor.RootARN(acct)})
		require.NoError(t, err)
		require.Len(t, retirable.Items, 1)

		// The grantee retires it with its token (the grant allows RetireGrant); then it no longer allows anything.
		require.NoError(t, e.svc.RetireGrant(ctx, bob, RetireGrantRequest{GrantToken: g.GrantToken}))
		require.Equal(t, "AccessDeniedException", code(t, decrypt(bob, ec)))
		err = e.svc.RetireGrant(ctx, bob, RetireGrantRequest{GrantToken: g.GrantToken})
		require.Equal(t, "NotFoundException", code(t, err))
		retirable, err = e.svc.ListRetirableGrants(ctx, root, ListRetirableGrantsRequest{RetiringPrincipal: actor.RootARN(acct)})
		require.NoError(t, err)
		require.Empty(t, retirable.Items)
	})
}

func TestGrantRules(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	root := rootOf(acct)
	alice := userOf(acct, "alice")
	cases := []struct {
		in   CreateGrantRequest
		code string
	}{
		{CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: "not a principal", Operations: []string{"Decrypt"}}, "InvalidArnException"},
		{CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Sign"}}, "ValidationException"},
		{CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Fly"}}, "ValidationException"},
		{CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN}, "ValidationException"},
		{CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Decrypt"}, Name: "bad name"}, "ValidationException"},
		{CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Decrypt"}, DryRun: true}, "DryRunOperationException"},
		{CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Decrypt"}, GrantTokens: []string{"bogus"}}, "InvalidGrantTokenException"},
	}
	for _, c := range cases {
		_, err := e.svc.CreateGrant(ctx, root, c.in)
		require.Equal(t, c.code, code(t, err), "%+v: %v", c.in, err)
	}

	// A grant that allows CreateGrant lets its grantee pass on no more than it has.
	g, err := e.svc.CreateGrant(ctx, root, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Decrypt", "CreateGrant"},
		Constraints: &GrantConstraints{EncryptionContextEquals: map[string]string{"k": "v"}}})
	require.NoError(t, err)
	carol := "arn:aws:iam::" + acct + ":user/carol"
	_, err = e.svc.CreateGrant(ctx, alice, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: carol, Operations: []string{"Decrypt"},
		Constraints: &GrantConstraints{EncryptionContextEquals: map[string]string{"k": "v"}}})
	require.NoError(t, err)
	_, err = e.svc.CreateGrant(ctx, alice, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: carol, Operations: []string{"Decrypt"}})
	require.Equal(t, "AccessDeniedException", code(t, err), "unconstrained is less strict")
	_, err = e.svc.CreateGrant(ctx, alice, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: carol, Operations: []string{"Encrypt"},
		Constraints: &GrantConstraints{EncryptionContextEquals: map[string]string{"k": "v"}}})
	require.Equal(t, "AccessDeniedException", code(t, err), "an operation the parent lacks")

	// Revoke needs key permission; others may not retire.
	err = e.svc.RetireGrant(ctx, userOf(acct, "mallory"), RetireGrantRequest{KeyID: md.KeyID, GrantID: g.GrantID})
	require.Equal(t, "AccessDeniedException", code(t, err))
	err = e.svc.RevokeGrant(ctx, alice, md.KeyID, g.GrantID, false)
	require.Equal(t, "AccessDeniedException", code(t, err))
	require.NoError(t, e.svc.RevokeGrant(ctx, root, md.KeyID, g.GrantID, false))
	err = e.svc.RevokeGrant(ctx, root, md.KeyID, g.GrantID, false)
	require.Equal(t, "NotFoundException", code(t, err))
	err = e.svc.RevokeGrant(ctx, root, md.KeyID, "xyz", false)
	require.Equal(t, "InvalidGrantIdException", code(t, err))

	// Grants on a disabled key cannot be created.
	require.NoError(t, e.svc.DisableKey(ctx, root, md.KeyID))
	_, err = e.svc.CreateGrant(ctx, root, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: alice.ARN, Operations: []string{"Decrypt"}})
	require.Equal(t, "DisabledException", code(t, err))
}

func TestGrantGranteeMustExist(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.Principals = directory{acct: true} })
	md := e.createKey(t, "")
	_, err := e.svc.CreateGrant(ctx, rootOf(acct), CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: "arn:aws:iam::" + acct + ":role/Nobody", Operations: []string{"Decrypt"}})
	require.Equal(t, "InvalidArnException", code(t, err))
	require.Equal(t, "ARN does not refer to a valid principal: arn:aws:iam::"+acct+":role/Nobody", message(t, err))
	_, err = e.svc.CreateGrant(ctx, rootOf(acct), CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: acct, Operations: []string{"Decrypt"}})
	require.NoError(t, err)
}

func TestServicePrincipalGrant(t *testing.T) {
	e := newTestEnv(t)
	md := e.createKey(t, "")
	root := rootOf(acct)
	ct := serviceOf("cloudtrail.amazonaws.com")
	req := CreateGrantRequest{KeyID: md.KeyID, GranteeServicePrincipal: "cloudtrail.amazonaws.com", Operations: []string{"GenerateDataKey"}}
	_, err := e.svc.CreateGrant(ctx, root, req)
	require.Equal(t, "A grant to a service principal needs a SourceArn constraint.", message(t, err))
	req.Constraints = &GrantConstraints{SourceArn: trailARN}
	_, err = e.svc.CreateGrant(ctx, root, req)
	require.Equal(t, "A grant to a service principal needs a retiring principal.", message(t, err))
	req.RetiringPrincipal = acct
	_, err = e.svc.CreateGrant(ctx, root, req)
	require.NoError(t, err)

	_, err = e.svc.GenerateDataKey(ctx, withSource(ct, trailARN, acct), DataKeyRequest{KeyID: md.ARN})
	require.NoError(t, err)
	_, err = e.svc.GenerateDataKey(ctx, withSource(ct, trailARN+"-other", acct), DataKeyRequest{KeyID: md.ARN})
	require.Equal(t, "AccessDeniedException", code(t, err))
	_, err = e.svc.GenerateDataKey(ctx, withSource(serviceOf("delivery.logs.amazonaws.com"), trailARN, acct), DataKeyRequest{KeyID: md.ARN})
	require.Equal(t, "AccessDeniedException", code(t, err))

	p, err := e.svc.ListGrants(ctx, root, ListGrantsRequest{KeyID: md.KeyID, GranteeServicePrincipal: "cloudtrail.amazonaws.com"})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	require.True(t, p.Items[0].GranteeIsService)
	require.Equal(t, trailARN, p.Items[0].Constraints.SourceArn)
}
