package objstore

import (
	"context"
	"strconv"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// Replicas that another server's replication writes here (see replicate_remote.go): a PutObject or a
// DeleteObject that names the source's version ID in ReplicaVersionHeader. AWS authorizes the replication
// role's writes as s3:ReplicateObject and s3:ReplicateDelete, so those are what these writes ask for, of the
// caller's policies and this bucket's policy; the copy keeps the source's version ID and says REPLICA, and is
// not replicated again.

// maxReplicaSkew bounds how far in this server's future a replica's version may be: its sequence number is
// its source's write time, and one far ahead would sort above every later write.
const maxReplicaSkew = 24 * time.Hour

// replicaSeq returns the sequence number a version ID carries, which orders the replica among the
// destination's versions as its source is ordered (sequence numbers are write times).
func (s *Service) replicaSeq(id string) (uint64, error) {
	if id == NullVersion || validVersionID(id) != nil {
		return 0, errInvalidArgument(ReplicaVersionHeader, id, "Invalid version id specified")
	}
	n, err := strconv.ParseUint(id[:16], 16, 64)
	if err != nil {
		return 0, errInvalidArgument(ReplicaVersionHeader, id, "Invalid version id specified")
	}
	if seq := ^n; seq <= uint64(s.clock.Now().Add(maxReplicaSkew).UnixNano()) {
		return seq, nil
	}
	return 0, errInvalidArgument(ReplicaVersionHeader, id, "The version id is from the future: check the clocks of the two servers")
}

// replicaBucket checks a replica's version ID and the destination bucket, and authorizes the write.
func (s *Service) replicaBucket(ctx context.Context, c *actor.Caller, bucket, key, id string, a access) (*Bucket, uint64, error) {
	seq, err := s.replicaSeq(id)
	if err != nil {
		return nil, 0, err
	}
	if err := validKey(key); err != nil {
		return nil, 0, err
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, 0, err
	}
	if err := s.authorize(ctx, c, b, a); err != nil {
		return nil, 0, err
	}
	if b.Versioning != VersioningEnabled {
		return nil, 0, errInvalidRequest("Versioning must be 'Enabled' on the destination bucket %s", bucket)
	}
	return b, seq, nil
}

// putReplica stores the replica of an object version, encrypted as the request asks (the replication
// rule's ReplicaKmsKeyID), or returns the replica that is there already.
func (s *Service) putReplica(ctx context.Context, c *actor.Caller, in PutInput) (*Object, error) {
	id := in.ReplicaVersionID
	if err := checkWriteArgs(in.StorageClass, in.Tags, in.ContentMD5); err != nil {
		return nil, err
	}
	a := versionAccess("s3:ReplicateObject", in.Bucket, in.Key, id)
	a.ctx = writeContext(in.SSE, in.StorageClass, in.Tags)
	a.ctx.Set("s3:versionid", id)
	b, seq, err := s.replicaBucket(ctx, c, in.Bucket, in.Key, id, a)
	if err != nil {
		return nil, err
	}
	if old, err := s.findReplica(ctx, in.Bucket, in.Key, id); err != nil || old != nil {
		return old, err
	}
	st, err := s.resolveSSE(b, in.SSE)
	if err != nil {
		return nil, err
	}
	dk, rec, err := s.newDataKey(ctx, c, in.Bucket, in.Key, st)
	if err != nil {
		return nil, err
	}
	part, hashes, err := s.writeBlob(ctx, dk, in.Body, MaxPutSize, in.Checksum.Algorithm)
	if err != nil {
		return nil, err
	}
	obj := &Object{Bucket: in.Bucket, Key: in.Key, Size: part.Size, ETag: hashes.etag(), LastModified: s.now(),
		Headers: in.Headers, Metadata: in.Metadata, StorageClass: storageClass(in.StorageClass), Tags: in.Tags,
		SSE: rec, Owner: b.Owner, Blobs: []dataBlob{part}, VersionID: id, Seq: seq, ReplicationStatus: ReplicationReplica,
		versioned: true}
	if err := verifyBody(in.ContentMD5, in.Checksum, hashes, obj); err != nil {
		s.dropBlob(part.Blob)
		return nil, err
	}
	if err := s.commitReplica(ctx, obj); err != nil {
		s.dropBlob(part.Blob)
		return nil, err
	}
	return obj, nil
}

// deleteReplica stores the replica of a delete marker.
func (s *Service) deleteReplica(ctx context.Context, c *actor.Caller, v ObjectVersion) (*DeleteOutput, error) {
	id := v.ReplicaOf
	b, seq, err := s.replicaBucket(ctx, c, v.Bucket, v.Key, id, versionAccess("s3:ReplicateDelete", v.Bucket, v.Key, id))
	if err != nil {
		return nil, err
	}
	marker := &Object{Bucket: v.Bucket, Key: v.Key, VersionID: id, Seq: seq, DeleteMarker: true, LastModified: s.now(),
		Owner: b.Owner, ReplicationStatus: ReplicationReplica, versioned: true}
	if err := s.commitReplica(ctx, marker); err != nil {
		return nil, err
	}
	return &DeleteOutput{VersionID: id, DeleteMarker: true}, nil
}

// findReplica returns version id of key when it is there already, or nil.
func (s *Service) findReplica(ctx context.Context, bucket, key, id string) (*Object, error) {
	var found *Object
	err := s.store.View(ctx, func(tx meta.Tx) error {
		o, _, err := findVersion(tx, bucket, key, id)
		if _, ok := asAWS(err); ok {
			return nil
		}
		found = o
		return err
	})
	if found != nil {
		found.versioned = true
	}
	return found, err
}
