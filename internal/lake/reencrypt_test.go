package lake_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

// keyedLake creates the us-east-1 lake under a new key that lets Security Lake use it, writes n objects, and
// switches the lake to a second such key; it returns the lake's bucket and the second key's ARN.
func keyedLake(t testing.TB, st *stack.Stack, svc *lake.Service, n int) (string, string) {
	t.Helper()
	c := rootIn("us-east-1")
	stmts := `{"Sid":"Admin","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"Allow SLR","Effect":"Allow","Principal":{"AWS":"` + table.ResourceManagementRoleARN(acct) + `"},` +
		`"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*","Condition":{"StringLike":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}`
	// The key policy names Security Lake's resource-management role, which must exist first (KMS refuses a
	// principal that does not).
	_, err := st.IAM.CreateServiceLinkedRole(ctx, c, table.ResourceManagementPrincipal, "", "")
	require.NoError(t, err)
	var keys []string
	for range 2 {
		k, err := st.KMS.CreateKey(ctx, c, kms.CreateKeyRequest{Policy: `{"Version":"2012-10-17","Statement":[` + stmts + `]}`})
		require.NoError(t, err)
		keys = append(keys, k.ARN)
	}
	var bucket string
	for i, k := range keys {
		if i == 0 {
			_, err := svc.CreateDataLake(ctx, c, lake.CreateDataLakeInput{Configurations: []lake.Configuration{{Region: "us-east-1",
				Encryption: &lake.Encryption{KMSKeyID: k}}}, MetaStoreRole: "arn:aws:iam::" + acct + ":role/AmazonSecurityLakeMetaStoreManager"})
			require.NoError(t, err)
		} else {
			_, err := svc.UpdateDataLake(ctx, c, "switch", []lake.Configuration{{Region: "us-east-1", Encryption: &lake.Encryption{KMSKeyID: k}}}, "")
			require.NoError(t, err)
		}
		_, err := svc.Provision(ctx)
		require.NoError(t, err)
		got, err := svc.ListDataLakes(ctx, c, nil)
		require.NoError(t, err)
		bucket = strings.TrimPrefix(got[0].BucketARN, "arn:aws:s3:::")
		if i == 0 {
			for j := range n {
				_, err := st.Objects.PutObject(ctx, c, objstore.PutInput{Bucket: bucket, Key: fmt.Sprintf("aws/VPC_FLOW/2.0/data/%05d.parquet", j),
					Body: strings.NewReader("rows"), Size: 4})
				require.NoError(t, err)
			}
		}
	}
	return bucket, keys[1]
}

// TestReencryption: the job brings every object under the lake's new key in batches, resuming from its cursor;
// starting it again while it runs changes nothing, and once done it re-examines without copying.
func TestReencryption(t *testing.T) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	bucket, key := keyedLake(t, st, svc, 250)
	_, err := svc.GetReencryption(ctx, c, "us-east-1")
	require.Equal(t, "ResourceNotFoundException", code(t, err))
	j, err := svc.StartReencryption(ctx, c, "us-east-1")
	require.NoError(t, err)
	require.Equal(t, lake.ReencryptRunning, j.Status)
	require.Equal(t, key, j.Key)
	n, err := svc.RunReencryption(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 250, n)
	j, err = svc.GetReencryption(ctx, c, "us-east-1")
	require.NoError(t, err)
	require.Equal(t, lake.ReencryptCompleted, j.Status)
	require.EqualValues(t, 250, j.Examined)
	require.EqualValues(t, 250, j.Reencrypted)
	out, err := st.Objects.ListObjects(ctx, c, objstore.ListInput{Bucket: bucket, MaxKeys: 1000})
	require.NoError(t, err)
	for _, o := range out.Objects {
		require.Equal(t, key, o.SSE.KeyARN, o.Key)
		body, err := st.Objects.GetObject(ctx, c, objstore.GetInput{Bucket: bucket, Key: o.Key})
		require.NoError(t, err)
		body.Body.Close()
	}

	j, err = svc.StartReencryption(ctx, c, "us-east-1")
	require.NoError(t, err)
	require.Zero(t, j.Examined, "a finished job starts over")
	n, err = svc.RunReencryption(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "every object is under the key already")
	j, err = svc.GetReencryption(ctx, c, "us-east-1")
	require.NoError(t, err)
	require.EqualValues(t, 250, j.Skipped)
}

// BenchmarkReencryption measures re-encrypting a lake's objects (4-byte bodies: the per-object cost of the copy,
// its KMS data keys through the bucket key, and the job's bookkeeping).
func BenchmarkReencryption(b *testing.B) {
	st := stackForBench(b)
	svc := st.SecurityLake
	c := rootIn("us-east-1")
	keyedLake(b, st, svc, b.N)
	b.ResetTimer()
	_, err := svc.StartReencryption(ctx, c, "us-east-1")
	require.NoError(b, err)
	for {
		n, err := svc.RunReencryption(ctx)
		require.NoError(b, err)
		if n == 0 {
			break
		}
	}
	j, err := svc.GetReencryption(ctx, c, "us-east-1")
	require.NoError(b, err)
	require.EqualValues(b, b.N, j.Reencrypted)
}

// stackForBench is start for benchmarks.
func stackForBench(b *testing.B) *stack.Stack {
	st := stacktest.Start(b, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)))
	_, err := st.IAM.CreateRole(ctx, rootIn("us-east-1"), iam.CreateRoleInput{Name: "AmazonSecurityLakeMetaStoreManager", Path: "/",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	require.NoError(b, err)
	return st
}
