package objstore

import (
	"context"
	"errors"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
)

// updateBucket authorizes action on the bucket and applies fn to it in one transaction.
func (s *Service) updateBucket(ctx context.Context, c *actor.Caller, name, action string, fn func(*Bucket) error) error {
	if _, err := s.authorizedBucket(ctx, c, name, bucketAccess(action, name)); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx meta.Tx) error {
		b, err := getBucket(tx, name)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		return putBucket(tx, b)
	})
}

// readBucket authorizes action on the bucket and returns it.
func (s *Service) readBucket(ctx context.Context, c *actor.Caller, name, action string) (*Bucket, error) {
	return s.authorizedBucket(ctx, c, name, bucketAccess(action, name))
}

// PutBucketEncryption sets the bucket's default encryption.
func (s *Service) PutBucketEncryption(ctx context.Context, c *actor.Caller, bucket string, e *Encryption) error {
	if err := s.validEncryption(e); err != nil {
		return err
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutEncryptionConfiguration", func(b *Bucket) error {
		b.Encryption = e
		return nil
	})
}

func (s *Service) validEncryption(e *Encryption) error {
	if e == nil || len(e.Rules) != 1 || e.Rules[0].Default == nil {
		return errMalformedXML()
	}
	d := e.Rules[0].Default
	switch d.SSEAlgorithm {
	case SSEAES256:
		if d.KMSMasterKeyID != "" {
			return errInvalidArgument("ApplyServerSideEncryptionByDefault", d.KMSMasterKeyID,
				"a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse")
		}
	case SSEKMS, SSEKMSDSSE:
		if s.keys == nil {
			return errNotImplemented("SSE-KMS on this server (no KMS is configured)")
		}
	default:
		return errMalformedXML()
	}
	return nil
}

// GetBucketEncryption returns the bucket's default encryption: SSE-S3 unless configured otherwise.
func (s *Service) GetBucketEncryption(ctx context.Context, c *actor.Caller, bucket string) (*Encryption, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetEncryptionConfiguration")
	if err != nil {
		return nil, err
	}
	return b.defaultEncryption(), nil
}

func (b *Bucket) defaultEncryption() *Encryption {
	if b.Encryption != nil {
		return b.Encryption
	}
	f := false
	return &Encryption{Rules: []EncryptionRule{{Default: &EncryptionDefault{SSEAlgorithm: SSEAES256}, BucketKeyEnabled: &f}}}
}

// DeleteBucketEncryption returns the bucket to the default, SSE-S3.
func (s *Service) DeleteBucketEncryption(ctx context.Context, c *actor.Caller, bucket string) error {
	return s.updateBucket(ctx, c, bucket, "s3:PutEncryptionConfiguration", func(b *Bucket) error {
		b.Encryption = nil
		return nil
	})
}

// PutBucketPolicy validates and sets the bucket policy.
func (s *Service) PutBucketPolicy(ctx context.Context, c *actor.Caller, bucket, doc string) error {
	p, err := policy.Parse([]byte(doc), policy.Resource)
	if err != nil {
		var ve *policy.ValidationError
		if errors.As(err, &ve) {
			msg := ve.Message
			if ve.Detail != "" {
				msg += " (" + ve.Detail + ")"
			}
			return awserr.New("MalformedPolicy", awserr.StatusBadRequest, "%s", msg)
		}
		return err
	}
	if !policy.BucketPolicy.Fits([]byte(doc)) {
		return awserr.New("MalformedPolicy", awserr.StatusBadRequest, "Policies must be no larger than 20 KB")
	}
	if err := policyResourcesInBucket(p, bucket); err != nil {
		return err
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketPolicy", func(b *Bucket) error {
		if b.PublicAccessBlock != nil && b.PublicAccessBlock.BlockPublicPolicy && isPublicPolicy(p) {
			return blocked(ctx, c, "s3:PutBucketPolicy", b.ARN(), "public policies are blocked by the BlockPublicPolicy block public access setting",
				"User: "+c.Who()+" is not authorized to perform: s3:PutBucketPolicy on resource: \""+b.ARN()+
					"\" because public policies are blocked by the BlockPublicPolicy block public access setting.")
		}
		b.Policy = doc
		return nil
	})
}

