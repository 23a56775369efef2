package kms

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/stretchr/testify/require"
)

const s3Principal = "s3.amazonaws.com"

// s3Context is the encryption context S3 adds for an object.
var s3Context = map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}

// listKeys returns the key IDs of the caller's account and region.
func (e *testEnv) listKeys(t *testing.T, c *actor.Caller) []string {
	t.Helper()
	p, err := e.svc.ListKeys(ctx, c, 0, "")
	require.NoError(t, err)
	var ids []string
	for _, k := range p.Items {
		ids = append(ids, k.KeyID)
	}
	return ids
}

func TestManagedKeyCreatedOnFirstUseThroughS3(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		root, user := rootOf(acct), userOf(acct, "alice")

		// Before first use the predefined alias is listed without a key, and only S3 (or DescribeKey) creates
		// the key: a direct request with the alias finds nothing.
		p, err := e.svc.ListAliases(ctx, root, "", 0, "")
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
		require.Equal(t, &Alias{AliasName: "alias/aws/s3", AliasARN: "arn:aws:kms:us-east-1:" + acct + ":alias/aws/s3"}, p.Items[0])
		_, err = e.svc.GenerateDataKey(ctx, root, DataKeyRequest{KeyID: "alias/aws/s3"})
		require.Equal(t, "NotFoundException", code(t, err))
		require.Equal(t, "Alias arn:aws:kms:us-east-1:"+acct+":alias/aws/s3 is not found.", message(t, err))
		_, err = e.svc.GenerateDataKey(ctx, via(user, "sqs.amazonaws.com"), DataKeyRequest{KeyID: "alias/aws/s3"})
		require.Equal(t, "NotFoundException", code(t, err), "only S3 creates S3's key")
		require.Empty(t, e.listKeys(t, root))

		// S3 writing for any principal of the account: the key is created and used. No IAM policy is needed:
		// the key policy allows every principal of the account through S3.
		dk, err := e.svc.GenerateDataKey(ctx, via(user, s3Principal), DataKeyRequest{KeyID: "alias/aws/s3", EncryptionContext: s3Context})
		require.NoError(t, err)
		ids := e.listKeys(t, root)
		require.Len(t, ids, 1)
		require.Equal(t, keyARN(acct, region, ids[0]), dk.KeyARN)
		dec, err := e.svc.Decrypt(ctx, via(sessionOf(acct, "reader", "s"), s3Principal), DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: s3Context})
		require.NoError(t, err)
		require.Equal(t, dk.Plaintext, dec.Plaintext)

		md, err := e.svc.DescribeKey(ctx, root, "alias/aws/s3")
		require.NoError(t, err)
		require.Equal(t, dk.KeyARN, md.ARN)
		require.Equal(t, "AWS", md.KeyManager)
		require.Equal(t, "Default KMS key that protects my S3 objects when no other key is defined", md.Description)
		require.Equal(t, OriginAWSKMS, md.Origin)
		require.Equal(t, SpecSymmetric, md.KeySpec)
		require.Equal(t, StateEnabled, md.KeyState)

		pol, err := e.svc.GetKeyPolicy(ctx, root, md.KeyID, "default")
		require.NoError(t, err)
		require.Equal(t, managedKeys["alias/aws/s3"].policy(acct, region), pol)
		require.Contains(t, pol, `"Sid" : "Allow access through S3 for all principals in the account that are authorized to use S3"`)
		require.Contains(t, pol, `"kms:ViaService" : "s3.us-east-1.amazonaws.com"`)

		rs, err := e.svc.GetKeyRotationStatus(ctx, root, md.ARN)
		require.NoError(t, err)
		require.True(t, rs.KeyRotationEnabled)
		require.Equal(t, 365, rs.RotationPeriodInDays)
		require.Equal(t, testTime.Add(365*24*time.Hour), rs.NextRotationDate)

		p, err = e.svc.ListAliases(ctx, root, "", 0, "")
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
		require.Equal(t, md.KeyID, p.Items[0].TargetKeyID)
		require.False(t, p.Items[0].Created.IsZero())
		p, err = e.svc.ListAliases(ctx, root, md.KeyID, 0, "")
		require.NoError(t, err)
		require.Len(t, p.Items, 1)

		// Later uses find the same key; another region gets its own.
		dk2, err := e.svc.GenerateDataKey(ctx, via(root, s3Principal), DataKeyRequest{KeyID: "arn:aws:kms:us-east-1:" + acct + ":alias/aws/s3"})
		require.NoError(t, err)
		require.Equal(t, md.ARN, dk2.KeyARN)
		west := *root
		west.Region = "us-west-2"
		md2, err := e.svc.DescribeKey(ctx, &west, "alias/aws/s3")
		require.NoError(t, err)
		require.NotEqual(t, md.KeyID, md2.KeyID)
		require.True(t, strings.HasPrefix(md2.ARN, "arn:aws:kms:us-west-2:"+acct+":key/"), md2.ARN)
	})
}

