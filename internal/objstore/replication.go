package objstore

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// validReplication checks a replication configuration as S3 does when it is put. Replication itself runs in
// the background (replicate.go).
func (s *Service) validReplication(ctx context.Context, r *Replication) error {
	if r == nil || len(r.Rules) == 0 || len(r.Rules) > 1000 {
		return errMalformedXML()
	}
	if !strings.HasPrefix(r.Role, "arn:aws:iam::") || !strings.Contains(r.Role, ":role/") {
		return errInvalidArgument("Role", r.Role, "Invalid ReplicationConfiguration: Role must be an IAM role ARN")
	}
	ids, prios := map[string]bool{}, map[int]bool{}
	for _, rule := range r.Rules {
		if rule.Status != "Enabled" && rule.Status != "Disabled" {
			return errMalformedXML()
		}
		if rule.ID != "" {
			if ids[rule.ID] {
				return errInvalidArgument("ID", rule.ID, "Rule Id must be unique")
			}
			ids[rule.ID] = true
		}
		if len(r.Rules) > 1 || rule.Filter != nil {
			if rule.Priority == nil {
				return errInvalidRequest("Priority must be specified for this version of Cross Region Replication configuration schema.")
			}
			if prios[*rule.Priority] {
				return errInvalidRequest("Found two rules with same priority %d", *rule.Priority)
			}
			prios[*rule.Priority] = true
			if rule.DeleteMarkerReplication == nil {
				return errInvalidRequest("DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.")
			}
		}
		dest := rule.Destination.Bucket
		if !strings.HasPrefix(dest, "arn:aws:s3:::") {
			return errInvalidArgument("Destination", dest, "Invalid bucket ARN")
		}
		// A bucket of another server (a configured remote) is the remote's to check.
		if name := strings.TrimPrefix(dest, "arn:aws:s3:::"); s.remoteFor(ctx, &rule, name) == "" {
			if _, err := s.bucket(ctx, name); err != nil {
				return errInvalidRequest("Destination bucket must exist.")
			}
		}
		if sc := rule.Destination.StorageClass; sc != "" && !StorageClasses[sc] {
			return errInvalidArgument("StorageClass", sc, "The storage class you specified is not valid")
		}
		sse := rule.SourceSelectionCriteria
		if sse != nil && sse.SseKmsEncryptedObjects != nil && sse.SseKmsEncryptedObjects.Status == "Enabled" &&
			(rule.Destination.EncryptionConfiguration == nil || rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID == "") {
			return errInvalidRequest("ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present.")
		}
	}
	return nil
}

// PutBucketReplication sets the bucket's replication configuration.
func (s *Service) PutBucketReplication(ctx context.Context, c *actor.Caller, bucket string, r *Replication) error {
	if err := s.validReplication(ctx, r); err != nil {
		return err
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutReplicationConfiguration", func(b *Bucket) error {
		if b.Versioning != VersioningEnabled {
			return errInvalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration")
		}
		b.Replication = r
		return nil
	})
}

// GetBucketReplication returns the bucket's replication configuration.
func (s *Service) GetBucketReplication(ctx context.Context, c *actor.Caller, bucket string) (*Replication, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetReplicationConfiguration")
	if err != nil {
		return nil, err
	}
	if b.Replication == nil {
		return nil, errNoSuchConfig("ReplicationConfigurationNotFoundError", "The replication configuration was not found", bucket)
	}
	return b.Replication, nil
}

// DeleteBucketReplication removes the bucket's replication configuration.
func (s *Service) DeleteBucketReplication(ctx context.Context, c *actor.Caller, bucket string) error {
	return s.updateBucket(ctx, c, bucket, "s3:PutReplicationConfiguration", func(b *Bucket) error {
		b.Replication = nil
		return nil
	})
}
