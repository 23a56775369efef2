package objstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// Bucket is a bucket and its configuration.
type Bucket struct {
	Name    string
	Owner   string // account ID
	Region  string
	Created time.Time

	Encryption        *Encryption        `json:",omitempty"`
	Policy            string             `json:",omitempty"`
	PublicAccessBlock *PublicAccessBlock `json:",omitempty"`
	Tags              []Tag              `json:",omitempty"`
	Lifecycle         *Lifecycle         `json:",omitempty"`
	Notification      *Notification      `json:",omitempty"`
	Replication       *Replication       `json:",omitempty"`
	// Versioning is "" (never enabled), Enabled or Suspended.
	Versioning string `json:",omitempty"`
	// Ownership is the object ownership setting ("" for the default, BucketOwnerEnforced).
	Ownership string `json:",omitempty"`
	// Subscriptions are seclake's own listeners of created objects (registered ingest locations); they are
	// not part of the notification configuration (see Subscribe).
	Subscriptions []Subscription `json:",omitempty"`
}

// ARN returns the bucket's ARN.
func (b *Bucket) ARN() string { return BucketARN(b.Name) }

func (b *Bucket) restrictsPublic() bool {
	return b.PublicAccessBlock != nil && b.PublicAccessBlock.RestrictPublicBuckets
}

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidBucketName checks a name against S3's rules for general purpose buckets.
func ValidBucketName(name string) error {
	switch {
	case len(name) < 3 || len(name) > 63:
		return errInvalidBucketName(name, "a name is 3 to 63 characters long")
	case !bucketNameRE.MatchString(name):
		return errInvalidBucketName(name, "use only lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit")
	case strings.Contains(name, ".."):
		return errInvalidBucketName(name, "a name must not contain two adjacent periods")
	case net.ParseIP(name) != nil:
		return errInvalidBucketName(name, "a name must not be formatted as an IP address")
	case strings.HasPrefix(name, "xn--") || strings.HasPrefix(name, "sthree-") || strings.HasSuffix(name, "-s3alias") || strings.HasSuffix(name, "--ol-s3"):
		return errInvalidBucketName(name, "the prefix or suffix is reserved")
	}
	return nil
}

// CreateBucketInput is a CreateBucket request.
type CreateBucketInput struct {
	Bucket             string
	LocationConstraint string
}

// CreateBucket creates a bucket owned by the caller's account.
func (s *Service) CreateBucket(ctx context.Context, c *actor.Caller, in CreateBucketInput) (*Bucket, error) {
	if err := ValidBucketName(in.Bucket); err != nil {
		return nil, err
	}
	region := c.Region
	if region == "" {
		region = s.region
	}
	if lc := in.LocationConstraint; lc != "" {
		if lc == "EU" {
			lc = "eu-west-1"
		}
		if lc != region && c.Region != "" {
			return nil, awserr.New("IllegalLocationConstraintException", awserr.StatusBadRequest,
				"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", in.LocationConstraint)
		}
		region = lc
	}
	if err := s.authorize(ctx, c, nil, bucketAccess("s3:CreateBucket", in.Bucket)); err != nil {
		return nil, err
	}
	b := &Bucket{Name: in.Bucket, Owner: c.Account, Region: region, Created: s.clock.Now().UTC().Truncate(time.Second)}
	val, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx meta.Tx) error {
		old, err := getBucket(tx, in.Bucket)
		switch {
		case err == nil && old.Owner == c.Account:
			if region == "us-east-1" {
				return nil // S3 answers 200 to the owner in us-east-1 (legacy behaviour)
			}
			return errBucketExists(in.Bucket)
		case err == nil:
			return errBucketTaken(in.Bucket)
		case !isNoSuchBucket(err):
			return err
		}
		return tx.Insert(tableBuckets, in.Bucket, val)
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func isNoSuchBucket(err error) bool {
	e, ok := awserr.As(err)
	return ok && e.Code == "NoSuchBucket"
}

func getBucket(tx meta.Tx, name string) (*Bucket, error) {
	v, err := tx.Get(tableBuckets, name)
	if errors.Is(err, meta.ErrNotFound) {
		return nil, errNoSuchBucket(name)
	}
	if err != nil {
		return nil, fmt.Errorf("read bucket %s: %w", name, err)
	}
	b := new(Bucket)
	if err := json.Unmarshal(v, b); err != nil {
		return nil, fmt.Errorf("decode bucket %s: %w", name, err)
	}
	return b, nil
}

func putBucket(tx meta.Tx, b *Bucket) error {
	v, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return tx.Put(tableBuckets, b.Name, v)
}

// bucket loads a bucket outside any transaction.
func (s *Service) bucket(ctx context.Context, name string) (*Bucket, error) {
	if name == "" {
		return nil, errNoSuchBucket(name)
	}
	var b *Bucket
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		b, err = getBucket(tx, name)
		return err
	})
	return b, err
}