func TestManagedKeyCreatedByDescribeKey(t *testing.T) {
	e := newTestEnv(t)
	root := rootOf(acct)
	md, err := e.svc.DescribeKey(ctx, root, "arn:aws:kms:us-east-1:"+acct+":alias/aws/s3")
	require.NoError(t, err)
	require.Equal(t, "AWS", md.KeyManager)
	require.Equal(t, []string{md.KeyID}, e.listKeys(t, root))

	// Another account's predefined alias is not created on its behalf.
	_, err = e.svc.DescribeKey(ctx, root, "arn:aws:kms:us-east-1:"+other+":alias/aws/s3")
	require.Equal(t, "NotFoundException", code(t, err))
	require.Empty(t, e.listKeys(t, rootOf(other)))
	// Nor is an alias/aws/ name that is no AWS managed key of seclake's.
	_, err = e.svc.DescribeKey(ctx, root, "alias/aws/nothing")
	require.Equal(t, "NotFoundException", code(t, err))
}

// Concurrent first uses, on several nodes sharing one store, end with exactly one key.
func TestManagedKeyConcurrentFirstUse(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *testEnv) {
		nodes := []*Service{e.svc}
		for range 2 {
			n, err := New(e.svc.cfg)
			require.NoError(t, err)
			nodes = append(nodes, n)
		}
		const perNode = 8
		arns := make(chan string, len(nodes)*perNode)
		var wg sync.WaitGroup
		for _, n := range nodes {
			for i := range perNode {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := via(userOf(acct, "writer"), s3Principal)
					var err error
					var arn string
					if i%2 == 0 {
						var dk *DataKey
						dk, err = n.GenerateDataKey(ctx, c, DataKeyRequest{KeyID: "alias/aws/s3", EncryptionContext: s3Context})
						if dk != nil {
							arn = dk.KeyARN
						}
					} else {
						var md *KeyMetadata
						md, err = n.DescribeKey(ctx, rootOf(acct), "alias/aws/s3")
						if md != nil {
							arn = md.ARN
						}
					}
					if err != nil {
						t.Error(err)
					}
					arns <- arn
				}()
			}
		}
		wg.Wait()
		close(arns)
		seen := map[string]bool{}
		for a := range arns {
			seen[a] = true
		}
		require.Len(t, seen, 1, "every first use got the same key")
		ids := e.listKeys(t, rootOf(acct))
		require.Len(t, ids, 1, "exactly one key was created")
		for a := range seen {
			require.Equal(t, keyARN(acct, region, ids[0]), a)
		}
	})
}

