package objstore

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// taggingAccess is the authorization question of a tagging operation on an object or one of its versions:
// base is "GetObject", "PutObject" or "DeleteObject", which becomes s3:<base>Tagging or s3:<base>VersionTagging.
func taggingAccess(base string, v ObjectVersion) access {
	if v.VersionID != "" {
		return versionAccess("s3:"+base+"VersionTagging", v.Bucket, v.Key, v.VersionID)
	}
	return objectAccess("s3:"+base+"Tagging", v.Bucket, v.Key)
}

// GetObjectTagging returns the tags of an object's version and that version's x-amz-version-id.
func (s *Service) GetObjectTagging(ctx context.Context, c *actor.Caller, v ObjectVersion) ([]Tag, string, error) {
	if v.VersionID != "" {
		if err := validVersionID(v.VersionID); err != nil {
			return nil, "", err
		}
	}
	if _, err := s.authorizedBucket(ctx, c, v.Bucket, taggingAccess("GetObject", v)); err != nil {
		return nil, "", err
	}
	var obj *Object
	err := s.store.View(ctx, func(tx meta.Tx) error {
		b, err := getBucket(tx, v.Bucket)
		if err != nil {
			return err
		}
		var objErr error
		if obj, objErr, err = readVersion(tx, b, v.Key, v.VersionID); err != nil {
			return err
		}
		return objErr
	})
	if err != nil {
		return nil, "", err
	}
	return obj.Tags, obj.VersionHeader(), nil
}

// PutObjectTagging replaces the tags of an object's version (nil removes them) and returns the version's
// x-amz-version-id.
func (s *Service) PutObjectTagging(ctx context.Context, c *actor.Caller, v ObjectVersion, tags []Tag) (string, error) {
	base := "PutObject"
	if tags == nil {
		base = "DeleteObject"
	}
	if err := validTags(tags, 10); err != nil {
		return "", err
	}
	if v.VersionID != "" {
		if err := validVersionID(v.VersionID); err != nil {
			return "", err
		}
	}
	if _, err := s.authorizedBucket(ctx, c, v.Bucket, taggingAccess(base, v)); err != nil {
		return "", err
	}
	var version string
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		b, err := getBucket(tx, v.Bucket)
		if err != nil {
			return err
		}
		obj, objErr, err := readVersion(tx, b, v.Key, v.VersionID)
		if err != nil {
			return err
		}
		if objErr != nil {
			return objErr
		}
		obj.Tags = tags
		val, err := encodeObject(obj)
		if err != nil {
			return err
		}
		cur, err := getObject(tx, v.Bucket, v.Key)
		if err != nil && !isNoSuchKey(err) {
			return err
		}
		if cur != nil && cur.VersionID == obj.VersionID {
			err = tx.Put(tableObjects, objectKey(v.Bucket, v.Key), val)
		} else {
			err = tx.Put(tableVersions, versionKey(obj), val)
		}
		if err != nil {
			return err
		}
		version = obj.VersionHeader()
		ev := "ObjectTagging:Put"
		if tags == nil {
			ev = "ObjectTagging:Delete"
		}
		return s.recordEvent(tx, b, c, ev, obj)
	})
	return version, err
}
