package objstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// Versioning. A bucket's versioning status is "" (never enabled), Enabled or Suspended; once enabled it never
// returns to "". The current version of a key, when it is an object, stays in tableObjects, so that listings,
// lifecycle and reads of the current version are what they were without versioning. Every other version —
// noncurrent objects, and delete markers, current or not — is in tableVersions under
// bucket "/" key "\x00" suffix, where the suffix sorts a key's versions newest first: 16 hex digits of the
// bitwise complement of the version's sequence number, then the version ID ("null" for the null version).
// A version ID is those 16 digits followed by 16 random ones, so that a version ID names its record.
//
// Invariant: when tableObjects has no entry for a key, its newest version (if any) is a delete marker.

const tableVersions = "s3.versions"

// Versioning statuses.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
	// NullVersion is the version ID of objects written while versioning was never enabled or suspended.
	NullVersion = "null"
)

// VersionHeader returns the x-amz-version-id an object's responses carry: its version ID, "null" in a
// bucket that has had versioning, and "" (no header) in one that never had.
func (o *Object) VersionHeader() string {
	switch {
	case o.VersionID != "":
		return o.VersionID
	case o.versioned:
		return NullVersion
	}
	return ""
}

// PutBucketVersioning sets the bucket's versioning status. MFA delete is not supported.
func (s *Service) PutBucketVersioning(ctx context.Context, c *actor.Caller, bucket, status, mfaDelete string) error {
	if status != VersioningEnabled && status != VersioningSuspended {
		return awserr.New("IllegalVersioningConfigurationException", awserr.StatusBadRequest, "The Versioning element must be specified")
	}
	if mfaDelete == "Enabled" {
		return errNotImplemented("MFA delete")
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketVersioning", func(b *Bucket) error {
		if status == VersioningSuspended && b.Replication != nil {
			return awserr.New("InvalidBucketState", awserr.StatusConflict,
				"A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration.")
		}
		b.Versioning = status
		return nil
	})
}

// GetBucketVersioning returns the bucket's versioning status: "" for a bucket whose versioning was never
// enabled.
func (s *Service) GetBucketVersioning(ctx context.Context, c *actor.Caller, bucket string) (string, error) {
	b, err := s.authorizedBucket(ctx, c, bucket, bucketAccess("s3:GetBucketVersioning", bucket))
	if err != nil {
		return "", err
	}
	return b.Versioning, nil
}

// versionsPrefix is the prefix of a key's entries in tableVersions.
func versionsPrefix(bucket, key string) string { return bucket + "/" + key + "\x00" }

// seqHex is the part of a version's suffix that orders it: newer versions sort first.
func seqHex(seq uint64) string { return fmt.Sprintf("%016x", ^seq) }

// versionSuffix is where a version sorts among its key's versions.
func versionSuffix(o *Object) string {
	if o.VersionID == "" {
		return seqHex(o.Seq) + NullVersion
	}
	return o.VersionID
}

func versionKey(o *Object) string { return versionsPrefix(o.Bucket, o.Key) + versionSuffix(o) }

// validVersionID checks the form of a version ID a request names.
func validVersionID(id string) error {
	if id == NullVersion {
		return nil
	}
	if len(id) != 32 {
		return errInvalidArgument("versionId", id, "Invalid version id specified")
	}
	if _, err := hex.DecodeString(id); err != nil {
		return errInvalidArgument("versionId", id, "Invalid version id specified")
	}
	return nil
}

// newVersionID returns a version ID for sequence number seq.
func newVersionID(r io.Reader, seq uint64) (string, error) {
	var b [8]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("version id: %w", err)
	}
	return seqHex(seq) + hex.EncodeToString(b[:]), nil
}

func putVersion(tx meta.Tx, o *Object) error {
	v, err := encodeObject(o)
	if err != nil {
		return err
	}
	return tx.Put(tableVersions, versionKey(o), v)
}

// newestVersion returns the newest entry of key in tableVersions, or nil.
func newestVersion(tx meta.Tx, bucket, key string) (*Object, error) {
	var out *Object
	var derr error
	err := tx.Scan(tableVersions, meta.Range{Prefix: versionsPrefix(bucket, key), Limit: 1}, func(_ string, v []byte) bool {
		out = new(Object)
		derr = decodeObject(v, out, true)
		return false
	})
	return out, firstErr(err, derr)
}

