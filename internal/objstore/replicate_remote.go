package objstore

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/seclake/seclake/internal/actor"
)

// Replication to another server. AWS's ReplicationConfiguration has no endpoint: a rule names a destination
// bucket ARN and, optionally, its account. The operator maps such buckets (or whole accounts) to other S3
// servers — another seclake, or any S3 API — in seclake's configuration, with the credentials to use there
// (package s3remote). For a rule whose destination is mapped, the replication job reads the version as the
// replication role (as for a local destination: the role's policies, the source bucket's policy and the source
// key's policy decide) and sends it to the remote, which authorizes the write with its own policies and
// encrypts it with the rule's ReplicaKmsKeyID. A seclake remote keeps the source's version ID and marks the copy
// REPLICA when the request carries ReplicaVersionHeader and its caller may s3:ReplicateObject
// (s3:ReplicateDelete for delete markers); so a retried replication finds its replica and writes nothing.

// ReplicaVersionHeader carries the source's version ID on the PutObject or DeleteObject that writes a replica
// to another seclake (a seclake extension of S3's API). It makes the write a replica (status REPLICA, the
// source's version ID), authorized as s3:ReplicateObject or s3:ReplicateDelete instead of s3:PutObject or
// s3:DeleteObject.
const ReplicaVersionHeader = "X-Seclake-Replica-Version-Id"

// Remotes are the other servers that replication writes to, as the operator configured them.
type Remotes interface {
	// ForBucket names the remote that holds the bucket (by name), or "" when none is configured for it.
	ForBucket(bucket string) string
	// ForAccount names the remote that holds the buckets of account, or "" when none is configured for it.
	ForAccount(account string) string
	// PutReplica writes a replica of an object version with its body (r.Size bytes).
	PutReplica(ctx context.Context, remote string, r *RemoteReplica, body io.Reader) error
	// PutDeleteMarker writes a replica of a delete marker.
	PutDeleteMarker(ctx context.Context, remote string, r *RemoteReplica) error
}

// RemoteReplica is an object version, or a delete marker, to write into a bucket of another server.
type RemoteReplica struct {
	Bucket, Key string
	// VersionID is the source's version ID (sent in ReplicaVersionHeader).
	VersionID    string
	Size         int64
	Headers      Headers
	Metadata     map[string]string
	Tags         []Tag
	StorageClass string
	// SSEAlgorithm and KMSKeyID are the encryption the remote is asked for: the source's algorithm and, for
	// SSE-KMS, the rule's ReplicaKmsKeyID.
	SSEAlgorithm, KMSKeyID string
	// ContentMD5 is the body's MD5 (base64) when the source's ETag is one, so the remote checks the body.
	ContentMD5 string
}

// remoteFor names the remote server a rule's destination bucket is on, or "" when it is a bucket of this
// server: a remote configured for the bucket wins; a remote configured for the destination's account applies
// to buckets this server does not have.
func (s *Service) remoteFor(ctx context.Context, rule *ReplicationRule, dest string) string {
	if s.remotes == nil {
		return ""
	}
	if r := s.remotes.ForBucket(dest); r != "" {
		return r
	}
	if rule.Destination.Account == "" {
		return ""
	}
	if _, err := s.bucket(ctx, dest); err == nil {
		return ""
	}
	return s.remotes.ForAccount(rule.Destination.Account)
}

// replicateRemote sends version o of bucket b to bucket dest on the remote server, read as sess, the
// replication role's session; the remote decides the write.
func (s *Service) replicateRemote(ctx context.Context, sess *actor.Caller, b *Bucket, o *Object, rule *ReplicationRule, dest, remote string) (int64, error) {
	r := &RemoteReplica{Bucket: dest, Key: o.Key, VersionID: versionID(o), Size: o.Size, Headers: o.Headers,
		Metadata: o.Metadata, Tags: o.Tags, StorageClass: o.StorageClass, SSEAlgorithm: SSEAES256}
	if rule.Destination.StorageClass != "" {
		r.StorageClass = rule.Destination.StorageClass
	}
	if o.DeleteMarker {
		return 0, s.remoteErr(remote, s.remotes.PutDeleteMarker(ctx, remote, r))
	}
	if err := s.authorize(ctx, sess, b, versionAccess("s3:GetObjectVersionForReplication", b.Name, o.Key, r.VersionID)); err != nil {
		return 0, err
	}
	if o.Size > MaxPutSize {
		return 0, errNotImplemented(fmt.Sprintf("replication of objects larger than %d bytes to another server", int64(MaxPutSize)))
	}
	if isKMS(o.SSE.Algorithm) {
		r.SSEAlgorithm, r.KMSKeyID = o.SSE.Algorithm, rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID
	}
	if o.PartsCount == 0 {
		if sum, err := hex.DecodeString(o.ETag); err == nil && len(sum) == 16 {
			r.ContentMD5 = base64.StdEncoding.EncodeToString(sum)
		}
	}
	dk, err := s.openDataKey(ctx, sess, b.Name, o.Key, o.SSE)
	if err != nil {
		return 0, err
	}
	body := &objectReader{ctx: ctx, s: s, key: dk, blobs: o.Blobs, remain: o.Size}
	if err := body.pin(); err != nil {
		return 0, err
	}
	defer body.Close()
	if err := s.remoteErr(remote, s.remotes.PutReplica(ctx, remote, r, body)); err != nil {
		return 0, err
	}
	return o.Size, nil
}

// remoteErr names the remote in a failure, so that FAILED versions say where the refusal came from.
func (s *Service) remoteErr(remote string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("remote %s: %w", remote, err)
}
