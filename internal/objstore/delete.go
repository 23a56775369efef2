package objstore

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// ObjectVersion names an object's version: VersionID "" is the current version.
type ObjectVersion struct {
	Bucket, Key, VersionID string
	// ReplicaOf, when set, makes DeleteVersion write the replica of the delete marker with that version ID of
	// another server's object (ReplicaVersionHeader).
	ReplicaOf string
}

// DeleteOutput is what a deletion did: the version it removed or the delete marker it created.
type DeleteOutput struct {
	// VersionID is the version deleted (when one was named) or the new delete marker's ("" for none).
	VersionID string
	// DeleteMarker is set when a delete marker was created or deleted.
	DeleteMarker bool
}

// DeleteObject deletes an object's current version; deleting a missing key succeeds, as on S3.
func (s *Service) DeleteObject(ctx context.Context, c *actor.Caller, bucket, key string) error {
	_, err := s.DeleteVersion(ctx, c, ObjectVersion{Bucket: bucket, Key: key})
	return err
}

// DeleteVersion deletes an object as S3's DeleteObject does. Without a version ID it deletes the current
// version: in a bucket with versioning, by adding a delete marker. With one (s3:DeleteObjectVersion) it removes
// that version for good; a missing version succeeds.
func (s *Service) DeleteVersion(ctx context.Context, c *actor.Caller, v ObjectVersion) (*DeleteOutput, error) {
	if v.ReplicaOf != "" {
		return s.deleteReplica(ctx, c, v)
	}
	b, err := s.authorizedDelete(ctx, c, nil, v)
	if err != nil {
		return nil, err
	}
	return s.deleteAuthorized(ctx, c, b, v)
}

// authorizedDelete checks a deletion's version ID and authorizes it (on b when given, else on the loaded bucket).
func (s *Service) authorizedDelete(ctx context.Context, c *actor.Caller, b *Bucket, v ObjectVersion) (*Bucket, error) {
	a := objectAccess("s3:DeleteObject", v.Bucket, v.Key)
	if v.VersionID != "" {
		if err := validVersionID(v.VersionID); err != nil {
			return nil, err
		}
		a = versionAccess("s3:DeleteObjectVersion", v.Bucket, v.Key, v.VersionID)
	}
	if b == nil {
		return s.authorizedBucket(ctx, c, v.Bucket, a)
	}
	return b, s.authorize(ctx, c, b, a)
}

func (s *Service) deleteAuthorized(ctx context.Context, c *actor.Caller, b *Bucket, v ObjectVersion) (*DeleteOutput, error) {
	if v.VersionID != "" {
		return s.removeVersion(ctx, c, b, v.Key, v.VersionID, "ObjectRemoved:Delete")
	}
	return s.removeObject(ctx, c, b, v.Key, "ObjectRemoved:Delete")
}

// removeObject deletes an object's current version and records the event: without versioning it removes
// the record and retires its blobs; with versioning it adds a delete marker (event …DeleteMarkerCreated).
func (s *Service) removeObject(ctx context.Context, c *actor.Caller, bk *Bucket, key, event string) (*DeleteOutput, error) {
	var retired []dataBlob
	out := &DeleteOutput{}
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		retired, *out = nil, DeleteOutput{}
		b, err := getBucket(tx, bk.Name)
		if err != nil {
			return err
		}
		old, err := getObject(tx, b.Name, key)
		if err != nil && !isNoSuchKey(err) {
			return err
		}
		if old == nil && b.Versioning == "" {
			return nil
		}
		seq, id, r, err := s.supersede(tx, b, key, old)
		if err != nil {
			return err
		}
		retired = r
		if err := retireBlobs(tx, retired); err != nil {
			return err
		}
		if old != nil {
			if err := tx.Delete(tableObjects, objectKey(b.Name, key)); err != nil {
				return err
			}
		}
		if b.Versioning == "" {
			return s.recordEvent(tx, b, c, event, old)
		}
		m := &Object{Bucket: b.Name, Key: key, VersionID: id, Seq: seq, DeleteMarker: true, LastModified: s.now(),
			Owner: b.Owner, versioned: true}
		if err := s.enqueueReplication(tx, b, m); err != nil {
			return err
		}
		if err := putVersion(tx, m); err != nil {
			return err
		}
		out.VersionID, out.DeleteMarker = m.VersionHeader(), true
		return s.recordEvent(tx, b, c, strings.TrimSuffix(event, "Delete")+"DeleteMarkerCreated", m)
	})
	if err != nil {
		return nil, err
	}
	s.collect(retired)
	return out, nil
}

