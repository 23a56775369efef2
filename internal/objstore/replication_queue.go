package objstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Replication statuses (x-amz-replication-status).
const (
	ReplicationPending   = "PENDING"
	ReplicationCompleted = "COMPLETED"
	ReplicationFailed    = "FAILED"
	ReplicationReplica   = "REPLICA"
)

// tableReplication is the replication queue: one task per version to replicate, written in the transaction
// that writes the version, removed when the replica is written. Keys are time-ordered.
const tableReplication = "s3.replication"

// replTask is one version waiting to be replicated.
type replTask struct {
	Bucket, Key, VersionID string
	Enqueued               time.Time
	Attempts               int       `json:",omitempty"`
	Next                   time.Time // not retried before
	Error                  string    `json:",omitempty"`
}

// replicationRule returns the rule that replicates o, or nil: the enabled rule of highest priority whose filter
// selects o. Delete markers replicate only under DeleteMarkerReplication, SSE-KMS objects only under
// SourceSelectionCriteria.SseKmsEncryptedObjects.
func (r *Replication) replicationRule(o *Object) *ReplicationRule {
	var best *ReplicationRule
	for i := range r.Rules {
		rule := &r.Rules[i]
		sel := LifecycleRule{Status: rule.Status, Prefix: rule.Prefix, Filter: rule.Filter}
		if !sel.applies(o) {
			continue
		}
		if o.DeleteMarker && (rule.DeleteMarkerReplication == nil || rule.DeleteMarkerReplication.Status != "Enabled") {
			continue
		}
		if isKMS(o.SSE.Algorithm) {
			sc := rule.SourceSelectionCriteria
			if sc == nil || sc.SseKmsEncryptedObjects == nil || sc.SseKmsEncryptedObjects.Status != "Enabled" {
				continue
			}
		}
		if best == nil || priority(rule) > priority(best) {
			best = rule
		}
	}
	return best
}

func priority(r *ReplicationRule) int {
	if r.Priority == nil {
		return 0
	}
	return *r.Priority
}

func isKMS(alg string) bool { return strings.HasPrefix(alg, "aws:kms") }

// enqueueReplication queues version o of bucket b for replication when a rule selects it, and marks it
// PENDING; it runs in the transaction that writes o, before o is stored. Replicas are not replicated again.
func (s *Service) enqueueReplication(tx meta.Tx, b *Bucket, o *Object) error {
	if b.Replication == nil || b.Versioning != VersioningEnabled || o.ReplicationStatus == ReplicationReplica {
		return nil
	}
	if b.Replication.replicationRule(o) == nil {
		return nil
	}
	o.ReplicationStatus = ReplicationPending
	now := s.clock.Now().UTC()
	t := replTask{Bucket: b.Name, Key: o.Key, VersionID: versionID(o), Enqueued: now, Next: now}
	v, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return tx.Put(tableReplication, fmt.Sprintf("%020d/%s", s.events.next(now), t.VersionID), v)
}

// setReplicationStatus records the replication status of a version of key, wherever it is kept.
func setReplicationStatus(tx meta.Tx, bucket, key, id, status string) error {
	o, current, err := findVersion(tx, bucket, key, id)
	if _, ok := asAWS(err); ok {
		return nil // deleted since
	}
	if err != nil {
		return err
	}
	o.ReplicationStatus = status
	v, err := encodeObject(o)
	if err != nil {
		return err
	}
	if current {
		return tx.Put(tableObjects, objectKey(bucket, key), v)
	}
	return tx.Put(tableVersions, versionKey(o), v)
}
