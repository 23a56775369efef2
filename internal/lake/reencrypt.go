package lake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

const tableReencrypt = "lake.reencrypt" // account/region → Reencryption

// LakeObjects is what re-encryption needs of S3: the lake bucket's objects with their encryption, and a copy of
// an object onto itself under a key, both as the given principal (the bucket and key policies decide).
type LakeObjects interface {
	// ListEncryption returns up to max objects of bucket after the key after, in key order, and whether more
	// follow.
	ListEncryption(ctx context.Context, as *actor.Caller, bucket, after string, max int) ([]ObjectEncryption, bool, error)
	// Reencrypt copies the object onto itself under kmsKeyARN with an S3 Bucket Key (SSE-S3 when empty).
	Reencrypt(ctx context.Context, as *actor.Caller, bucket, key, kmsKeyARN string) error
}

// ObjectEncryption is an object's key and the KMS key it is encrypted under ("" for SSE-S3).
type ObjectEncryption struct {
	Key, KMSKeyARN string
}

// Re-encryption statuses.
const (
	ReencryptRunning   = "RUNNING"
	ReencryptCompleted = "COMPLETED"
	ReencryptFailed    = "FAILED"
)

// Reencryption is the background job that brings a lake's existing objects under its current key.
type Reencryption struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	// Key is the key the objects are re-encrypted under ("" for SSE-S3): the lake's key when it started.
	Key    string `json:"kmsKeyArn,omitempty"`
	Status string `json:"status"`
	// Cursor is the last object key done; the job resumes after it.
	Cursor string `json:"cursor,omitempty"`
	// Examined counts the objects looked at, Reencrypted those copied under Key, Skipped those already under it.
	Examined    int64     `json:"examined"`
	Reencrypted int64     `json:"reencrypted"`
	Skipped     int64     `json:"skipped"`
	Reason      string    `json:"reason,omitempty"`
	Started     time.Time `json:"startedAt"`
	Updated     time.Time `json:"updatedAt"`
}

// reencryptBatch is how many objects the job handles per lake before saving its cursor, and
// reencryptBatchesPerRun how many batches a run handles per lake (up to 2,000 objects a second).
const (
	reencryptBatch         = 100
	reencryptBatchesPerRun = 20
)

