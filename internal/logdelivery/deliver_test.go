package logdelivery_test

import (
	"context"
	"crypto/rand"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/logdelivery"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
)

const (
	acct   = "111122223333"
	bucket = "flow-logs"
	stream = "vpcflowlogs/111122223333/us-east-1/fl-0123456789abcdef0"
)

var (
	ctx  = context.Background()
	root = &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: acct, ARN: actor.RootARN(acct), ID: acct}, Region: "us-east-1"}
)

// The flow-log guide's key policy: the console default, and the statement it had to add.
const (
	defaultKeyPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`
	guideKeyPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"Allow Logs Delivery to use the key","Effect":"Allow","Principal":{"Service":"delivery.logs.amazonaws.com"},
  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
  "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:111122223333:*"}}}]}`
	bucketPolicy = `{"Version":"2012-10-17","Statement":[{"Sid":"AWSLogDeliveryWrite","Effect":"Allow",
 "Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::flow-logs/AWSLogs/111122223333/*",
 "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333","s3:x-amz-acl":"bucket-owner-full-control"},
  "ArnLike":{"aws:SourceArn":"arn:aws:logs:us-east-1:111122223333:*"}}}]}`
)

type env struct {
	st    *stack.Stack
	svc   *logdelivery.Service
	blobs blob.Store
	key   string
}

func newEnv(t *testing.T, maxHeld int64) *env {
	t.Helper()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	sk, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	clk := clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	st, err := stack.Start(ctx, stack.Config{Stores: stack.Stores{Meta: store, Blobs: blobs, Seal: sk}, Clock: clk})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Stop(ctx)) })
	svc, err := logdelivery.New(logdelivery.Config{Store: store, Blobs: blobs, Seal: sk, Objects: st.Objects, Clock: clk, MaxHeldBytes: maxHeld})
	require.NoError(t, err)
	md, err := st.KMS.CreateKey(ctx, root, kms.CreateKeyRequest{Policy: defaultKeyPolicy})
	require.NoError(t, err)
	_, err = st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: bucket})
	require.NoError(t, err)
	require.NoError(t, st.Objects.PutBucketPolicy(ctx, root, bucket, bucketPolicy))
	require.NoError(t, st.Objects.PutBucketEncryption(ctx, root, bucket, &objstore.Encryption{Rules: []objstore.EncryptionRule{
		{Default: &objstore.EncryptionDefault{SSEAlgorithm: objstore.SSEKMS, KMSMasterKeyID: md.ARN}}}}))
	return &env{st: st, svc: svc, blobs: blobs, key: md.ARN}
}

func file(name, body string) logdelivery.File {
	return logdelivery.File{Stream: stream, Account: acct, Region: "us-east-1",
		SourceARN: "arn:aws:logs:us-east-1:111122223333:vpc-flow-log/fl-0123456789abcdef0",
		Bucket:    bucket, Key: "AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/12/01/" + name, Body: []byte(body),
		ContentType: "application/octet-stream"}
}

func heldBlobs(t *testing.T, b blob.Store) int {
	n := 0
	require.NoError(t, b.List(ctx, "logdelivery/", func(blob.Info) bool { n++; return true }))
	return n
}

func TestARefusedFileWaitsAndArrivesOnceTheKeyPolicyAllows(t *testing.T) {
	e := newEnv(t, 0)
	require.NoError(t, e.svc.Enqueue(ctx, file("a.log.gz", "first file")))
	require.NoError(t, e.svc.Enqueue(ctx, file("b.log.gz", "second file")))
	require.Equal(t, 2, heldBlobs(t, e.blobs))

	require.NoError(t, e.svc.Deliver(ctx), "a refusal is the user's to fix, not seclake's error")
	st, err := e.svc.StreamStatus(ctx, stream)
	require.NoError(t, err)
	require.Equal(t, 2, st.Held)
	require.Zero(t, st.Delivered)
	require.Contains(t, st.LastError, "delivery.logs.amazonaws.com may not write s3://flow-logs/")
	require.Contains(t, st.LastError, "kms:GenerateDataKey")
	require.Contains(t, st.LastError, e.key)
	_, err = e.st.Objects.HeadObject(ctx, root, objstore.GetInput{Bucket: bucket, Key: file("a.log.gz", "").Key})
	require.Error(t, err, "nothing was written")

	require.NoError(t, e.st.KMS.PutKeyPolicy(ctx, root, e.key, "default", guideKeyPolicy, false))
	require.NoError(t, e.svc.Deliver(ctx))
	st, err = e.svc.StreamStatus(ctx, stream)
	require.NoError(t, err)
	require.Equal(t, logdelivery.Status{Delivered: 2, LastDelivered: st.LastDelivered, LastErrorTime: st.LastErrorTime, NextSeq: 2}, st)
	require.Zero(t, heldBlobs(t, e.blobs), "delivered files leave nothing behind")
	for name, want := range map[string]string{"a.log.gz": "first file", "b.log.gz": "second file"} {
		out, err := e.st.Objects.GetObject(ctx, root, objstore.GetInput{Bucket: bucket, Key: file(name, "").Key})
		require.NoError(t, err)
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		require.NoError(t, err)
		require.Equal(t, want, string(body))
		require.Equal(t, objstore.SSEKMS, out.Object.SSE.Algorithm, "written under the bucket's default encryption")
		require.Equal(t, e.key, out.Object.SSE.KeyARN)
	}
}

func TestHeldFilesAreBoundedAndTheDropsCounted(t *testing.T) {
	e := newEnv(t, 25)
	for _, n := range []string{"1", "2", "3"} {
		require.NoError(t, e.svc.Enqueue(ctx, file(n+".log.gz", "ten bytes"+n)))
	}
	st, err := e.svc.StreamStatus(ctx, stream)
	require.NoError(t, err)
	require.Equal(t, 2, st.Held)
	require.Equal(t, int64(20), st.HeldBytes)
	require.Equal(t, uint64(1), st.Dropped)
	require.Equal(t, 2, heldBlobs(t, e.blobs))
}

func TestHeldBodiesAreNotPlaintextAtRest(t *testing.T) {
	e := newEnv(t, 0)
	require.NoError(t, e.svc.Enqueue(ctx, file("x.log.gz", "10.0.0.1 10.0.0.2 443 SECRET-MARKER")))
	var found bool
	require.NoError(t, e.blobs.List(ctx, "logdelivery/", func(i blob.Info) bool {
		rc, _, err := e.blobs.Get(ctx, i.Key)
		require.NoError(t, err)
		b, _ := io.ReadAll(rc)
		rc.Close()
		require.NotContains(t, string(b), "SECRET-MARKER")
		found = true
		return true
	}))
	require.True(t, found)
}
