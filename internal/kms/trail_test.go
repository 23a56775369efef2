package kms

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/audit"
)

func TestInProcessCallsAreAudited(t *testing.T) {
	e := newTestEnv(t)
	md := e.keyWithPolicy(t, "securitylake-s3.json")
	bucketEC := map[string]string{"aws:s3:arn": bucketARN}
	rm := via(sessionOf(acct, rmRole, "rm"), s3Service)
	rm.RequestID = "REQ1"

	dk, err := e.svc.GenerateDataKey(ctx, rm, DataKeyRequest{KeyID: md.ARN, EncryptionContext: bucketEC})
	require.NoError(t, err)
	_, err = e.svc.Decrypt(ctx, rm, DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: bucketEC})
	require.NoError(t, err)
	_, err = e.svc.Decrypt(ctx, via(sessionOf(acct, slRole, "sl"), s3Service), DecryptRequest{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: bucketEC})
	require.Equal(t, "AccessDeniedException", code(t, err))

	recs := e.trail.all()
	require.Len(t, recs, 3)
	gen := recs[0]
	require.Equal(t, "GenerateDataKey", gen.EventName)
	require.Equal(t, EventSource, gen.EventSource)
	require.Equal(t, "s3.amazonaws.com", gen.UserIdentity.InvokedBy)
	require.Equal(t, audit.IdentityAssumedRole, gen.UserIdentity.Type)
	require.Equal(t, "arn:aws:sts::"+acct+":assumed-role/AWSServiceRoleForSecurityLakeResourceManagement/rm", gen.UserIdentity.ARN)
	require.Equal(t, "s3.amazonaws.com", gen.SourceIPAddress)
	require.Equal(t, acct, gen.RecipientAccountID)
	require.Equal(t, "REQ1", gen.RequestID)
	require.True(t, gen.ReadOnly)
	require.JSONEq(t, `{"keyId":"`+md.ARN+`","encryptionContext":{"aws:s3:arn":"`+bucketARN+`"},"keySpec":"AES_256"}`, string(gen.RequestParameters))
	require.Equal(t, []audit.Resource{{AccountID: acct, Type: "AWS::KMS::Key", ARN: md.ARN}}, gen.Resources)
	require.Empty(t, gen.ErrorCode)

	dec := recs[1]
	require.Equal(t, "Decrypt", dec.EventName)
	require.JSONEq(t, `{"encryptionContext":{"aws:s3:arn":"`+bucketARN+`"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`, string(dec.RequestParameters))
	require.Equal(t, md.ARN, dec.Resources[0].ARN, "the key comes from the ciphertext")

	denied := recs[2]
	require.Equal(t, "AccessDeniedException", denied.ErrorCode)
	require.Contains(t, denied.ErrorMessage, "kms:Decrypt")
	require.Equal(t, md.ARN, denied.Resources[0].ARN)
	for _, r := range recs {
		require.NotContains(t, string(r.RequestParameters), "plaintext")
	}
}

func TestServicePrincipalAndCrossAccountRecords(t *testing.T) {
	e := newTestEnv(t)
	md := e.keyWithPolicy(t, "logs-delivery.json")
	_, err := e.svc.GenerateDataKey(ctx, withSource(serviceOf("delivery.logs.amazonaws.com"), deliverySrc, acct), DataKeyRequest{KeyID: md.ARN})
	require.NoError(t, err)
	recs := e.trail.all()
	require.Len(t, recs, 1)
	r := recs[0]
	require.Equal(t, audit.IdentityAWSService, r.UserIdentity.Type)
	require.Equal(t, "delivery.logs.amazonaws.com", r.UserIdentity.InvokedBy)
	require.Equal(t, "delivery.logs.amazonaws.com", r.SourceIPAddress)
	require.Equal(t, acct, r.RecipientAccountID, "recorded in the key owner's account")

	// A caller from another account using the key (through the edge, so not in-process): the owner gets a
	// copy; the edge records the caller's.
	_, err = e.svc.Encrypt(ctx, rootOf(other), EncryptRequest{KeyID: md.ARN, Plaintext: []byte("x")})
	require.Equal(t, "AccessDeniedException", code(t, err))
	recs = e.trail.all()
	require.Len(t, recs, 2)
	require.Equal(t, acct, recs[1].RecipientAccountID)
	require.Equal(t, other, recs[1].UserIdentity.AccountID)
	// Through S3 from another account: a record for each account.
	_, err = e.svc.Encrypt(ctx, via(rootOf(other), s3Service), EncryptRequest{KeyID: md.ARN, Plaintext: []byte("x")})
	require.Equal(t, "AccessDeniedException", code(t, err))
	recs = e.trail.all()
	require.Len(t, recs, 4)
	require.Equal(t, []string{acct, other}, []string{recs[2].RecipientAccountID, recs[3].RecipientAccountID})

	// Calls through the edge by the owner account are the edge's to record.
	_, err = e.svc.Encrypt(ctx, rootOf(acct), EncryptRequest{KeyID: md.ARN, Plaintext: []byte("x")})
	require.NoError(t, err)
	require.Len(t, e.trail.all(), 4)
}
