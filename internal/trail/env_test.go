package trail_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/trail"
)

const (
	acct   = "111122223333"
	other  = "444455556666"
	home   = "us-east-1"
	bucket = "trail-logs"
)

var testTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// env is a trail service over real stores, IAM, KMS, S3 and audit trail, wired as the server wires them
// (internal/stack), on a fake clock.
type env struct {
	svc   *trail.Service
	cfg   trail.Config // as the trail service was built with, defaults aside
	log   *audit.Log
	kms   *kms.Service
	s3    *objstore.Service
	clock *clock.Fake
	root  *actor.Caller
}

func newEnv(t testing.TB, edit ...func(*trail.Config)) *env {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(filepath.Join(dir, "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, store.Close()) })
	blobs, err := localfs.Open(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	key, err := seal.Generate(rand.Reader)
	require.NoError(t, err)
	e := &env{clock: clock.NewFake(testTime), root: rootCaller(acct, home)}
	st, err := stack.Start(ctx, stack.Config{Stores: stack.Stores{Meta: store, Blobs: blobs, Seal: key}, Clock: e.clock, Region: home,
		TrailInterval: trail.DefaultInterval, Edit: stack.Edits{Trail: func(c *trail.Config) {
			for _, ed := range edit {
				ed(c)
			}
			e.cfg = *c
		}}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Stop(ctx)) })
	e.svc, e.log, e.kms, e.s3 = st.Trails, st.Audit, st.KMS, st.Objects
	return e
}

// fileRecords is the most records a log file holds.
func (e *env) fileRecords() int {
	if e.cfg.FileRecords > 0 {
		return e.cfg.FileRecords
	}
	return trail.DefaultFileRecords
}

func rootCaller(account, region string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account}, Region: region}
}

func trailARN(name string) string { return trail.TrailARN(home, acct, name) }

// bucketPolicy is the CloudTrail guide's bucket policy for a trail, with its statements optionally left out.
func bucketPolicy(trail string, without ...string) string {
	stmts := map[string]string{
		"AWSCloudTrailAclCheck20150319": `{"Sid":"AWSCloudTrailAclCheck20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::` + bucket + `","Condition":{"StringEquals":{"aws:SourceArn":"` + trailARN(trail) + `"}}}`,
		"AWSCloudTrailWrite20150319": `{"Sid":"AWSCloudTrailWrite20150319","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/AWSLogs/` + acct + `/*",
  "Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control","aws:SourceArn":"` + trailARN(trail) + `"}}}`,
	}
	return policyDoc(stmts, []string{"AWSCloudTrailAclCheck20150319", "AWSCloudTrailWrite20150319"}, without)
}

// anyTrailBucketPolicy lets every trail of the account, in any region, deliver to the bucket.
func anyTrailBucketPolicy() string {
	p := bucketPolicy("x")
	return strings.ReplaceAll(strings.ReplaceAll(p, `"StringEquals":{"aws:SourceArn":"`+trailARN("x")+`"}`,
		`"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:`+acct+`:trail/*"}`),
		`"aws:SourceArn":"`+trailARN("x")+`"`, `"aws:SourceAccount":"`+acct+`"`)
}

// keyPolicy is a key policy with the CloudTrail guide's statements for a trail, optionally left out.
func keyPolicy(trail string, without ...string) string {
	stmts := map[string]string{
		"root": `{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"}`,
		"Allow CloudTrail to encrypt logs": `{"Sid":"Allow CloudTrail to encrypt logs","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:GenerateDataKey*","Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:aws:cloudtrail:arn":["arn:aws:cloudtrail:*:` + acct + `:trail/*"]},
  "StringEquals":{"aws:SourceArn":"` + trailARN(trail) + `"}}}`,
		"Allow CloudTrail access": `{"Sid":"Allow CloudTrail access","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},
  "Action":"kms:DescribeKey","Resource":"*","Condition":{"StringEquals":{"aws:SourceArn":"` + trailARN(trail) + `"}}}`,
	}
	return policyDoc(stmts, []string{"root", "Allow CloudTrail to encrypt logs", "Allow CloudTrail access"}, without)
}

