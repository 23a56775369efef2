package objstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/meta"
)

// TestReplicationIsIdempotent: a task that runs again after its replica was written (a crash between the
// replica's commit and the queue's) leaves one replica, and the source ends COMPLETED; the replica's creation is
// an event of its bucket, once.
func TestReplicationIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, b := range []string{"idem-src", "idem-dst"} {
		f.bucket(t, b)
		require.NoError(t, f.s.PutBucketVersioning(ctx, f.root, b, VersioningEnabled, ""))
	}
	_, err := f.iam.CreateRole(ctx, f.root, iam.CreateRoleInput{Name: "repl",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	require.NoError(t, err)
	require.NoError(t, f.iam.PutInlinePolicy(ctx, f.root, iam.KindRole, "repl", "p",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObjectVersionForReplication","s3:ReplicateObject"],"Resource":"*"}]}`))
	prio := 1
	require.NoError(t, f.s.PutBucketReplication(ctx, f.root, "idem-src", &Replication{Role: "arn:aws:iam::" + account + ":role/repl",
		Rules: []ReplicationRule{{ID: "all", Priority: &prio, Status: "Enabled", Filter: &LifecycleFilter{Prefix: strp("")},
			DeleteMarkerReplication: &ReplicationSwitch{Status: "Disabled"}, Destination: ReplicationDestination{Bucket: "arn:aws:s3:::idem-dst"}}}}))
	err = f.s.PutBucketVersioning(ctx, f.root, "idem-src", VersioningSuspended, "")
	e, _ := awserr.As(err)
	require.Equal(t, "InvalidBucketState", e.Code, "S3 refuses to suspend versioning under a replication configuration")
	require.NoError(t, f.s.SubscribeWith(ctx, "idem-dst", Subscription{ID: "rollup", Kind: DestinationLake}))
	o := f.put(t, "idem-src", "k", "body")
	require.Equal(t, ReplicationPending, o.ReplicationStatus)

	// Keep the queued task, replicate, then put the task back as if the queue's update had been lost.
	var key string
	var task []byte
	require.NoError(t, f.s.store.View(ctx, func(tx meta.Tx) error {
		return tx.Scan(tableReplication, meta.Range{}, func(k string, v []byte) bool { key, task = k, v; return false })
	}))
	require.NotEmpty(t, key)
	res, err := f.s.RunReplication(ctx)
	require.NoError(t, err)
	require.Equal(t, ReplicationResult{Replicated: 1}, res)
	require.NoError(t, f.s.store.Update(ctx, func(tx meta.Tx) error { return tx.Put(tableReplication, key, task) }))
	res, err = f.s.RunReplication(ctx)
	require.NoError(t, err)
	require.Equal(t, ReplicationResult{Replicated: 1}, res, "the second run finds the replica there")

	out, err := f.s.ListObjectVersions(ctx, f.root, VersionListInput{Bucket: "idem-dst", MaxKeys: 1000})
	require.NoError(t, err)
	require.Len(t, out.Versions, 1)
	require.Equal(t, o.VersionID, out.Versions[0].VersionID)
	require.Equal(t, ReplicationReplica, out.Versions[0].ReplicationStatus)
	body, err := f.read(t, f.root, "idem-dst", "k")
	require.NoError(t, err)
	require.Equal(t, "body", body)
	head, err := f.s.HeadObject(ctx, f.root, GetInput{Bucket: "idem-src", Key: "k"})
	require.NoError(t, err)
	require.Equal(t, ReplicationCompleted, head.Object.ReplicationStatus)

	// The replica is a new object in its bucket: one event (the second run wrote nothing), for its subscription.
	evs, err := f.s.PendingEvents(ctx, "", 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	require.Equal(t, "idem-dst", evs[0].Bucket)
	require.Equal(t, "ObjectCreated:Put", evs[0].Name)
	require.Equal(t, []Destination{{Type: DestinationLake, ConfigID: "rollup"}}, evs[0].Destinations)
}
