package objstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// Replication runs as S3's: the source bucket's replication role, assumed by s3.amazonaws.com (its trust
// policy must allow that), reads each queued version (s3:GetObjectVersionForReplication, decided by the
// role's policies and the source bucket's policy; SSE-KMS bodies opened with the source key as the role, so
// the key's policy decides too) and writes it with the same version ID into the destination bucket
// (s3:ReplicateObject or s3:ReplicateDelete, decided by the role's policies and the destination bucket's
// policy), encrypted with the rule's ReplicaKmsKeyID as the role. A replica that exists already is not written
// again, so a task that runs twice (a crash between the write and the queue's update) does no harm.

// ReplicationResult counts what one replication run did.
type ReplicationResult struct {
	Replicated, Failed, Dropped int
}

// errDropped means a task has nothing left to do: its version, bucket or rule is gone.
var errDropped = errors.New("replication task dropped")

// replicationWorkers is how many versions one run replicates at once.
const replicationWorkers = 4

type queuedTask struct {
	key string
	t   replTask
}

// RunReplication replicates the queued versions that are due, retrying failed ones with a growing delay.
func (s *Service) RunReplication(ctx context.Context) (ReplicationResult, error) {
	s.replMu.Lock()
	defer s.replMu.Unlock()
	var res ReplicationResult
	for {
		due, pending, err := s.dueTasks(ctx, 256)
		s.metrics.setPending(pending)
		if err != nil || len(due) == 0 {
			return res, err
		}
		sessions := &sessionCache{s: s, m: map[string]*actor.Caller{}}
		var mu sync.Mutex
		var wg sync.WaitGroup
		var firstErr error
		work := make(chan queuedTask)
		for range replicationWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for q := range work {
					outcome, err := s.runTask(ctx, sessions, q)
					mu.Lock()
					switch {
					case err != nil:
						firstErr = cmpErr(firstErr, err)
					case outcome == ReplicationCompleted:
						res.Replicated++
					case outcome == ReplicationFailed:
						res.Failed++
					default:
						res.Dropped++
					}
					mu.Unlock()
				}
			}()
		}
		for _, q := range due {
			work <- q
		}
		close(work)
		wg.Wait()
		if firstErr != nil || len(due) < 256 {
			return res, firstErr
		}
	}
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// dueTasks returns up to limit tasks whose time has come, and how many tasks are queued.
func (s *Service) dueTasks(ctx context.Context, limit int) ([]queuedTask, int, error) {
	now := s.clock.Now()
	var due []queuedTask
	pending := 0
	err := s.store.View(ctx, func(tx meta.Tx) error {
		due, pending = due[:0], 0
		var derr error
		err := tx.Scan(tableReplication, meta.Range{}, func(k string, v []byte) bool {
			pending++
			if len(due) == limit {
				return true
			}
			var t replTask
			if derr = json.Unmarshal(v, &t); derr != nil {
				return false
			}
			if !t.Next.After(now) {
				due = append(due, queuedTask{key: k, t: t})
			}
			return true
		})
		return errors.Join(err, derr)
	})
	return due, pending, err
}

// runTask replicates one version and updates the queue and the source's status; it returns the outcome
// (COMPLETED, FAILED or "" when dropped) and an error only when the store fails.
func (s *Service) runTask(ctx context.Context, sc *sessionCache, q queuedTask) (string, error) {
	t := q.t
	bytes, err := s.replicateTask(ctx, sc, t)
	now := s.clock.Now().UTC()
	outcome := ReplicationCompleted
	switch {
	case errors.Is(err, errDropped):
		outcome = ""
	case err != nil:
		outcome = ReplicationFailed
		t.Attempts++
		t.Error = err.Error()
		t.Next = now.Add(min(time.Duration(t.Attempts)*2*time.Second, time.Minute))
		s.log.Warn("replication failed; it is retried", "bucket", t.Bucket, "key", t.Key, "version", t.VersionID,
			"attempt", t.Attempts, "err", t.Error)
	}
	uerr := s.store.Update(ctx, func(tx meta.Tx) error {
		if _, err := tx.Get(tableReplication, q.key); errors.Is(err, meta.ErrNotFound) {
			return nil // done by another node meanwhile
		}
		if outcome == ReplicationFailed {
			v, err := json.Marshal(t)
			if err != nil {
				return err
			}
			if err := tx.Put(tableReplication, q.key, v); err != nil {
				return err
			}
			return setReplicationStatus(tx, t.Bucket, t.Key, t.VersionID, ReplicationFailed)
		}
		if err := tx.Delete(tableReplication, q.key); err != nil {
			return err
		}
		if outcome == "" {
			return nil
		}
		return setReplicationStatus(tx, t.Bucket, t.Key, t.VersionID, ReplicationCompleted)
	})
	if uerr != nil {
		return "", uerr
	}
	s.metrics.done(outcome, bytes, now.Sub(t.Enqueued))
	if outcome == ReplicationCompleted && t.Attempts > 0 {
		s.log.Info("replication recovered", "bucket", t.Bucket, "key", t.Key, "version", t.VersionID, "attempts", t.Attempts+1)
	}
	return outcome, nil
}

