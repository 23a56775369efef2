package envelope_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
)

const (
	owner  = "111122223333"
	other  = "444455556666"
	region = "us-east-1"
	bucket = "arn:aws:s3:::lake"
	trail  = "arn:aws:cloudtrail:us-east-1:111122223333:trail/audit"
)

var ctx = context.Background()

// records keeps what the recorder writes.
type records struct {
	mu   sync.Mutex
	recs []*audit.Record
}

func (r *records) Append(_ context.Context, rec *audit.Record) error { r.AppendAsync(rec); return nil }

func (r *records) AppendAsync(rec *audit.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
}

func (r *records) all() []*audit.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*audit.Record(nil), r.recs...)
}

type env struct {
	kms   *kms.Service
	s3    *envelope.Client
	recs  *records
	clock *clock.Fake
	key   *kms.KeyMetadata
}

// newEnv is a KMS over SQLite with real IAM, one key of the owner account under policy (the default when
// empty), and an envelope client for S3 that records on recs.
func newEnv(t *testing.T, policy string) *env {
	t.Helper()
	store, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	root, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	clk := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	recs := &records{}
	rec := audit.NewRecorder(recs, clk)
	ids := iam.New(iam.Config{Store: store, Seal: root, Clock: clk, Rand: rand.Reader})
	keys, err := kms.New(kms.Config{Store: store, Seal: root, Identity: ids, Recorder: rec, Clock: clk, Rand: rand.Reader})
	require.NoError(t, err)
	s3, err := envelope.New(envelope.Config{Keys: keys, Service: "s3.amazonaws.com", Recorder: rec, Failure: envelope.S3Failure, Clock: clk})
	require.NoError(t, err)
	md, err := keys.CreateKey(ctx, rootOf(owner), kms.CreateKeyRequest{Policy: policy})
	require.NoError(t, err)
	return &env{kms: keys, s3: s3, recs: recs, clock: clk, key: md}
}

func rootOf(account string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account},
		Region: region, Time: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), SourceIP: "192.0.2.1", RequestID: "REQ1"}
}

func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}

// authorization returns the decisions a record lists.
func authorization(t *testing.T, r *audit.Record) []map[string]any {
	t.Helper()
	var extra map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.AdditionalEventData, &extra))
	var ds []map[string]any
	require.NoError(t, json.Unmarshal(extra[audit.DecisionsKey], &ds))
	return ds
}

func TestDataKeysAreRecordedAsKMSEventsInvokedByTheService(t *testing.T) {
	e := newEnv(t, "")
	ec := map[string]string{"aws:s3:arn": bucket}
	dk, err := e.s3.NewKey(ctx, rootOf(owner), envelope.KeyRequest{KeyID: e.key.ARN, Context: ec})
	require.NoError(t, err)
	require.Len(t, dk.Plaintext, 32)
	require.Equal(t, e.key.ARN, dk.KeyARN)
	pt, err := e.s3.OpenKey(ctx, rootOf(owner), envelope.OpenRequest{Wrapped: dk.Wrapped, KeyARN: dk.KeyARN, Context: ec})
	require.NoError(t, err)
	require.Equal(t, dk.Plaintext, pt)

	recs := e.recs.all()
	require.Len(t, recs, 2)
	gen, dec := recs[0], recs[1]
	require.Equal(t, "GenerateDataKey", gen.EventName)
	require.Equal(t, kms.EventSource, gen.EventSource)
	require.Equal(t, "s3.amazonaws.com", gen.UserIdentity.InvokedBy)
	require.Equal(t, audit.IdentityRoot, gen.UserIdentity.Type)
	require.Equal(t, "s3.amazonaws.com", gen.SourceIPAddress)
	require.Equal(t, owner, gen.RecipientAccountID)
	require.Equal(t, "REQ1", gen.RequestID)
	require.True(t, gen.ReadOnly)
	require.JSONEq(t, `{"keyId":"`+e.key.ARN+`","encryptionContext":{"aws:s3:arn":"`+bucket+`"},"keySpec":"AES_256"}`, string(gen.RequestParameters))
	require.Equal(t, []audit.Resource{{AccountID: owner, Type: "AWS::KMS::Key", ARN: e.key.ARN}}, gen.Resources)
	ds := authorization(t, gen)
	require.Len(t, ds, 1)
	require.Equal(t, "kms:GenerateDataKey", ds[0]["action"])
	require.Equal(t, "Allow", ds[0]["decision"])
	require.NotEmpty(t, ds[0]["statements"], "the statements that allowed it")

	require.Equal(t, "Decrypt", dec.EventName)
	require.JSONEq(t, `{"encryptionContext":{"aws:s3:arn":"`+bucket+`"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`, string(dec.RequestParameters))
	require.Equal(t, e.key.ARN, dec.Resources[0].ARN, "the key comes from the ciphertext")
	for _, r := range recs {
		require.NotContains(t, string(r.RequestParameters), "plaintext")
	}
}

