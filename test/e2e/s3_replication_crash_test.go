package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// TestS3ReplicationSurvivesSIGKILL: versions whose replication fails (the role may not write the destination)
// wait in the queue, which is in the metadata store; the server is killed with SIGKILL, started again on the
// same data, the role's policy is fixed, and every version is replicated once, with its version ID.
func TestS3ReplicationSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	p := startProcess(t, dataDir)
	ctx := context.Background()
	c := s3Client(p.rootConfig())
	ic := iam.NewFromConfig(p.rootConfig())
	for _, name := range []string{"crash-src", "crash-dst"} {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
		require.NoError(t, err)
		_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
		require.NoError(t, err)
	}
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("crash-replication"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	require.NoError(t, err)
	policy := func(actions string) *iam.PutRolePolicyInput {
		return &iam.PutRolePolicyInput{RoleName: aws.String("crash-replication"), PolicyName: aws.String("replicate"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjectVersionForReplication","Resource":"arn:aws:s3:::crash-src/*"},
				{"Effect":"Allow","Action":` + actions + `,"Resource":"arn:aws:s3:::crash-dst/*"}]}`)}
	}
	_, err = ic.PutRolePolicy(ctx, policy(`"s3:ReplicateDelete"`)) // not s3:ReplicateObject
	require.NoError(t, err)
	_, err = c.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String("crash-src"),
		ReplicationConfiguration: &types.ReplicationConfiguration{Role: role.Role.Arn, Rules: []types.ReplicationRule{{
			ID: aws.String("all"), Priority: aws.Int32(1), Status: types.ReplicationRuleStatusEnabled,
			Filter:                  &types.ReplicationRuleFilter{Prefix: aws.String("")},
			DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusDisabled},
			Destination:             &types.Destination{Bucket: aws.String("arn:aws:s3:::crash-dst")}}}}})
	require.NoError(t, err)

	const n = 20
	versions := map[string]string{}
	for i := range n {
		key := fmt.Sprintf("k%02d", i)
		out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("crash-src"), Key: aws.String(key), Body: strings.NewReader(key)})
		require.NoError(t, err)
		versions[key] = aws.ToString(out.VersionId)
	}
	statusOf := func(c *s3.Client, key string) types.ReplicationStatus {
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("crash-src"), Key: aws.String(key)})
		require.NoError(t, err)
		return h.ReplicationStatus
	}
	require.Eventually(t, func() bool { return statusOf(c, "k19") == types.ReplicationStatusFailed }, 30*time.Second, 100*time.Millisecond)
	p.kill(t)

	p = startProcess(t, dataDir)
	c = s3Client(p.rootConfig())
	_, err = iam.NewFromConfig(p.rootConfig()).PutRolePolicy(ctx, policy(`["s3:ReplicateObject","s3:ReplicateDelete"]`))
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		for key := range versions {
			if statusOf(c, key) != types.ReplicationStatusCompleted {
				return false
			}
		}
		return true
	}, time.Minute, 200*time.Millisecond, "every version replicated after the restart")
	list, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("crash-dst")})
	require.NoError(t, err)
	require.Len(t, list.Versions, n, "each version replicated once")
	for _, v := range list.Versions {
		require.Equal(t, versions[aws.ToString(v.Key)], aws.ToString(v.VersionId))
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("crash-dst"), Key: aws.String("k07")})
	require.NoError(t, err)
	defer got.Body.Close()
	require.Equal(t, types.ReplicationStatusReplica, got.ReplicationStatus)
}