// removeVersion removes one version of key for good; when it was the current one, the next newest becomes
// current. A missing version is not an error.
func (s *Service) removeVersion(ctx context.Context, c *actor.Caller, bk *Bucket, key, id, event string) (*DeleteOutput, error) {
	var retired []dataBlob
	out := &DeleteOutput{}
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		retired, *out = nil, DeleteOutput{VersionID: id}
		b, err := getBucket(tx, bk.Name)
		if err != nil {
			return err
		}
		v, current, err := findVersion(tx, b.Name, key, id)
		if e, ok := asAWS(err); ok && e.Code == "NoSuchVersion" {
			return nil
		}
		if err != nil {
			return err
		}
		out.DeleteMarker = v.DeleteMarker
		if current {
			err = tx.Delete(tableObjects, objectKey(b.Name, key))
		} else {
			err = tx.Delete(tableVersions, versionKey(v))
		}
		if err != nil {
			return err
		}
		retired = v.Blobs
		if err := retireBlobs(tx, retired); err != nil {
			return err
		}
		if err := promote(tx, b.Name, key); err != nil {
			return err
		}
		return s.recordEvent(tx, b, c, event, v)
	})
	if err != nil {
		return nil, err
	}
	s.collect(retired)
	return out, nil
}

// promote keeps the versions' invariant after a version was removed: when key has no current object and its
// newest version is an object, that version becomes current.
func promote(tx meta.Tx, bucket, key string) error {
	if _, err := getObject(tx, bucket, key); !isNoSuchKey(err) {
		return err
	}
	next, err := newestVersion(tx, bucket, key)
	if err != nil || next == nil || next.DeleteMarker {
		return err
	}
	if err := tx.Delete(tableVersions, versionKey(next)); err != nil {
		return err
	}
	val, err := encodeObject(next)
	if err != nil {
		return err
	}
	return tx.Put(tableObjects, objectKey(bucket, key), val)
}

// DeleteResult is the outcome for one key of DeleteObjects.
type DeleteResult struct {
	Key, VersionID string
	// DeleteMarker and DeleteMarkerVersionID describe the delete marker created or deleted.
	DeleteMarker          bool
	DeleteMarkerVersionID string
	Code                  string // empty on success
	Message               string
}

// DeleteObjects deletes up to 1000 objects or versions, each authorized on its own; failures are reported per
// key.
func (s *Service) DeleteObjects(ctx context.Context, c *actor.Caller, bucket string, objects []ObjectVersion) ([]DeleteResult, error) {
	if len(objects) > 1000 {
		return nil, errMalformedXML()
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	out := make([]DeleteResult, 0, len(objects))
	for _, o := range objects {
		o.Bucket = bucket
		r := DeleteResult{Key: o.Key, VersionID: o.VersionID}
		_, err := s.authorizedDelete(ctx, c, b, o)
		var d *DeleteOutput
		if err == nil {
			d, err = s.deleteAuthorized(ctx, c, b, o)
		}
		if err != nil {
			e, ok := asAWS(err)
			if !ok {
				return nil, err
			}
			r.Code, r.Message = e.Code, e.Message
		} else if d.DeleteMarker {
			r.DeleteMarker, r.DeleteMarkerVersionID = true, d.VersionID
		}
		out = append(out, r)
	}
	return out, nil
}