func TestReusedKeysAreGivenToTheSamePrincipalOnly(t *testing.T) {
	e := newEnv(t, "")
	ec := map[string]string{"aws:s3:arn": bucket}
	req := envelope.KeyRequest{KeyID: e.key.ARN, Context: ec, ReuseFor: 5 * time.Minute, Scope: "lake"}
	a, err := e.s3.NewKey(ctx, rootOf(owner), req)
	require.NoError(t, err)
	b, err := e.s3.NewKey(ctx, rootOf(owner), req)
	require.NoError(t, err)
	require.Equal(t, a.Wrapped, b.Wrapped)
	require.Len(t, e.recs.all(), 1, "the second key came from memory")
	_, err = e.s3.OpenKey(ctx, rootOf(owner), envelope.OpenRequest{Wrapped: a.Wrapped, KeyARN: a.KeyARN, Context: ec, ReuseFor: 5 * time.Minute})
	require.NoError(t, err)
	require.Len(t, e.recs.all(), 1, "a reused key opens from memory")

	// Another principal asks KMS itself (and is refused: the default key policy is the owner's alone).
	_, err = e.s3.NewKey(ctx, rootOf(other), req)
	require.Equal(t, "AccessDenied", code(err))
	_, err = e.s3.OpenKey(ctx, rootOf(other), envelope.OpenRequest{Wrapped: a.Wrapped, KeyARN: a.KeyARN, Context: ec, ReuseFor: 5 * time.Minute})
	require.Equal(t, "AccessDenied", code(err))

	// Another context or scope is another key; after the reuse period KMS is asked again.
	n := len(e.recs.all())
	_, err = e.s3.NewKey(ctx, rootOf(owner), envelope.KeyRequest{KeyID: e.key.ARN, Context: map[string]string{"aws:s3:arn": bucket + "2"}, ReuseFor: time.Minute})
	require.NoError(t, err)
	require.Len(t, e.recs.all(), n+1)
	e.clock.Advance(5 * time.Minute)
	_, err = e.s3.NewKey(ctx, rootOf(owner), req)
	require.NoError(t, err)
	require.Len(t, e.recs.all(), n+2)
}

func TestRefusalsBecomeS3ErrorsAndReachBothAccounts(t *testing.T) {
	e := newEnv(t, "")
	_, err := e.s3.NewKey(ctx, rootOf(other), envelope.KeyRequest{KeyID: e.key.ARN, Context: map[string]string{"aws:s3:arn": bucket}})
	require.Equal(t, "AccessDenied", code(err))
	var d *actor.Denial
	require.ErrorAs(t, err, &d)
	require.Equal(t, "kms:GenerateDataKey", d.Action)
	require.Equal(t, actor.RootARN(other), d.Principal)
	e2, _ := awserr.As(err)
	require.Equal(t, awserr.StatusForbidden, e2.Status)

	recs := e.recs.all()
	require.Len(t, recs, 2, "a record for the caller's account and a copy for the key owner's")
	require.ElementsMatch(t, []string{owner, other}, []string{recs[0].RecipientAccountID, recs[1].RecipientAccountID})
	for _, r := range recs {
		require.Equal(t, "AccessDeniedException", r.ErrorCode, "the record shows KMS's error, as KMS wrote it")
		require.Equal(t, "ImplicitDeny", authorization(t, r)[0]["decision"])
	}
}

