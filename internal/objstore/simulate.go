package objstore

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// Simulate decides whether c may perform action on the bucket (key empty) or on one of its objects, with c's
// policies and the bucket policy, without performing it: nil when allowed, else S3's AccessDenied. The bucket's
// own existence is not authorized: a missing bucket is NoSuchBucket.
func (s *Service) Simulate(ctx context.Context, c *actor.Caller, action, bucket, key string) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	a := bucketAccess(action, bucket)
	if key != "" {
		a = objectAccess(action, bucket, key)
	}
	return s.authorize(ctx, c, b, a)
}