// StartReencryption starts (or resumes) re-encrypting the existing objects of the caller's lake in region under
// the lake's current key, and returns the job. Starting again while it runs for the same key changes nothing; a
// failed or finished job for the same key resumes after its cursor; a new key starts over.
func (s *Service) StartReencryption(ctx context.Context, c *actor.Caller, region string) (*Reencryption, error) {
	if region == "" {
		region = s.region(c)
	}
	arn := LakeARN(region, c.Account)
	if err := s.check(ctx, c, "seclake:StartReencryption", arn); err != nil {
		return nil, err
	}
	if s.cfg.Objects == nil {
		return nil, errors.New("lake: no object store for re-encryption")
	}
	var out Reencryption
	err := s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var dl DataLake
		found, err := getJSON(tx, tableLakes, key(c.Account, region), &dl)
		if err != nil {
			return err
		}
		if !found || dl.BucketARN == "" {
			return notFound("DataLake", arn, "There is no data lake in %s for account %s: create it first.", region, c.Account)
		}
		if dl.Pending != "" {
			return conflict("DataLake", arn, "The data lake in %s is being updated: start the re-encryption once list-data-lakes shows COMPLETED.", region)
		}
		now := s.cfg.Clock.Now().UTC()
		found, err = getJSON(tx, tableReencrypt, key(c.Account, region), &out)
		if err != nil {
			return err
		}
		if !found || out.Key != dl.AppliedKey || out.Status == ReencryptCompleted {
			out = Reencryption{Account: c.Account, Region: region, Key: dl.AppliedKey, Started: now}
		}
		out.Status, out.Reason, out.Updated = ReencryptRunning, "", now
		return putJSON(tx, tableReencrypt, key(c.Account, region), out)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetReencryption returns the re-encryption job of the caller's lake in region.
func (s *Service) GetReencryption(ctx context.Context, c *actor.Caller, region string) (*Reencryption, error) {
	if region == "" {
		region = s.region(c)
	}
	arn := LakeARN(region, c.Account)
	if err := s.check(ctx, c, "seclake:GetReencryption", arn); err != nil {
		return nil, err
	}
	var out Reencryption
	found := false
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		found, err = getJSON(tx, tableReencrypt, key(c.Account, region), &out)
		return err
	})
	if err == nil && !found {
		err = notFound("Reencryption", arn, "The data lake in %s has no re-encryption: start one with StartReencryption.", region)
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// RunReencryption advances every running re-encryption by a batch of objects (the lake.reencrypt job), and
// returns how many objects it re-encrypted.
func (s *Service) RunReencryption(ctx context.Context) (int64, error) {
	if s.cfg.Objects == nil {
		return 0, nil
	}
	var jobs []Reencryption
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		all, err := scanJSON[Reencryption](tx, tableReencrypt, "")
		for _, j := range all {
			if j.Status == ReencryptRunning {
				jobs = append(jobs, j)
			}
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	var n int64
	var errs []error
	for _, j := range jobs {
		for range reencryptBatchesPerRun {
			done, more, err := s.reencryptBatch(ctx, &j)
			n += done
			if err != nil || !more {
				errs = append(errs, err)
				break
			}
		}
	}
	return n, errors.Join(errs...)
}

// reencryptBatch re-encrypts the next objects of a job as the lake's principal, and saves the progress; a
// refusal fails the job with the statement to add (starting it again resumes at the object refused). It
// reports whether the job goes on.
func (s *Service) reencryptBatch(ctx context.Context, j *Reencryption) (int64, bool, error) {
	dl, found, err := s.dataLake(ctx, j.Account, j.Region)
	if err != nil || !found {
		return 0, false, err
	}
	bucket := bucketName(dl.BucketARN)
	sp, slr := s.lakeCaller(ctx, dl)
	objs, more, err := s.cfg.Objects.ListEncryption(ctx, sp, bucket, j.Cursor, reencryptBatch)
	var done int64
	if err == nil {
		for _, o := range objs {
			if o.KMSKeyARN == j.Key {
				j.Skipped++
			} else {
				err = s.cfg.Objects.Reencrypt(ctx, sp, bucket, o.Key, j.Key)
				if err != nil && !isMissing(err) {
					break
				}
				if err == nil {
					j.Reencrypted++
					done++
				}
				err = nil // an object deleted meanwhile needs nothing
			}
			j.Examined++
			j.Cursor = o.Key
		}
	}
	switch {
	case err != nil:
		if _, ok := awserr.As(err); !ok {
			return done, false, s.saveJob(ctx, *j) // kept running; the next run tries again
		}
		j.Status, j.Reason = ReencryptFailed, s.reencryptRefused(dl, *j, err, sp.Who(), slr)
	case !more:
		j.Status = ReencryptCompleted
	}
	err = s.saveJob(ctx, *j)
	return done, err == nil && j.Status == ReencryptRunning, err
}

// reencryptRefused words a refusal: what was refused and, for the lake key, the statement to add.
func (s *Service) reencryptRefused(dl DataLake, j Reencryption, err error, who string, slr bool) string {
	msg := err.Error()
	if ae, ok := awserr.As(err); ok {
		msg = ae.Code + ": " + ae.Message
	}
	reason := fmt.Sprintf("Re-encrypting the objects of %s stopped after %q: %s", dl.BucketARN, j.Cursor, msg)
	switch {
	case strings.Contains(msg, "kms:"):
		_, stmt := keyStatement(dl, bucketName(dl.BucketARN), slr)
		reason += fmt.Sprintf(" Security Lake (%s) needs kms:Decrypt on the objects' old keys and kms:GenerateDataKey on the lake's key; add to their key policies: %s",
			who, stmt)
	default:
		reason += fmt.Sprintf(" Security Lake (%s) copies each object onto itself: the bucket policy of %s must let it s3:GetObject and s3:PutObject (and deny it neither).",
			who, bucketName(dl.BucketARN))
	}
	return reason + " Then run the re-encryption again: it resumes where it stopped."
}

// saveJob stores the job's progress, unless it was restarted meanwhile.
func (s *Service) saveJob(ctx context.Context, j Reencryption) error {
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		var cur Reencryption
		found, err := getJSON(tx, tableReencrypt, key(j.Account, j.Region), &cur)
		if err != nil || !found || !cur.Started.Equal(j.Started) || cur.Status != ReencryptRunning {
			return err
		}
		j.Updated = s.cfg.Clock.Now().UTC()
		return putJSON(tx, tableReencrypt, key(j.Account, j.Region), j)
	})
}

func isMissing(err error) bool {
	ae, ok := awserr.As(err)
	return ok && (ae.Code == "NoSuchKey" || ae.Code == "NotFound")
}

func bucketName(arn string) string {
	const p = "arn:aws:s3:::"
	if len(arn) > len(p) {
		return arn[len(p):]
	}
	return arn
}
