package kms

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAliases(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		a, b := e.createKey(t, ""), e.createKey(t, "")
		root := rootOf(acct)
		require.NoError(t, e.svc.CreateAlias(ctx, root, "alias/SecurityLake-S3-Key", a.KeyID))
		require.NoError(t, e.svc.CreateAlias(ctx, root, "alias/other", b.ARN))

		err := e.svc.CreateAlias(ctx, root, "alias/SecurityLake-S3-Key", b.KeyID)
		require.Equal(t, "AlreadyExistsException", code(t, err))
		require.Equal(t, "An alias with the name arn:aws:kms:us-east-1:"+acct+":alias/SecurityLake-S3-Key already exists", message(t, err))
		for name, c := range map[string]string{
			"SecurityLake":    "ValidationException",
			"alias/aws/s3":    "NotAuthorizedException",
			"alias/has space": "ValidationException",
			"":                "ValidationException",
		} {
			err := e.svc.CreateAlias(ctx, root, name, a.KeyID)
			require.Equal(t, c, code(t, err), name)
		}
		err = e.svc.CreateAlias(ctx, root, "SecurityLake", a.KeyID)
		require.Equal(t, `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`, message(t, err))
		err = e.svc.CreateAlias(ctx, root, "alias/x", "alias/other")
		require.Equal(t, "NotFoundException", code(t, err), "an alias cannot target an alias")

		// Encrypting by alias ARN, as the Security Lake guide's update-data-lake example names the key.
		enc, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: "arn:aws:kms:us-east-1:" + acct + ":alias/SecurityLake-S3-Key", Plaintext: []byte("x")})
		require.NoError(t, err)
		require.Equal(t, a.ARN, enc.KeyARN)

		require.NoError(t, e.svc.UpdateAlias(ctx, root, "alias/SecurityLake-S3-Key", b.KeyID))
		md, err := e.svc.DescribeKey(ctx, root, "alias/SecurityLake-S3-Key")
		require.NoError(t, err)
		require.Equal(t, b.ARN, md.ARN)

		p, err := e.svc.ListAliases(ctx, root, "", 0, "")
		require.NoError(t, err)
		var names []string
		for _, al := range p.Items {
			names = append(names, al.AliasName+"→"+al.TargetKeyID)
		}
		// The predefined alias of S3's AWS managed key is listed, without a key until S3 first uses it.
		require.Equal(t, []string{"alias/SecurityLake-S3-Key→" + b.KeyID, "alias/aws/s3→", "alias/other→" + b.KeyID}, names)
		p, err = e.svc.ListAliases(ctx, root, a.KeyID, 0, "")
		require.NoError(t, err)
		require.Empty(t, p.Items)

		require.NoError(t, e.svc.DeleteAlias(ctx, root, "alias/other"))
		err = e.svc.DeleteAlias(ctx, root, "alias/other")
		require.Equal(t, "NotFoundException", code(t, err))
		p, err = e.svc.ListAliases(ctx, root, b.ARN, 0, "")
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
		require.Equal(t, "arn:aws:kms:us-east-1:"+acct+":alias/SecurityLake-S3-Key", p.Items[0].AliasARN)
	})
}

func TestAliasConditionKeys(t *testing.T) {
	e := newTestEnv(t)
	// Root may use the key only when it names it by the alias (kms:RequestAlias); anyone with the key's
	// alias may describe it (kms:ResourceAliases).
	doc := `{"Version":"2012-10-17","Statement":[
	  {"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"NotAction":["kms:Encrypt","kms:DescribeKey"],"Resource":"*"},
	  {"Sid":"ByAlias","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:Encrypt","Resource":"*",
	   "Condition":{"StringEquals":{"kms:RequestAlias":"alias/app"}}},
	  {"Sid":"Tagged","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:DescribeKey","Resource":"*",
	   "Condition":{"ForAnyValue:StringLike":{"kms:ResourceAliases":"alias/app*"}}}]}`
	md := e.createKey(t, doc)
	root := rootOf(acct)
	_, err := e.svc.DescribeKey(ctx, root, md.KeyID)
	require.Equal(t, "AccessDeniedException", code(t, err))
	require.NoError(t, e.svc.CreateAlias(ctx, root, "alias/app", md.KeyID))
	_, err = e.svc.DescribeKey(ctx, root, md.KeyID)
	require.NoError(t, err)
	_, err = e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x")})
	require.Equal(t, "AccessDeniedException", code(t, err))
	require.True(t, strings.Contains(message(t, err), "kms:RequestAlias"), message(t, err))
	_, err = e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: "alias/app", Plaintext: []byte("x")})
	require.NoError(t, err)
}