// policyResourcesInBucket insists, as S3 does, that every statement's resources are the bucket or its objects.
func policyResourcesInBucket(p *policy.Policy, bucket string) error {
	arn := BucketARN(bucket)
	for _, st := range p.Statements {
		for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
			if r == arn || strings.HasPrefix(r, arn+"/") {
				continue
			}
			return awserr.New("MalformedPolicy", awserr.StatusBadRequest,
				"Policy has invalid resource (%q is not bucket %s or an object in it)", r, bucket)
		}
	}
	return nil
}

// GetBucketPolicy returns the bucket policy as it was put.
func (s *Service) GetBucketPolicy(ctx context.Context, c *actor.Caller, bucket string) (string, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetBucketPolicy")
	if err != nil {
		return "", err
	}
	if b.Policy == "" {
		return "", errNoSuchConfig("NoSuchBucketPolicy", "The bucket policy does not exist", bucket)
	}
	return b.Policy, nil
}

// DeleteBucketPolicy removes the bucket policy.
func (s *Service) DeleteBucketPolicy(ctx context.Context, c *actor.Caller, bucket string) error {
	return s.updateBucket(ctx, c, bucket, "s3:DeleteBucketPolicy", func(b *Bucket) error {
		b.Policy = ""
		return nil
	})
}

// PutPublicAccessBlock sets the bucket's public access block.
func (s *Service) PutPublicAccessBlock(ctx context.Context, c *actor.Caller, bucket string, p *PublicAccessBlock) error {
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketPublicAccessBlock", func(b *Bucket) error {
		b.PublicAccessBlock = p
		return nil
	})
}

// GetPublicAccessBlock returns the bucket's public access block.
func (s *Service) GetPublicAccessBlock(ctx context.Context, c *actor.Caller, bucket string) (*PublicAccessBlock, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetBucketPublicAccessBlock")
	if err != nil {
		return nil, err
	}
	if b.PublicAccessBlock == nil {
		return nil, errNoSuchConfig("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", bucket)
	}
	return b.PublicAccessBlock, nil
}

// DeletePublicAccessBlock removes the bucket's public access block.
func (s *Service) DeletePublicAccessBlock(ctx context.Context, c *actor.Caller, bucket string) error {
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketPublicAccessBlock", func(b *Bucket) error {
		b.PublicAccessBlock = nil
		return nil
	})
}

// PutBucketTagging replaces the bucket's tags.
func (s *Service) PutBucketTagging(ctx context.Context, c *actor.Caller, bucket string, tags []Tag) error {
	if err := validTags(tags, 50); err != nil {
		return err
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketTagging", func(b *Bucket) error {
		b.Tags = tags
		return nil
	})
}

// GetBucketTagging returns the bucket's tags.
func (s *Service) GetBucketTagging(ctx context.Context, c *actor.Caller, bucket string) ([]Tag, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetBucketTagging")
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, errNoSuchConfig("NoSuchTagSet", "The TagSet does not exist", bucket)
	}
	return b.Tags, nil
}

// DeleteBucketTagging removes the bucket's tags.
func (s *Service) DeleteBucketTagging(ctx context.Context, c *actor.Caller, bucket string) error {
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketTagging", func(b *Bucket) error {
		b.Tags = nil
		return nil
	})
}

// validTags checks tags against S3's limits.
func validTags(tags []Tag, max int) error {
	if len(tags) > max {
		return awserr.New("InvalidTag", awserr.StatusBadRequest, "Object tags cannot be greater than %d", max)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case t.Key == "" || len([]rune(t.Key)) > 128:
			return awserr.New("InvalidTag", awserr.StatusBadRequest, "The TagKey you have provided is invalid")
		case len([]rune(t.Value)) > 256:
			return awserr.New("InvalidTag", awserr.StatusBadRequest, "The TagValue you have provided is too long, max 256")
		case seen[t.Key]:
			return awserr.New("InvalidTag", awserr.StatusBadRequest, "Cannot provide multiple Tags with the same key")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return awserr.New("InvalidTag", awserr.StatusBadRequest, "Your TagKey cannot be prefixed with aws:")
		}
		seen[t.Key] = true
	}
	return nil
}
