package query_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// TestCachedFootersStillAuthorize: once a query has read (and the engine kept) the data files' footers, a later
// query still reads as its caller: other users without s3:GetObject or kms:Decrypt are refused, the same user with
// s3:GetObject taken away is refused (kms:Decrypt taken away from a user who had it is seen once the bucket key's
// reuse period is over, as on AWS: the object store's business, not the cache's), and with it given back the
// answer is the same again; a commit's new files are read and counted.
func TestCachedFootersStillAuthorize(t *testing.T) {
	old := query.SetSparseMin(0) // these files are small: read them sparsely, through the footer cache
	defer query.SetSparseMin(old)
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	noS3 := e.user(t, "bob", "glue:GetTable", "glue:GetDatabase", "kms:Decrypt")
	noKMS := e.user(t, "carol", "glue:GetTable", "glue:GetDatabase", "s3:GetObject")
	q := e.st.Query
	for i, sql := range []string{"SELECT count(*) FROM " + lakeDB + "." + name,
		"SELECT sum(traffic.packets) FROM " + lakeDB + "." + name} {
		_, want, first := run(t, q, alice, sql)
		_, got, again := run(t, q, alice, sql)
		require.Equal(t, want, got, sql)
		if i == 0 { // the second statement finds the footers kept by the first
			require.Less(t, again.DataScannedBytes, first.DataScannedBytes, "the footers come from the cache: %s", sql)
		}
		require.Positive(t, again.DataScannedBytes, "every file is still read as the caller: %s", sql)

		setPolicy(t, e, "glue:GetTable", "glue:GetDatabase", "kms:Decrypt")
		err := queryErr(t, q, alice, sql)
		require.Equal(t, "AccessDenied", err.Code)
		require.Contains(t, err.Message, "s3:GetObject")

		err = queryErr(t, q, noS3, sql)
		require.Equal(t, "AccessDenied", err.Code)
		require.Contains(t, err.Message, "s3:GetObject")
		err = queryErr(t, q, noKMS, sql)
		require.Equal(t, "AccessDenied", err.Code)
		require.Contains(t, err.Message, "kms:Decrypt")

		setPolicy(t, e, readAll...)
		_, got, _ = run(t, q, alice, sql)
		require.Equal(t, want, got, sql)
	}
	sql := "SELECT count(*), sum(traffic.packets) FROM " + lakeDB + "." + name
	_, before, _ := run(t, q, alice, sql)
	e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	_, after, _ := run(t, q, alice, sql)
	require.NotEqual(t, before, after, "a new commit's files are read")
	e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	_, third, _ := run(t, q, alice, sql)
	require.NotEqual(t, after, third, "a new commit's files are read")
}

// setPolicy replaces alice's inline policy with one allowing actions.
func setPolicy(t *testing.T, e *lakeEnv, actions ...string) {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["`
	for i, a := range actions {
		if i > 0 {
			doc += `","`
		}
		doc += a
	}
	doc += `"],"Resource":"*"}]}`
	require.NoError(t, e.st.IAM.PutInlinePolicy(ctx, e.root, iam.KindUser, "alice", "p", doc))
}
