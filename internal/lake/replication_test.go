package lake_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/objstore"
)

// TestReplicationToRollupRegion: a contributing region's lake replicates to its rollup region's lake bucket as
// the replication role; a rollup region without a lake fails the update, naming it.
func TestReplicationToRollupRegion(t *testing.T) {
	st, svc := start(t)
	c := rootIn("us-east-1")
	role, err := st.IAM.CreateRole(ctx, c, iam.CreateRoleInput{Name: "AmazonSecurityLakeS3ReplicationRole", Path: "/service-role/",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	require.NoError(t, err)
	require.NoError(t, st.IAM.PutInlinePolicy(ctx, c, iam.KindRole, role.Name, "replicate",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`))
	west := createLake(t, svc, "us-west-2")
	replicate := func() lake.DataLake {
		t.Helper()
		_, err := svc.UpdateDataLake(ctx, rootIn("us-west-2"), "rep", []lake.Configuration{{Region: "us-west-2",
			Replication: &lake.Replication{Regions: []string{"us-east-1"}, RoleARN: role.ARN()}}}, "")
		require.NoError(t, err)
		_, err = svc.Provision(ctx)
		require.NoError(t, err)
		got, err := svc.ListDataLakes(ctx, c, []string{"us-west-2"})
		require.NoError(t, err)
		return got[0]
	}
	got := replicate()
	require.Equal(t, lake.StatusFailed, got.UpdateStatus.Status)
	require.Contains(t, got.UpdateStatus.Exception.Reason, "The rollup region us-east-1 has no data lake")

	east := createLake(t, svc, "us-east-1")
	got = replicate()
	require.Equal(t, lake.StatusCompleted, got.UpdateStatus.Status)
	westBucket := strings.TrimPrefix(west.BucketARN, "arn:aws:s3:::")
	rep, err := st.Objects.GetBucketReplication(ctx, c, westBucket)
	require.NoError(t, err)
	require.Equal(t, role.ARN(), rep.Role)
	require.Equal(t, east.BucketARN, rep.Rules[0].Destination.Bucket)

	_, err = st.Objects.PutObject(ctx, c, objstore.PutInput{Bucket: westBucket, Key: "aws/VPC_FLOW/2.0/data/x.parquet",
		Body: strings.NewReader("rows"), Size: 4})
	require.NoError(t, err)
	_, err = st.Objects.RunReplication(ctx)
	require.NoError(t, err)
	out, err := st.Objects.HeadObject(ctx, c, objstore.GetInput{Bucket: strings.TrimPrefix(east.BucketARN, "arn:aws:s3:::"), Key: "aws/VPC_FLOW/2.0/data/x.parquet"})
	require.NoError(t, err, "the object is replicated to the rollup region")
	require.EqualValues(t, 4, out.Object.Size)
}
