package objstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// ReplicationFailure is a lasting cause of failed replication from a bucket: the queued versions whose last
// attempt failed with the same error (Error names no version).
type ReplicationFailure struct {
	Bucket, Owner, Region, Error string
	Versions                     int64
	First, Last                  time.Time // when the first of them was written, and its latest attempt is due
}

// ReplicationFailures returns the replication failures that last (versions still queued after a failed
// attempt), one per source bucket and error.
func (s *Service) ReplicationFailures(ctx context.Context) ([]ReplicationFailure, error) {
	var out []ReplicationFailure
	err := s.store.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		at := map[[2]string]int{}
		var derr error
		err := tx.Scan(tableReplication, meta.Range{}, func(_ string, v []byte) bool {
			var t replTask
			if derr = json.Unmarshal(v, &t); derr != nil {
				return false
			}
			if t.Attempts == 0 || t.Error == "" {
				return true
			}
			cause := replicationCause(t.Error)
			k := [2]string{t.Bucket, cause}
			i, ok := at[k]
			if !ok {
				b, err := getBucket(tx, t.Bucket)
				if err != nil {
					return true // the bucket is gone: the task is dropped on its next run
				}
				i, at[k] = len(out), len(out)
				out = append(out, ReplicationFailure{Bucket: t.Bucket, Owner: b.Owner, Region: b.Region, Error: cause, First: t.Enqueued})
			}
			f := &out[i]
			f.Versions++
			f.First, f.Last = minTime(f.First, t.Enqueued), maxTime(f.Last, t.Next)
			return true
		})
		return errors.Join(err, derr)
	})
	return slices.Clip(out), err
}

// replicationCause is a task's error without the version it names ("replicate <object> version <id> to
// bucket <b>: <why>" → "replication to bucket <b>: <why>"), so that versions failing alike count as one cause.
func replicationCause(err string) string {
	if _, why, ok := strings.Cut(err, " to bucket "); ok && strings.HasPrefix(err, "replicate ") {
		return "replication to bucket " + why
	}
	return err
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