// findVersion returns the version id of key and whether it is the current one; NoSuchVersion when there is none.
func findVersion(tx meta.Tx, bucket, key, id string) (*Object, bool, error) {
	cur, err := getObject(tx, bucket, key)
	if err != nil && !isNoSuchKey(err) {
		return nil, false, err
	}
	if cur != nil && (cur.VersionID == id || (id == NullVersion && cur.VersionID == "")) {
		return cur, true, nil
	}
	if id != NullVersion {
		v, err := tx.Get(tableVersions, versionsPrefix(bucket, key)+id)
		if errors.Is(err, meta.ErrNotFound) {
			return nil, false, errNoSuchVersion(key, id)
		}
		if err != nil {
			return nil, false, err
		}
		o := new(Object)
		if err := decodeObject(v, o, true); err != nil {
			return nil, false, fmt.Errorf("decode version %s of %s/%s: %w", id, bucket, key, err)
		}
		return o, false, nil
	}
	null, err := nullVersion(tx, bucket, key)
	if err != nil {
		return nil, false, err
	}
	if null == nil {
		return nil, false, errNoSuchVersion(key, id)
	}
	return null, false, nil
}

// nullVersion returns the null version of key in tableVersions, or nil.
func nullVersion(tx meta.Tx, bucket, key string) (*Object, error) {
	var out *Object
	var derr error
	err := tx.Scan(tableVersions, meta.Range{Prefix: versionsPrefix(bucket, key)}, func(k string, v []byte) bool {
		if !strings.HasSuffix(k, NullVersion) {
			return true
		}
		out = new(Object)
		derr = decodeObject(v, out, true)
		return false
	})
	return out, firstErr(err, derr)
}

// latestMarker returns the delete marker that is the current version of key when tableObjects has none.
func latestMarker(tx meta.Tx, bucket, key string) (*Object, error) {
	o, err := newestVersion(tx, bucket, key)
	if err != nil || o == nil || !o.DeleteMarker {
		return nil, err
	}
	return o, nil
}

// supersede makes room for a new current version of key (an object or a delete marker) in bucket b: the old
// current version old (nil if none) becomes noncurrent, or is replaced when it and the new one are both the
// null version. It returns the new version's sequence number and version ID, and the blobs no longer
// referenced.
func (s *Service) supersede(tx meta.Tx, b *Bucket, key string, old *Object) (seq uint64, id string, retired []dataBlob, err error) {
	if b.Versioning == "" {
		if old != nil {
			retired = old.Blobs
		}
		return 0, "", retired, nil
	}
	seq = uint64(s.clock.Now().UnixNano())
	if old != nil && old.Seq >= seq {
		seq = old.Seq + 1
	}
	newest, err := newestVersion(tx, b.Name, key)
	if err != nil {
		return 0, "", nil, err
	}
	if newest != nil && newest.Seq >= seq {
		seq = newest.Seq + 1
	}
	if b.Versioning == VersioningEnabled {
		if id, err = newVersionID(s.rand, seq); err != nil {
			return 0, "", nil, err
		}
		if old != nil {
			err = putVersion(tx, old)
		}
		return seq, id, nil, err
	}
	// Suspended: the new version is the null version, replacing any other.
	null, err := nullVersion(tx, b.Name, key)
	if err != nil {
		return 0, "", nil, err
	}
	if null != nil {
		retired = append(retired, null.Blobs...)
		if err := tx.Delete(tableVersions, versionKey(null)); err != nil {
			return 0, "", nil, err
		}
	}
	switch {
	case old == nil:
	case old.VersionID == "":
		retired = append(retired, old.Blobs...)
	default:
		err = putVersion(tx, old)
	}
	return seq, "", retired, err
}

func errNoSuchVersion(key, id string) error {
	return awserr.New("NoSuchVersion", awserr.StatusNotFound, "The specified version does not exist.").With("Key", key).With("VersionId", id)
}

// errDeleteMarker is S3's answer to a GET or HEAD of a delete marker: 405 when the marker was named by its
// version ID, 404 NoSuchKey when it is the key's current version.
func errDeleteMarker(m *Object, named bool) error {
	var e *awserr.Error
	if named {
		e = awserr.New("MethodNotAllowed", awserr.StatusMethodNotAllowed, "The specified method is not allowed against this resource.").
			With("Method", "GET").With("ResourceType", "DeleteMarker").WithHeader("Allow", "DELETE")
	} else {
		e = awserr.New("NoSuchKey", awserr.StatusNotFound, "The specified key does not exist.").With("Key", m.Key)
	}
	return e.WithHeader("x-amz-delete-marker", "true").WithHeader("x-amz-version-id", m.VersionHeader()).
		WithHeader("Last-Modified", m.LastModified.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
}
