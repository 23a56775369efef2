package objstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestReplicasFromAnotherServer: a write that names its source's version ID (ReplicaVersionHeader) is stored
// under that ID with REPLICA status, once: the same replica sent again (a retried replication) leaves the first.
// Its place among the versions follows the ID's write time, so an older replica arriving late becomes
// noncurrent. IDs that are not version IDs, or from far in the future, are refused, as are replicas into a
// bucket without versioning.
func TestReplicasFromAnotherServer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.bucket(t, "replicas")
	replica := func(key, id, body string) (*Object, error) {
		return f.s.PutObject(ctx, f.root, PutInput{Bucket: "replicas", Key: key, Body: strings.NewReader(body), Size: int64(len(body)), ReplicaVersionID: id})
	}
	idAt := func(at time.Time) string {
		id, err := newVersionID(strings.NewReader("0123456789abcdef"), uint64(at.UnixNano()))
		require.NoError(t, err)
		return id
	}
	older := idAt(f.clock.Now().Add(-time.Hour))
	_, err := replica("k", older, "old")
	require.Equal(t, "InvalidRequest", code(err), "a replica needs versioning on the destination")
	require.NoError(t, f.s.PutBucketVersioning(ctx, f.root, "replicas", VersioningEnabled, ""))

	cur := f.put(t, "replicas", "k", "current")
	o, err := replica("k", older, "old")
	require.NoError(t, err)
	require.Equal(t, older, o.VersionID)
	require.Equal(t, ReplicationReplica, o.ReplicationStatus)
	again, err := replica("k", older, "something else")
	require.NoError(t, err)
	require.Equal(t, md5Hex([]byte("old")), again.ETag, "the first replica stays")
	out, err := f.s.ListObjectVersions(ctx, f.root, VersionListInput{Bucket: "replicas", MaxKeys: 10})
	require.NoError(t, err)
	require.Len(t, out.Versions, 2)
	require.Equal(t, []string{cur.VersionID, older}, []string{out.Versions[0].VersionID, out.Versions[1].VersionID})
	require.True(t, out.Versions[0].IsLatest, "the older replica does not replace the current version")
	body, err := f.read(t, f.root, "replicas", "k")
	require.NoError(t, err)
	require.Equal(t, "current", body)

	for _, id := range []string{"null", "xyz", idAt(f.clock.Now().Add(48 * time.Hour))} {
		_, err := replica("k2", id, "x")
		require.Equal(t, "InvalidArgument", code(err), id)
	}
}
