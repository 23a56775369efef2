package kms

import (
	"testing"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

// TestConditionKeys checks each KMS condition key against a key policy that allows the action only under
// the condition (and everything else to the administrator), for a request that meets it and one that does
// not.
func TestConditionKeys(t *testing.T) {
	root := rootOf(acct)
	n := func(v int) *int { return &v }
	cases := []struct {
		name, action, condition string
		principal               string // default: the account
		ok, bad                 func(e *testEnv, md *KeyMetadata) error
	}{
		{name: "kms:RotationPeriodInDays", action: "kms:EnableKeyRotation",
			condition: `{"NumericLessThanEquals":{"kms:RotationPeriodInDays":"180"}}`,
			ok:        func(e *testEnv, md *KeyMetadata) error { return e.svc.EnableKeyRotation(ctx, root, md.KeyID, n(180)) },
			bad:       func(e *testEnv, md *KeyMetadata) error { return e.svc.EnableKeyRotation(ctx, root, md.KeyID, nil) }},
		{name: "kms:ScheduleKeyDeletionPendingWindowInDays", action: "kms:ScheduleKeyDeletion",
			condition: `{"NumericGreaterThanEquals":{"kms:ScheduleKeyDeletionPendingWindowInDays":"14"}}`,
			ok: func(e *testEnv, md *KeyMetadata) error {
				_, err := e.svc.ScheduleKeyDeletion(ctx, root, md.KeyID, n(30))
				return err
			},
			bad: func(e *testEnv, md *KeyMetadata) error {
				_, err := e.svc.ScheduleKeyDeletion(ctx, root, md.KeyID, n(7))
				return err
			}},
		{name: "kms:GrantOperations", action: "kms:CreateGrant",
			condition: `{"ForAllValues:StringEquals":{"kms:GrantOperations":["Decrypt","Encrypt"]}}`,
			ok:        grantWith([]string{"Decrypt"}, root),
			bad:       grantWith([]string{"Decrypt", "GenerateDataKey"}, root)},
		{name: "kms:GrantIsForAWSResource", action: "kms:CreateGrant",
			condition: `{"Bool":{"kms:GrantIsForAWSResource":"true"}}`,
			ok:        grantWith([]string{"Decrypt"}, via(root, "s3.amazonaws.com")),
			bad:       grantWith([]string{"Decrypt"}, root)},
		{name: "kms:GranteePrincipal", action: "kms:CreateGrant",
			condition: `{"StringLike":{"kms:GranteePrincipal":"arn:aws:iam::` + acct + `:role/*"}}`,
			ok:        grantWith([]string{"Decrypt"}, root),
			bad: func(e *testEnv, md *KeyMetadata) error {
				_, err := e.svc.CreateGrant(ctx, root, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: acct, Operations: []string{"Decrypt"}})
				return err
			}},
		{name: "kms:CallerAccount", action: "kms:Encrypt", principal: `"*"`,
			condition: `{"StringEquals":{"kms:CallerAccount":"` + acct + `"}}`,
			ok:        encryptAs(userOf(acct, "anyone"), nil),
			bad:       encryptAs(serviceOf("s3.amazonaws.com"), nil)}, // "*" names it too, but it has no account
		{name: "kms:EncryptionContextKeys", action: "kms:Encrypt",
			condition: `{"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":"tenant"}}`,
			ok:        encryptAs(root, map[string]string{"tenant": "a", "x": "y"}),
			bad:       encryptAs(root, map[string]string{"x": "y"})},
		{name: "kms:EncryptionContext key case", action: "kms:Encrypt",
			condition: `{"StringEquals":{"KMS:ENCRYPTIONCONTEXT:Tenant":"a"}}`,
			ok:        encryptAs(root, map[string]string{"tenant": "a"}),
			bad:       encryptAs(root, map[string]string{"tenant": "A"})},
		{name: "kms:ViaService", action: "kms:Encrypt",
			condition: `{"StringEquals":{"kms:ViaService":"sqs.us-east-1.amazonaws.com"}}`,
			ok:        encryptAs(via(root, "sqs.amazonaws.com"), nil),
			bad:       encryptAs(via(root, "s3.amazonaws.com"), nil)},
		{name: "aws:ResourceTag", action: "kms:Encrypt",
			condition: `{"StringEquals":{"aws:ResourceTag/env":"prod"}}`,
			ok: func(e *testEnv, md *KeyMetadata) error {
				if err := e.svc.TagResource(ctx, root, md.KeyID, []Tag{{"env", "prod"}}); err != nil {
					return err
				}
				return encryptAs(root, nil)(e, md)
			},
			bad: encryptAs(root, nil)},
		{name: "kms:BypassPolicyLockoutSafetyCheck", action: "kms:PutKeyPolicy",
			condition: `{"Bool":{"kms:BypassPolicyLockoutSafetyCheck":"false"}}`,
			ok: func(e *testEnv, md *KeyMetadata) error {
				return e.svc.PutKeyPolicy(ctx, root, md.KeyID, "", e.policyOf(t, md), false)
			},
			bad: func(e *testEnv, md *KeyMetadata) error {
				return e.svc.PutKeyPolicy(ctx, root, md.KeyID, "", e.policyOf(t, md), true)
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			principal := c.principal
			if principal == "" {
				principal = `{"AWS":"arn:aws:iam::` + acct + `:root"}`
			}
			doc := `{"Version":"2012-10-17","Statement":[
			  {"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"NotAction":"` + c.action + `","Resource":"*"},
			  {"Sid":"Conditional","Effect":"Allow","Principal":` + principal + `,"Action":"` + c.action + `","Resource":"*","Condition":` + c.condition + `}]}`
			mk := func() (*testEnv, *KeyMetadata) {
				e := newTestEnv(t)
				return e, e.createKey(t, doc)
			}
			e, md := mk()
			err := c.bad(e, md)
			require.Equal(t, "AccessDeniedException", code(t, err), "%v", err)
			e, md = mk()
			require.NoError(t, c.ok(e, md))
		})
	}
}

func grantWith(ops []string, c *actor.Caller) func(*testEnv, *KeyMetadata) error {
	return func(e *testEnv, md *KeyMetadata) error {
		_, err := e.svc.CreateGrant(ctx, c, CreateGrantRequest{KeyID: md.ARN, GranteePrincipal: "arn:aws:iam::" + acct + ":role/Worker", Operations: ops})
		return err
	}
}

func encryptAs(c *actor.Caller, ec map[string]string) func(*testEnv, *KeyMetadata) error {
	return func(e *testEnv, md *KeyMetadata) error {
		_, err := e.svc.Encrypt(ctx, c, EncryptRequest{KeyID: md.ARN, Plaintext: []byte("x"), EncryptionContext: ec})
		return err
	}
}

// policyOf returns the key's current policy.
func (e *testEnv) policyOf(t *testing.T, md *KeyMetadata) string {
	doc, err := e.svc.GetKeyPolicy(ctx, rootOf(acct), md.KeyID, "")
	require.NoError(t, err)
	return doc
}
