package objstore

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
)

// Object ownership settings. seclake keeps no ACLs, so every bucket behaves as BucketOwnerEnforced, S3's
// default for new buckets since 2023; the setting is stored and reported.
const (
	OwnershipEnforced  = "BucketOwnerEnforced"
	ownershipPreferred = "BucketOwnerPreferred"
	ownershipWriter    = "ObjectWriter"
	ownershipDeleted   = "-" // DeleteBucketOwnershipControls was called
)

// OwnershipControls is a bucket's object ownership setting.
type OwnershipControls struct {
	ObjectOwnership string
}

// PutBucketOwnershipControls sets the bucket's object ownership.
func (s *Service) PutBucketOwnershipControls(ctx context.Context, c *actor.Caller, bucket string, o *OwnershipControls) error {
	if o == nil || (o.ObjectOwnership != OwnershipEnforced && o.ObjectOwnership != ownershipPreferred && o.ObjectOwnership != ownershipWriter) {
		return errMalformedXML()
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketOwnershipControls", func(b *Bucket) error {
		b.Ownership = o.ObjectOwnership
		return nil
	})
}

// GetBucketOwnershipControls returns the bucket's object ownership: BucketOwnerEnforced unless set otherwise.
func (s *Service) GetBucketOwnershipControls(ctx context.Context, c *actor.Caller, bucket string) (*OwnershipControls, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetBucketOwnershipControls")
	if err != nil {
		return nil, err
	}
	switch b.Ownership {
	case "":
		return &OwnershipControls{ObjectOwnership: OwnershipEnforced}, nil
	case ownershipDeleted:
		return nil, errNoSuchConfig("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", bucket)
	}
	return &OwnershipControls{ObjectOwnership: b.Ownership}, nil
}

// DeleteBucketOwnershipControls removes the bucket's object ownership setting.
func (s *Service) DeleteBucketOwnershipControls(ctx context.Context, c *actor.Caller, bucket string) error {
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketOwnershipControls", func(b *Bucket) error {
		b.Ownership = ownershipDeleted
		return nil
	})
}

// GetBucketPolicyStatus reports whether the bucket's policy makes it public (S3's meaning of public).
func (s *Service) GetBucketPolicyStatus(ctx context.Context, c *actor.Caller, bucket string) (bool, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetBucketPolicyStatus")
	if err != nil {
		return false, err
	}
	pol, err := s.bucketPolicy(b)
	if err != nil {
		return false, err
	}
	if pol == nil {
		return false, errNoSuchConfig("NoSuchBucketPolicy", "The bucket policy does not exist", bucket)
	}
	return isPublicPolicy(pol), nil
}
