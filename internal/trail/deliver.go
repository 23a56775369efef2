package trail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// maxFilesPerRun bounds the log files one trail writes per run, so a trail far behind does not hold up the
// others; it catches up over the next runs.
const maxFilesPerRun = 100

// errBusy means another node holds the trail's delivery lease.
var errBusy = errors.New("trail: another node is delivering")

// Deliver runs one delivery: each logging trail writes the records it selected since its last delivery, and
// the digest files that are due. The server runs it every Interval, on one worker at a time (the job
// trail.deliver, internal/stack); tests may call it directly.
// A trail whose delivery is refused records the refusal in its status (see GetTrailStatus); Deliver returns
// only the errors of seclake itself.
func (s *Service) Deliver(ctx context.Context) error {
	var keys []string
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		keys = keys[:0]
		return tx.Scan(tableTrails, meta.Range{}, func(k string, _ []byte) bool {
			keys = append(keys, k)
			return true
		})
	})
	if err != nil {
		return fmt.Errorf("trail: list trails: %w", err)
	}
	var errs []error
	for _, k := range keys {
		if err := s.deliverTrail(ctx, k); err != nil && !ignorable(err) {
			errs = append(errs, fmt.Errorf("trail %s: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

// ignorable reports whether a trail's run ended in a way that is not seclake's failure: the trail is gone,
// another node delivers it, or a refusal was recorded in its status.
func ignorable(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !ignorable(e) {
				return false
			}
		}
		return true
	}
	return errors.Is(err, errGone) || errors.Is(err, errBusy) || errors.Is(err, errFailed)
}

// deliverTrail delivers one trail under its lease.
func (s *Service) deliverTrail(ctx context.Context, key string) error {
	now := s.now()
	var t *Trail
	var st status
	err := s.updateStatus(ctx, key, func(_ meta.Tx, cur *Trail, cst *status) error {
		if !cst.Logging && cst.Cursor >= cst.StopSeq && len(cst.Digests) == 0 {
			return errGone // nothing to do; nothing written
		}
		if cst.Lease != "" && cst.Lease != s.node && now.Before(cst.LeaseUntil) {
			return errBusy
		}
		cst.Lease, cst.LeaseUntil = s.node, now.Add(2*s.cfg.Interval)
		t, st = cur, *cst
		return nil
	})
	if err != nil {
		return err
	}
	err = s.deliverRecords(ctx, t, &st, now)
	if t.LogFileValidationEnabled {
		err = errors.Join(err, s.deliverDigests(ctx, t, now))
	}
	rerr := s.updateStatus(ctx, key, func(_ meta.Tx, _ *Trail, cst *status) error {
		if cst.Lease == s.node {
			cst.Lease, cst.LeaseUntil = "", time.Time{}
		}
		return nil
	})
	return errors.Join(err, rerr)
}

// deliverRecords writes the records trail t selects after its cursor as log files, a file per region per
// batch, advancing the cursor after each durable write. A refused write is recorded in the status and ends
// the run for this trail.
func (s *Service) deliverRecords(ctx context.Context, t *Trail, st *status, now time.Time) error {
	for files := 0; files < maxFilesPerRun && (st.Logging || st.Cursor < st.StopSeq); {
		recs, err := s.cfg.Records.Read(ctx, st.Cursor, s.cfg.FileRecords)
		if err != nil {
			return s.deliveryFailed(ctx, t, now, err)
		}
		if !st.Logging {
			recs = until(recs, st.StopSeq)
		}
		if len(recs) == 0 {
			return nil
		}
		last := recs[len(recs)-1].Seq
		groups, err := s.group(t, st, recs)
		if err != nil {
			return s.deliveryFailed(ctx, t, now, err)
		}
		for _, g := range groups {
			if err := s.writeLog(ctx, t, g, last, now); err != nil {
				return err
			}
			files++
		}
		if err := s.advance(ctx, t, last); err != nil {
			return err
		}
		st.Cursor, st.Ahead = last, nil
		if len(recs) < s.cfg.FileRecords {
			return nil
		}
	}
	return nil
}

// until returns the records up to sequence number last.
func until(recs []audit.Stored, last uint64) []audit.Stored {
	n := sort.Search(len(recs), func(i int) bool { return recs[i].Seq > last })
	return recs[:n]
}

// group is one region's records of a batch: the body of one log file.
type group struct {
	region string
	body   *logBody
}

// group selects t's records of a batch and groups them by region, leaving out those a region has already
// delivered (st.Ahead).
func (s *Service) group(t *Trail, st *status, recs []audit.Stored) ([]*group, error) {
	by := map[string]*group{}
	for _, r := range recs {
		var f record
		if err := json.Unmarshal(r.JSON, &f); err != nil {
			return nil, fmt.Errorf("decode audit record %d: %w", r.Seq, err)
		}
		if !s.selects(t, &f) || r.Seq <= st.Ahead[f.AWSRegion] {
			continue
		}
		g := by[f.AWSRegion]
		if g == nil {
			g = &group{region: f.AWSRegion, body: newLogBody()}
			by[f.AWSRegion] = g
		}
		g.body.add(r.JSON, f.EventTime)
	}
	out := make([]*group, 0, len(by))
	for _, g := range by {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].region < out[j].region })
	return out, nil
}

