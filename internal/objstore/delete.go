package objstore

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// DeleteObject deletes an object; deleting a missing key succeeds, as on S3.
func (s *Service) DeleteObject(ctx context.Context, c *actor.Caller, bucket, key string) error {
	b, err := s.authorizedBucket(ctx, c, bucket, objectAccess("s3:DeleteObject", bucket, key))
	if err != nil {
		return err
	}
	return s.removeObject(ctx, c, b, key, "ObjectRemoved:Delete")
}

// removeObject deletes an object's record, retires its blobs and records the event.
func (s *Service) removeObject(ctx context.Context, c *actor.Caller, b *Bucket, key, event string) error {
	var retired []dataBlob
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		retired = nil
		old, err := getObject(tx, b.Name, key)
		if isNoSuchKey(err) {
			return nil
		}
		if err != nil {
			return err
		}
		retired = old.Blobs
		if err := retireBlobs(tx, old.Blobs); err != nil {
			return err
		}
		if err := tx.Delete(tableObjects, objectKey(b.Name, key)); err != nil {
			return err
		}
		return s.recordEvent(tx, b, c, event, old)
	})
	if err != nil {
		return err
	}
	s.collect(retired)
	return nil
}

// DeleteResult is the outcome for one key of DeleteObjects.
type DeleteResult struct {
	Key     string
	Code    string // empty on success
	Message string
}

// DeleteObjects deletes up to 1000 keys, each authorized on its own; failures are reported per key.
func (s *Service) DeleteObjects(ctx context.Context, c *actor.Caller, bucket string, keys []string) ([]DeleteResult, error) {
	if len(keys) > 1000 {
		return nil, errMalformedXML()
	}
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	out := make([]DeleteResult, 0, len(keys))
	for _, k := range keys {
		r := DeleteResult{Key: k}
		err := s.authorize(ctx, c, b, objectAccess("s3:DeleteObject", bucket, k))
		if err == nil {
			err = s.removeObject(ctx, c, b, k, "ObjectRemoved:Delete")
		}
		if err != nil {
			e, ok := asAWS(err)
			if !ok {
				return nil, err
			}
			r.Code, r.Message = e.Code, e.Message
		}
		out = append(out, r)
	}
	return out, nil
}

// GetObjectTagging returns an object's tags.
func (s *Service) GetObjectTagging(ctx context.Context, c *actor.Caller, bucket, key string) ([]Tag, error) {
	if _, err := s.authorizedBucket(ctx, c, bucket, objectAccess("s3:GetObjectTagging", bucket, key)); err != nil {
		return nil, err
	}
	obj, err := s.loadObject(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	return obj.Tags, nil
}

// PutObjectTagging replaces an object's tags (nil removes them).
func (s *Service) PutObjectTagging(ctx context.Context, c *actor.Caller, bucket, key string, tags []Tag) error {
	action := "s3:PutObjectTagging"
	if tags == nil {
		action = "s3:DeleteObjectTagging"
	}
	if err := validTags(tags, 10); err != nil {
		return err
	}
	a := objectAccess(action, bucket, key)
	b, err := s.authorizedBucket(ctx, c, bucket, a)
	if err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx meta.Tx) error {
		obj, err := getObject(tx, bucket, key)
		if err != nil {
			return err
		}
		obj.Tags = tags
		v, err := encodeObject(obj)
		if err != nil {
			return err
		}
		if err := tx.Put(tableObjects, objectKey(bucket, key), v); err != nil {
			return err
		}
		ev := "ObjectTagging:Put"
		if tags == nil {
			ev = "ObjectTagging:Delete"
		}
		return s.recordEvent(tx, b, c, ev, obj)
	})
}