// Customers cannot change AWS managed keys: the key policy allows none of it, whatever IAM policies say.
func TestManagedKeyRefusesChanges(t *testing.T) {
	e := newTestEnv(t)
	root := rootOf(acct)
	md, err := e.svc.DescribeKey(ctx, root, "alias/aws/s3")
	require.NoError(t, err)
	custom := e.createKey(t, "")
	week := 7
	for name, fn := range map[string]func() error{
		"PutKeyPolicy":         func() error { return e.svc.PutKeyPolicy(ctx, root, md.KeyID, "default", DefaultKeyPolicy(acct), false) },
		"DisableKey":           func() error { return e.svc.DisableKey(ctx, root, md.KeyID) },
		"EnableKey":            func() error { return e.svc.EnableKey(ctx, root, md.KeyID) },
		"EnableKeyRotation":    func() error { return e.svc.EnableKeyRotation(ctx, root, md.KeyID, nil) },
		"DisableKeyRotation":   func() error { return e.svc.DisableKeyRotation(ctx, root, md.KeyID) },
		"RotateKeyOnDemand":    func() error { _, err := e.svc.RotateKeyOnDemand(ctx, root, md.KeyID); return err },
		"UpdateKeyDescription": func() error { return e.svc.UpdateKeyDescription(ctx, root, md.KeyID, "mine") },
		"TagResource":          func() error { return e.svc.TagResource(ctx, root, md.KeyID, []Tag{{TagKey: "k", TagValue: "v"}}) },
		"ScheduleKeyDeletion": func() error {
			_, err := e.svc.ScheduleKeyDeletion(ctx, root, md.KeyID, &week)
			return err
		},
		"CreateGrant": func() error {
			_, err := e.svc.CreateGrant(ctx, root, CreateGrantRequest{KeyID: md.KeyID, GranteePrincipal: actor.RootARN(acct), Operations: []string{"Decrypt"}})
			return err
		},
		"CreateAlias": func() error { return e.svc.CreateAlias(ctx, root, "alias/mine", md.KeyID) },
		"Encrypt": func() error {
			_, err := e.svc.Encrypt(ctx, root, EncryptRequest{KeyID: md.KeyID, Plaintext: []byte("x")})
			return err
		},
	} {
		err := fn()
		require.Equal(t, "AccessDeniedException", code(t, err), name)
		require.Contains(t, message(t, err), "no resource-based policy allows", name)
	}
	for name, fn := range map[string]func() error{
		"CreateAlias": func() error { return e.svc.CreateAlias(ctx, root, "alias/aws/s3", custom.KeyID) },
		"UpdateAlias": func() error { return e.svc.UpdateAlias(ctx, root, "alias/aws/s3", custom.KeyID) },
		"DeleteAlias": func() error { return e.svc.DeleteAlias(ctx, root, "alias/aws/s3") },
		"CreateOther": func() error { return e.svc.CreateAlias(ctx, root, "alias/aws/mine", custom.KeyID) },
	} {
		err := fn()
		require.Equal(t, "NotAuthorizedException", code(t, err), name)
		require.Contains(t, message(t, err), "reserved for AWS managed keys", name)
	}
	after, err := e.svc.DescribeKey(ctx, root, md.KeyID)
	require.NoError(t, err)
	require.Equal(t, md, after, "nothing changed")

	// Reading the key's metadata is allowed to the account (its IAM policies decide for its principals).
	_, err = e.svc.ListResourceTags(ctx, root, md.KeyID, 0, "")
	require.NoError(t, err)
	_, err = e.svc.ListKeyPolicies(ctx, root, md.KeyID)
	require.NoError(t, err)
}

// The key serves the account's principals through S3 only, and no other account.
func TestManagedKeyPolicyDecisions(t *testing.T) {
	e := newTestEnv(t)
	dk, err := e.svc.GenerateDataKey(ctx, via(rootOf(acct), s3Principal), DataKeyRequest{KeyID: "alias/aws/s3", EncryptionContext: s3Context})
	require.NoError(t, err)
	for _, d := range []struct {
		name  string
		c     *actor.Caller
		allow bool
	}{
		{"same account through S3", via(userOf(acct, "bob"), s3Principal), true},
		{"same account role session through S3", via(sessionOf(acct, "app", "s1"), s3Principal), true},
		{"same account directly", userOf(acct, "bob"), false},
		{"same account through another service", via(userOf(acct, "bob"), "sqs.amazonaws.com"), false},
		{"other account through S3", via(userOf(other, "mallory"), s3Principal), false},
		{"other account root through S3", via(rootOf(other), s3Principal), false},
	} {
		_, err := e.svc.Decrypt(ctx, d.c, DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: s3Context})
		if d.allow {
			require.NoError(t, err, d.name)
			continue
		}
		require.Equal(t, "AccessDeniedException", code(t, err), d.name)
		_, err = e.svc.GenerateDataKey(ctx, d.c, DataKeyRequest{KeyID: dk.KeyARN, EncryptionContext: s3Context})
		require.Equal(t, "AccessDeniedException", code(t, err), d.name)
	}
}