// authorizedBucket loads a bucket and authorizes a on it.
func (s *Service) authorizedBucket(ctx context.Context, c *actor.Caller, name string, a access) (*Bucket, error) {
	b, err := s.bucket(ctx, name)
	if err != nil {
		return nil, err // S3 answers NoSuchBucket to anyone, anonymous callers included
	}
	if err := s.authorize(ctx, c, b, a); err != nil {
		return nil, err
	}
	return b, nil
}

// HeadBucket checks that the bucket exists and the caller may list it, and returns it.
func (s *Service) HeadBucket(ctx context.Context, c *actor.Caller, bucket string) (*Bucket, error) {
	return s.authorizedBucket(ctx, c, bucket, bucketAccess("s3:ListBucket", bucket))
}

// GetBucketLocation returns the bucket's region.
func (s *Service) GetBucketLocation(ctx context.Context, c *actor.Caller, bucket string) (string, error) {
	b, err := s.authorizedBucket(ctx, c, bucket, bucketAccess("s3:GetBucketLocation", bucket))
	if err != nil {
		return "", err
	}
	return b.Region, nil
}

// DeleteBucket deletes a bucket without objects or versions; its unfinished multipart uploads are discarded,
// as S3 does.
func (s *Service) DeleteBucket(ctx context.Context, c *actor.Caller, bucket string) error {
	if _, err := s.authorizedBucket(ctx, c, bucket, bucketAccess("s3:DeleteBucket", bucket)); err != nil {
		return err
	}
	var retired []dataBlob
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		retired = nil
		if _, err := getBucket(tx, bucket); err != nil {
			return err
		}
		empty := true
		scan := func(table string) error {
			return tx.Scan(table, meta.Range{Prefix: bucket + "/", Limit: 1}, func(string, []byte) bool {
				empty = false
				return false
			})
		}
		if err := scan(tableObjects); err != nil {
			return err
		}
		if err := scan(tableVersions); err != nil {
			return err
		}
		if !empty {
			return errBucketNotEmpty(bucket)
		}
		var uploads []*Upload
		var derr error
		err := tx.Scan(tableUploads, meta.Range{Prefix: bucket + "/"}, func(_ string, v []byte) bool {
			u := new(Upload)
			if derr = json.Unmarshal(v, u); derr != nil {
				return false
			}
			uploads = append(uploads, u)
			return true
		})
		if err = errors.Join(err, derr); err != nil {
			return err
		}
		for _, u := range uploads {
			parts, err := scanParts(tx, u.ID, 0, 0)
			if err != nil {
				return err
			}
			blobs := make([]dataBlob, len(parts))
			for i, p := range parts {
				blobs[i] = p.dataBlob
			}
			if err := dropUpload(tx, u, parts, blobs); err != nil {
				return err
			}
			retired = append(retired, blobs...)
		}
		return tx.Delete(tableBuckets, bucket)
	})
	if err == nil {
		s.collect(retired)
	}
	return err
}

// ListBuckets returns the buckets of the caller's account, by name.
func (s *Service) ListBuckets(ctx context.Context, c *actor.Caller) ([]*Bucket, error) {
	if err := s.authorize(ctx, c, nil, access{action: "s3:ListAllMyBuckets", resource: "*"}); err != nil {
		return nil, err
	}
	all, err := s.allBuckets(ctx)
	var out []*Bucket
	for _, b := range all {
		if b.Owner == c.Account {
			out = append(out, b)
		}
	}
	return out, err
}

// allBuckets returns every bucket, by name.
func (s *Service) allBuckets(ctx context.Context) ([]*Bucket, error) {
	var out []*Bucket
	err := s.store.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var derr error
		err := tx.Scan(tableBuckets, meta.Range{}, func(_ string, v []byte) bool {
			b := new(Bucket)
			if derr = json.Unmarshal(v, b); derr != nil {
				return false
			}
			out = append(out, b)
			return true
		})
		return errors.Join(err, derr)
	})
	return out, err
}