// replicateTask replicates the version a task names as the bucket's replication role; it returns the bytes
// copied.
func (s *Service) replicateTask(ctx context.Context, sc *sessionCache, t replTask) (int64, error) {
	var b *Bucket
	var o *Object
	err := s.store.View(ctx, func(tx meta.Tx) error {
		var err error
		if b, err = getBucket(tx, t.Bucket); err != nil {
			return err
		}
		o, _, err = findVersion(tx, t.Bucket, t.Key, t.VersionID)
		return err
	})
	if _, ok := asAWS(err); ok {
		return 0, errDropped
	}
	if err != nil {
		return 0, err
	}
	if b.Replication == nil {
		return 0, errDropped
	}
	rule := b.Replication.replicationRule(o)
	if rule == nil {
		return 0, errDropped
	}
	if s.sessions == nil {
		return 0, errNotImplemented("replication on this server (no IAM role sessions)")
	}
	sess, err := sc.session(ctx, b)
	if err != nil {
		return 0, err
	}
	dest := strings.TrimPrefix(rule.Destination.Bucket, "arn:aws:s3:::")
	op := "ReplicateObject"
	if o.DeleteMarker {
		op = "ReplicateDelete"
	}
	call := &actor.Call{Caller: sess, EventSource: EventSource, Operation: op, Data: true,
		RequestParameters: map[string]any{"bucketName": dest, "key": o.Key, "versionId": t.VersionID}, RecipientAccount: b.Owner}
	call.AddResource(ObjectARN(b.Name, o.Key), "", "AWS::S3::Object")
	call.AddResource(ObjectARN(dest, o.Key), "", "AWS::S3::Object")
	var n int64
	err = actor.Do(ctx, s.recorder, call, func(ctx context.Context) error {
		var err error
		n, err = s.replicate(ctx, sess, b, o, rule, dest)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("replicate %s version %s to bucket %s: %w", ObjectARN(b.Name, o.Key), t.VersionID, dest, err)
	}
	return n, nil
}

// replicate writes version o of bucket b into bucket dest as sess, the replication role's session.
func (s *Service) replicate(ctx context.Context, sess *actor.Caller, b *Bucket, o *Object, rule *ReplicationRule, dest string) (int64, error) {
	if remote := s.remoteFor(ctx, rule, dest); remote != "" {
		return s.replicateRemote(ctx, sess, b, o, rule, dest, remote)
	}
	id := versionID(o)
	if !o.DeleteMarker {
		if err := s.authorize(ctx, sess, b, versionAccess("s3:GetObjectVersionForReplication", b.Name, o.Key, id)); err != nil {
			return 0, err
		}
	}
	dst, err := s.bucket(ctx, dest)
	if err != nil {
		return 0, err
	}
	if dst.Versioning != VersioningEnabled {
		return 0, errInvalidRequest("Versioning must be 'Enabled' on the destination bucket %s", dest)
	}
	dsess := *sess
	dsess.Region = dst.Region
	action := "s3:ReplicateObject"
	if o.DeleteMarker {
		action = "s3:ReplicateDelete"
	}
	if err := s.authorize(ctx, &dsess, dst, versionAccess(action, dest, o.Key, id)); err != nil {
		return 0, err
	}
	replica := &Object{Bucket: dest, Key: o.Key, VersionID: o.VersionID, Seq: o.Seq, DeleteMarker: o.DeleteMarker,
		LastModified: o.LastModified, Owner: dst.Owner, ReplicationStatus: ReplicationReplica, Size: o.Size, ETag: o.ETag,
		Headers: o.Headers, Metadata: o.Metadata, Tags: o.Tags, Checksum: o.Checksum, StorageClass: o.StorageClass}
	if rule.Destination.StorageClass != "" {
		replica.StorageClass = rule.Destination.StorageClass
	}
	if o.DeleteMarker {
		replica.Size, replica.ETag, replica.StorageClass = 0, "", ""
		return 0, s.commitReplica(ctx, replica)
	}
	if done, err := s.hasVersion(ctx, dest, o.Key, id); err != nil || done {
		return 0, err
	}
	dk, err := s.openDataKey(ctx, sess, b.Name, o.Key, o.SSE)
	if err != nil {
		return 0, err
	}
	st := sseSettings{algorithm: SSEAES256}
	if isKMS(o.SSE.Algorithm) {
		// The replica keeps the source object's S3 Bucket Key setting, as AWS's replication does: with one, its
		// data key's encryption context is the destination bucket's ARN.
		st = sseSettings{algorithm: o.SSE.Algorithm, keyID: rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID, bucketKey: o.SSE.BucketKey}
	}
	ndk, rec, err := s.newDataKey(ctx, &dsess, dest, o.Key, st)
	if err != nil {
		return 0, err
	}
	r := &objectReader{ctx: ctx, s: s, key: dk, blobs: o.Blobs, remain: o.Size}
	if err := r.pin(); err != nil {
		return 0, err
	}
	part, _, err := s.writeBlob(ctx, ndk, r, MaxObjectSize, "")
	r.Close()
	if err != nil {
		return 0, err
	}
	if part.Size != o.Size {
		s.dropBlob(part.Blob)
		return 0, fmt.Errorf("replica of %d bytes for an object of %d", part.Size, o.Size)
	}
	replica.SSE, replica.Blobs = rec, []dataBlob{part}
	if err := s.commitReplica(ctx, replica); err != nil {
		s.dropBlob(part.Blob)
		return 0, err
	}
	return o.Size, nil
}

// sessionCache keeps the replication roles' sessions for one run: s3.amazonaws.com assumes each bucket's
// role once per run (the trust policy is asked again on the next run).
type sessionCache struct {
	s  *Service
	mu sync.Mutex
	m  map[string]*actor.Caller
}

// session returns a session of b's replication role for b, in b's region.
func (sc *sessionCache) session(ctx context.Context, b *Bucket) (*actor.Caller, error) {
	role := b.Replication.Role
	k := b.Name + "\x00" + role
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if c, ok := sc.m[k]; ok {
		cp := *c
		return &cp, nil
	}
	sess, err := sc.s.sessions.ServiceRoleSession(ctx, EventSource, role, "s3-replication", actor.Source{ARN: b.ARN(), Account: b.Owner})
	if err != nil {
		return nil, fmt.Errorf("s3.amazonaws.com cannot assume the replication role %s: %w", role, err)
	}
	sess.Region = b.Region
	sc.m[k] = sess
	cp := *sess
	return &cp, nil
}

func (s *Service) hasVersion(ctx context.Context, bucket, key, id string) (bool, error) {
	found := false
	err := s.store.View(ctx, func(tx meta.Tx) error {
		_, _, err := findVersion(tx, bucket, key, id)
		if _, ok := asAWS(err); ok {
			return nil
		}
		found = err == nil
		return err
	})
	return found, err
}

// commitReplica stores a replica with its source's version ID, where its sequence number puts it among the
// destination's versions: current if it is the newest, else noncurrent. A replica already there is kept.
func (s *Service) commitReplica(ctx context.Context, r *Object) error {
	dup := false
	err := s.store.Update(ctx, func(tx meta.Tx) error {
		dup = false
		b, err := getBucket(tx, r.Bucket)
		if err != nil {
			return err
		}
		_, _, err = findVersion(tx, r.Bucket, r.Key, versionID(r))
		if err == nil {
			dup = true
			return nil
		}
		if _, ok := asAWS(err); !ok {
			return err
		}
		cur, err := getObject(tx, r.Bucket, r.Key)
		if err != nil && !isNoSuchKey(err) {
			return err
		}
		newest, err := newestVersion(tx, r.Bucket, r.Key)
		if err != nil {
			return err
		}
		older := (cur != nil && cur.Seq > r.Seq) || (cur == nil && newest != nil && newest.Seq > r.Seq)
		if err := commitBlobs(tx, r.Blobs); err != nil {
			return err
		}
		if !r.DeleteMarker {
			// A replica is a new object in its bucket: its notifications and subscriptions see it, as on AWS.
			if err := s.recordEvent(tx, b, nil, "ObjectCreated:Put", r); err != nil {
				return err
			}
		}
		if older || r.DeleteMarker {
			if !older && cur != nil {
				if err := putVersion(tx, cur); err != nil {
					return err
				}
				if err := tx.Delete(tableObjects, objectKey(r.Bucket, r.Key)); err != nil {
					return err
				}
			}
			return putVersion(tx, r)
		}
		if cur != nil {
			if err := putVersion(tx, cur); err != nil {
				return err
			}
		}
		v, err := encodeObject(r)
		if err != nil {
			return err
		}
		return tx.Put(tableObjects, objectKey(r.Bucket, r.Key), v)
	})
	if err == nil && dup {
		for _, b := range r.Blobs {
			s.dropBlob(b.Blob)
		}
	}
	return err
}
