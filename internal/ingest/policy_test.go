package ingest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/objstore"
)

const (
	accountStatement = `{"Sid":"Enable IAM User Permissions","Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}`
	lakeStatement = `{"Sid":"Allow Security Lake to use the key","Effect":"Allow",
 "Principal":{"Service":"securitylake.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*",
 "Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}`
)

func keyPolicy(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// TestLakeKeyPolicyRefusalKeepsTheObject: a lake whose key policy does not let the Security Lake service
// principal generate data keys commits nothing; the failure names the principal, the action and the key policy,
// the object is kept and retried, and once the statement is added the next run commits it.
func TestLakeKeyPolicyRefusalKeepsTheObject(t *testing.T) {
	e := newEnv(t, nil)
	// The account's lake in eu-west-1, under a key of that region.
	eu := *root
	eu.Region = "eu-west-1"
	md, err := e.st.KMS.CreateKey(ctx, &eu, kms.CreateKeyRequest{Policy: keyPolicy(accountStatement)})
	require.NoError(t, err)
	info, err := e.st.Lakes.Create(ctx, &eu, "eu-west-1", md.ARN)
	require.NoError(t, err)
	s := e.service(nil)
	body, dataEvents := cloudTrail(t, "kms", 0, 200)
	ref := e.put(ctKey("kms"), body)
	ref.Region = "eu-west-1"
	_, err = s.Enqueue(ctx, ref)
	require.NoError(t, err)
	drain(t, s)

	fails, err := s.Failures(ctx, 0)
	require.NoError(t, err)
	require.Len(t, fails, 1)
	reason := fails[0].Reason
	for _, want := range []string{"securitylake.amazonaws.com", "kms:GenerateDataKey", md.ARN, "key policy"} {
		require.Contains(t, reason, want)
	}
	st, err := s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, st.Queued)
	require.EqualValues(t, 1, st.Failed)
	require.Contains(t, st.Sources[0].LastError, "kms:GenerateDataKey")
	ps, err := s.Problems(ctx, acct, "eu-west-1")
	require.NoError(t, err)
	require.Len(t, ps, 1, "one problem for the cause")
	p := ps[0]
	require.Equal(t, ingest.ProblemRefused, p.Kind)
	require.Equal(t, []string{"CLOUD_TRAIL_MGMT", "2.0", "securitylake.amazonaws.com", md.ARN}, []string{p.Source, p.Version, p.Principal, p.Resource})
	require.Contains(t, p.Action, "kms:GenerateDataKey")
	require.EqualValues(t, 1, p.Objects)
	// Nothing committed: the lake's tables hold no snapshot.
	out, err := e.st.Objects.ListObjects(ctx, root, objstore.ListInput{Bucket: info.Bucket})
	require.NoError(t, err)
	for _, o := range out.Objects {
		require.NotContains(t, o.Key, "/data/", "no data file is left behind")
	}

	require.NoError(t, e.st.KMS.PutKeyPolicy(ctx, &eu, md.ARN, "default", keyPolicy(accountStatement, lakeStatement), false))
	require.NoError(t, s.Run(ctx))
	st, err = s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, st.Queued, "tried again only after its backoff")
	e.clk.Advance(time.Minute)
	drain(t, s)
	st, err = s.Status(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 1, st.Done)
	require.Zero(t, st.Failed)
	fails, err = s.Failures(ctx, 0)
	require.NoError(t, err)
	require.Empty(t, fails)
	ps, err = s.Problems(ctx, "", "")
	require.NoError(t, err)
	require.Empty(t, ps, "the commit ended the problem")
	rows := e.lakeRows("eu-west-1", "cloud_trail_mgmt")
	require.Equal(t, 200-dataEvents, rows)
}

// TestRawBucketRefusalKeepsTheObject: a raw bucket whose policy does not let the lake read fails the object with
// the refusal's wording (principal and action), and the object is read once the policy allows it.
func TestRawBucketRefusalKeepsTheObject(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.st.Objects.CreateBucket(ctx, root, objstore.CreateBucketInput{Bucket: "closed-logs"})
	require.NoError(t, err)
	body, dataEvents := cloudTrail(t, "closed", 0, 50)
	obj, err := e.st.Objects.PutObject(ctx, root, objstore.PutInput{Bucket: "closed-logs", Key: ctKey("c"),
		Body: strings.NewReader(string(body)), Size: int64(len(body))})
	require.NoError(t, err)
	s := e.service(nil)
	_, err = s.Enqueue(ctx, ingest.ObjectRef{Bucket: "closed-logs", Key: ctKey("c"), ETag: obj.ETag, Account: acct,
		Region: region})
	require.NoError(t, err)
	drain(t, s)
	fails, err := s.Failures(ctx, 0)
	require.NoError(t, err)
	require.Len(t, fails, 1)
	require.Contains(t, fails[0].Reason, "securitylake.amazonaws.com")
	require.Contains(t, fails[0].Reason, "s3:GetObject")
	ps, err := s.Problems(ctx, acct, region)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	require.Equal(t, []string{ingest.ProblemRefused, "s3:GetObject", "arn:aws:s3:::closed-logs/*"}, []string{ps[0].Kind, ps[0].Action, ps[0].Resource})

	require.NoError(t, e.st.Objects.PutBucketPolicy(ctx, root, "closed-logs",
		strings.ReplaceAll(rawPolicy, "raw-logs", "closed-logs")))
	e.clk.Advance(time.Minute)
	drain(t, s)
	require.Equal(t, 50-dataEvents, e.rows("cloud_trail_mgmt"))
	ps, err = s.Problems(ctx, "", "")
	require.NoError(t, err)
	require.Empty(t, ps)
}