// writeLog delivers one log file and records it: the region is delivered through last, and the file waits
// for the region's next digest.
func (s *Service) writeLog(ctx context.Context, t *Trail, g *group, last uint64, now time.Time) error {
	body, sum, err := g.body.finish()
	if err != nil {
		return s.deliveryFailed(ctx, t, now, err)
	}
	id, err := uniqueString(s.cfg.Rand)
	if err != nil {
		return err
	}
	key := logKey(t, g.region, now, id)
	region := t.HomeRegion
	if t.KmsKeyID != "" {
		region = keyRegion(t.KmsKeyID)
	}
	_, err = s.cfg.Objects.Deliver(ctx, objstore.DeliveryInput{
		Caller: s.writer(t, region),
		Object: objstore.PutInput{Bucket: t.S3BucketName, Key: key, Body: bytes.NewReader(body), Size: int64(len(body)),
			ACL: aclOwnerFull, SSE: logSSE(t, t.KmsKeyID)},
	})
	if err != nil {
		return s.deliveryFailed(ctx, t, now, err)
	}
	f := &LogFile{S3Bucket: t.S3BucketName, S3Object: key, HashValue: sum, HashAlgorithm: "SHA-256",
		NewestEventTime: formatTime(g.body.newest), OldestEventTime: formatTime(g.body.oldest)}
	return s.updateStatus(ctx, t.storeKey(), func(tx meta.Tx, cur *Trail, st *status) error {
		if st.Ahead == nil {
			st.Ahead = map[string]uint64{}
		}
		st.Ahead[g.region] = max(st.Ahead[g.region], last)
		st.LatestDelivery, st.LatestDeliveryAttempt = now, now
		if st.LatestDeliveryError != "" {
			s.cfg.Logger.Info("trail delivers again", "trail", t.ARN())
		}
		st.LatestDeliveryError = ""
		if !cur.LogFileValidationEnabled {
			return nil
		}
		if st.Digests == nil {
			st.Digests = map[string]*chain{}
		}
		if st.Digests[g.region] == nil {
			st.Digests[g.region] = &chain{Start: st.StartTime}
		}
		return putPending(tx, t.storeKey(), g.region, last, f)
	})
}

// advance moves t's cursor to last once every region of the batch is delivered.
func (s *Service) advance(ctx context.Context, t *Trail, last uint64) error {
	return s.updateStatus(ctx, t.storeKey(), func(_ meta.Tx, _ *Trail, st *status) error {
		st.Cursor = max(st.Cursor, last)
		for r, seq := range st.Ahead {
			if seq <= st.Cursor {
				delete(st.Ahead, r)
			}
		}
		return nil
	})
}

// deliveryFailed records a failed delivery of log files in t's status, in AWS's words with what to fix,
// and returns errFailed (or the error of recording it).
func (s *Service) deliveryFailed(ctx context.Context, t *Trail, now time.Time, cause error) error {
	return s.failed(ctx, t, cause, "trail delivery refused; the records wait until it is fixed", func(st *status) (*time.Time, *string) {
		return &st.LatestDeliveryAttempt, &st.LatestDeliveryError
	}, now)
}

// digestFailed records a failed digest delivery in t's status and returns errFailed.
func (s *Service) digestFailed(ctx context.Context, t *Trail, now time.Time, cause error) error {
	return s.failed(ctx, t, cause, "trail digest refused; its log files wait for the next digest", func(st *status) (*time.Time, *string) {
		return &st.LatestDigestAttempt, &st.LatestDigestError
	}, now)
}

// failed sets the attempt time and error that fields picks out of t's status, logging when the error changes.
func (s *Service) failed(ctx context.Context, t *Trail, cause error, logMsg string, fields func(*status) (*time.Time, *string), now time.Time) error {
	msg := deliveryError(t, cause)
	err := s.updateStatus(ctx, t.storeKey(), func(_ meta.Tx, _ *Trail, st *status) error {
		attempt, latest := fields(st)
		if *latest != msg {
			s.cfg.Logger.Warn(logMsg, "trail", t.ARN(), "err", msg, "cause", cause)
		}
		*attempt, *latest = now, msg
		return nil
	})
	if err != nil {
		return err
	}
	return errFailed
}

// errFailed ends a trail's run after a refused write that is recorded in its status.
var errFailed = errors.New("trail: delivery refused (see the trail's status)")