func TestServicePrincipalsActForTheirSource(t *testing.T) {
	policy := `{"Version":"2012-10-17","Statement":[
	 {"Sid":"Owner","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
	 {"Sid":"AllowCloudTrailToEncrypt","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
	  "Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
	  "Condition":{"StringEquals":{"aws:SourceArn":"` + trail + `"}}}]}`
	e := newEnv(t, policy)
	ct, err := envelope.New(envelope.Config{Keys: e.kms, Service: "cloudtrail.amazonaws.com", Recorder: audit.NewRecorder(e.recs, e.clock), Clock: e.clock})
	require.NoError(t, err)
	now := e.clock.Now()
	for_ := actor.ServicePrincipal("cloudtrail.amazonaws.com", region, now, actor.Source{ARN: trail, Account: owner})
	md, err := ct.DescribeKey(ctx, for_, e.key.ARN)
	require.NoError(t, err)
	require.Equal(t, e.key.ARN, md.ARN)
	dk, err := ct.NewKey(ctx, for_, envelope.KeyRequest{KeyID: e.key.ARN, DryRun: true})
	require.NoError(t, err)
	require.Nil(t, dk, "a dry run gives no key")

	stranger := actor.ServicePrincipal("cloudtrail.amazonaws.com", region, now, actor.Source{ARN: trail + "2", Account: owner})
	_, err = ct.NewKey(ctx, stranger, envelope.KeyRequest{KeyID: e.key.ARN})
	require.Equal(t, "AccessDeniedException", code(err), "without a Failure, KMS's error as it is")
	require.ErrorContains(t, err, "aws:SourceArn")

	recs := e.recs.all()
	require.Len(t, recs, 3)
	for _, r := range recs {
		require.Equal(t, audit.IdentityAWSService, r.UserIdentity.Type)
		require.Equal(t, "cloudtrail.amazonaws.com", r.UserIdentity.InvokedBy)
		require.Equal(t, owner, r.RecipientAccountID, "recorded in the key owner's account")
	}
	require.Equal(t, "DescribeKey", recs[0].EventName)
	require.Equal(t, "DryRunOperationException", recs[1].ErrorCode)
	require.Contains(t, authorization(t, recs[0])[0]["statements"].([]any)[0].(map[string]any)["sid"], "AllowCloudTrailToEncrypt")
}

func TestS3FailureNamesKMSCodes(t *testing.T) {
	c := rootOf(owner)
	for in, want := range map[string]string{"NotFoundException": "KMS.NotFoundException", "DisabledException": "KMS.DisabledException",
		"KMSInvalidStateException": "KMS.KMSInvalidStateException"} {
		err := envelope.S3Failure(c, "kms:Decrypt", "k", awserr.New(in, 400, "the key says no"), nil)
		require.Equal(t, want, code(err))
		e, _ := awserr.As(err)
		require.Equal(t, awserr.StatusBadRequest, e.Status)
		require.Equal(t, "the key says no", e.Message)
	}
	err := envelope.S3Failure(c, "kms:Decrypt", "k", awserr.New("AccessDeniedException", 400, "User: x is not authorized"), nil)
	require.Equal(t, "AccessDenied", code(err))
	var d *actor.Denial
	require.ErrorAs(t, err, &d)
	require.Equal(t, "kms:Decrypt", d.Action)
	require.Equal(t, "k", d.Resource)
}