func policyDoc(stmts map[string]string, order, without []string) string {
	var parts []string
	for _, sid := range order {
		skip := false
		for _, w := range without {
			skip = skip || w == sid
		}
		if !skip {
			parts = append(parts, stmts[sid])
		}
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(parts, ",") + `]}`
}

// destination makes the bucket with the trail's bucket policy and a key with the trail's key policy.
func (e *env) destination(t testing.TB, trail string) string {
	t.Helper()
	ctx := context.Background()
	_, err := e.s3.CreateBucket(ctx, e.root, objstore.CreateBucketInput{Bucket: bucket})
	require.NoError(t, err)
	require.NoError(t, e.s3.PutBucketPolicy(ctx, e.root, bucket, bucketPolicy(trail)))
	md, err := e.kms.CreateKey(ctx, e.root, kms.CreateKeyRequest{Policy: keyPolicy(trail)})
	require.NoError(t, err)
	return md.ARN
}

// createTrail creates and starts a trail with a KMS key.
func (e *env) createTrail(t testing.TB, in trail.CreateInput) *trail.Trail {
	t.Helper()
	ctx := context.Background()
	tr, err := e.svc.CreateTrail(ctx, e.root, in)
	require.NoError(t, err)
	require.NoError(t, e.log.Flush(ctx)) // the records of the checks come before the trail starts
	_, err = e.svc.StartLogging(ctx, e.root, in.Name)
	require.NoError(t, err)
	return tr
}

// event appends a management event of an account in a region.
func (e *env) event(t *testing.T, account, region, source, name string, readOnly bool) {
	t.Helper()
	require.NoError(t, e.log.Append(context.Background(), &audit.Record{
		UserIdentity: audit.UserIdentity{Type: audit.IdentityRoot, AccountID: account, ARN: actor.RootARN(account)},
		EventSource:  source, EventName: name, AWSRegion: region, ReadOnly: readOnly, RecipientAccountID: account,
	}))
}

// dataEvent appends an S3 object-level data event.
func (e *env) dataEvent(t *testing.T, name, objectARN string, readOnly bool) {
	t.Helper()
	require.NoError(t, e.log.Append(context.Background(), &audit.Record{
		UserIdentity: audit.UserIdentity{Type: audit.IdentityRoot, AccountID: acct, ARN: actor.RootARN(acct)},
		EventSource:  "s3.amazonaws.com", EventName: name, AWSRegion: home, ReadOnly: readOnly, RecipientAccountID: acct,
		EventCategory: audit.CategoryData, Resources: []audit.Resource{{Type: "AWS::S3::Object", ARN: objectARN}},
	}))
}

// deliver advances the clock by the interval and runs a delivery.
func (e *env) deliver(t *testing.T) {
	t.Helper()
	require.NoError(t, e.log.Flush(context.Background()))
	e.clock.Advance(e.cfg.Interval)
	require.NoError(t, e.svc.Deliver(context.Background()))
}

// keys lists the bucket's keys under a prefix.
func (e *env) keys(t testing.TB, prefix string) []string {
	t.Helper()
	out, err := (&objReader{e.s3, e.root, e.svc}).List(context.Background(), bucket, prefix)
	require.NoError(t, err)
	return out
}

// objReader is a Reader over the object store in-process, as a caller.
type objReader struct {
	s3     *objstore.Service
	caller *actor.Caller
	trails *trail.Service
}

func (r *objReader) List(ctx context.Context, b, prefix string) ([]string, error) {
	var out []string
	after := ""
	for {
		page, err := r.s3.ListObjects(ctx, r.caller, objstore.ListInput{Bucket: b, Prefix: prefix, After: after, MaxKeys: 1000})
		if err != nil {
			return nil, err
		}
		for _, o := range page.Objects {
			out = append(out, o.Key)
		}
		if !page.IsTruncated {
			return out, nil
		}
		after = page.Last
	}
}

func (r *objReader) Get(ctx context.Context, b, key string) ([]byte, map[string]string, error) {
	out, err := r.s3.GetObject(ctx, r.caller, objstore.GetInput{Bucket: b, Key: key})
	if e, ok := awserr.As(err); ok && e.Code == "NoSuchKey" {
		return nil, nil, errors.Join(trail.ErrNoSuchKey, err)
	}
	if err != nil {
		return nil, nil, err
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	return body, out.Object.Metadata, err
}

func (r *objReader) PublicKeys(ctx context.Context, region string) ([]trail.PublicKey, error) {
	c := *r.caller
	c.Region = region
	return r.trails.ListPublicKeys(ctx, &c, nil, nil)
}

// put writes an object as the bucket owner (tampering with the trail's files).
func (e *env) put(t *testing.T, key string, body []byte) {
	t.Helper()
	_, err := e.s3.PutObject(context.Background(), e.root, objstore.PutInput{Bucket: bucket, Key: key, Body: bytes.NewReader(body), Size: int64(len(body))})
	require.NoError(t, err)
}

// code returns an error's AWS code.
func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return "error: " + err.Error()
}

// logFile is a delivered log file, read back as the bucket owner.
type logFile struct {
	key     string
	obj     *objstore.Object
	records []map[string]any
}

// logFiles reads the trail's log files under AWSLogs/<acct>/CloudTrail/, in key order.
func (e *env) logFiles(t *testing.T) []logFile {
	t.Helper()
	ctx := context.Background()
	rd := &objReader{e.s3, e.root, e.svc}
	var out []logFile
	for _, k := range e.keys(t, "AWSLogs/"+acct+"/CloudTrail/") {
		body, _, err := rd.Get(ctx, bucket, k)
		require.NoError(t, err)
		js, err := trail.Gunzip(body)
		require.NoError(t, err)
		var doc struct{ Records []map[string]any }
		require.NoError(t, json.Unmarshal(js, &doc))
		head, err := e.s3.HeadObject(ctx, e.root, objstore.GetInput{Bucket: bucket, Key: k})
		require.NoError(t, err)
		out = append(out, logFile{key: k, obj: head.Object, records: doc.Records})
	}
	return out
}

// names returns the eventNames of records, leaving out KMS calls made by CloudTrail itself.
func names(recs []map[string]any) []string {
	var out []string
	for _, r := range recs {
		if id, _ := r["userIdentity"].(map[string]any); id["type"] == "AWSService" {
			continue
		}
		out = append(out, r["eventName"].(string))
	}
	return out
}
