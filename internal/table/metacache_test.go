package table_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source/vpcflow"
)

// TestReadsSeeCommitsAndPolicies: the metadata kept for reads (LoadTable, Plan) follows the catalog: a commit's
// metadata and files are seen at once, a caller's change to what LoadTable returned changes nothing kept, and a
// bucket policy that stops the lake's principal from reading the metadata refuses the next read, kept or not.
func TestReadsSeeCommitsAndPolicies(t *testing.T) { onBothStores(t, readsSeeCommitsAndPolicies) }

func readsSeeCommitsAndPolicies(t *testing.T, e *env) {
	vpc := openTable(t, e, "vpc_flow")
	flows := normalize(t, vpcflow.New(), "../source/vpcflow/testdata/default-v2.log", "vpc_flow")
	_, err := vpc.Append(ctx, flows)
	require.NoError(t, err)
	ns, name := "amazon_security_lake_glue_db_us_east_1", vpc.Name()

	first, err := e.lake.LoadTable(ctx, ns, name)
	require.NoError(t, err)
	first.Name, first.Columns[0].Name = "changed", "changed"
	again, err := e.lake.LoadTable(ctx, ns, name)
	require.NoError(t, err)
	require.Equal(t, name, again.Name)
	require.NotEqual(t, "changed", again.Columns[0].Name)
	require.Equal(t, first.MetadataLocation, again.MetadataLocation)
	plan, err := e.lake.Plan(ctx, ns, name, nil)
	require.NoError(t, err)
	require.Len(t, plan.Files, 1)

	_, err = vpc.Append(ctx, flows)
	require.NoError(t, err)
	after, err := e.lake.LoadTable(ctx, ns, name)
	require.NoError(t, err)
	require.NotEqual(t, again.MetadataLocation, after.MetadataLocation, "a commit's metadata is seen")
	plan, err = e.lake.Plan(ctx, ns, name, nil)
	require.NoError(t, err)
	require.Len(t, plan.Files, 2, "a commit's files are planned")

	deny := strings.Replace(bucketPolicy, `"Statement":[`, `"Statement":[{"Sid":"NoMetadata","Effect":"Deny",
 "Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::`+bucket+`/*/metadata/*"},`, 1)
	require.NoError(t, e.st.Objects.PutBucketPolicy(ctx, root, bucket, deny))
	_, err = e.lake.LoadTable(ctx, ns, name)
	require.Error(t, err, "kept metadata is refused as the store refuses it")
	_, err = e.lake.Plan(ctx, ns, name, nil)
	require.Error(t, err)
	require.NoError(t, e.st.Objects.PutBucketPolicy(ctx, root, bucket, bucketPolicy))
	_, err = e.lake.LoadTable(ctx, ns, name)
	require.NoError(t, err)
}
