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
	obj, err := s.authorizeOnVersion(ctx, c, v, taggingAccess("GetObject", v))
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
	a := taggingAccess(base, v)
	if len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			keys[i] = t.Key
			a.ctx.Set("s3:RequestObjectTag/"+t.Key, t.Value)
		}
		a.ctx.Set("s3:RequestObjectTagKeys", keys...)
	}
	if _, err := s.authorizeOnVersion(ctx, c, v, a); err != nil {
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

// authorizeOnVersion loads a version of an object and authorizes a on it, with the version's tags as the
// s3:ExistingObjectTag/<key> condition keys; a missing object is reported after the decision, so that the
// answer tells a caller without permission nothing.
func (s *Service) authorizeOnVersion(ctx context.Context, c *actor.Caller, v ObjectVersion, a access) (*Object, error) {
	b, obj, objErr := s.bucketAndObject(ctx, v.Bucket, v.Key, v.VersionID)
	if b == nil {
		return nil, objErr
	}
	if obj != nil {
		for _, t := range obj.Tags {
			a.ctx.Set("s3:ExistingObjectTag/"+t.Key, t.Value)
		}
	}
	if err := s.authorize(ctx, c, b, a); err != nil {
		return nil, err
	}
	return obj, objErr
}
