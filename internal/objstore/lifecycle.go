package objstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

func validLifecycle(l *Lifecycle) error {
	if l == nil || len(l.Rules) == 0 || len(l.Rules) > 1000 {
		return errMalformedXML()
	}
	ids := map[string]bool{}
	for _, r := range l.Rules {
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return errMalformedXML()
		}
		if len(r.ID) > 255 {
			return errInvalidArgument("ID", r.ID, "ID length should not exceed allowed limit of 255")
		}
		if r.ID != "" && ids[r.ID] {
			return errInvalidArgument("ID", r.ID, "Rule ID must be unique. Found same ID for more than one rule")
		}
		ids[r.ID] = true
		if r.Prefix != nil && r.Filter != nil {
			return errMalformedXML()
		}
		if r.Expiration == nil && len(r.Transitions) == 0 && r.AbortIncompleteMultipartUpload == nil && r.NoncurrentVersionExpiration == nil {
			return errInvalidRequest("At least one action needs to be specified in a rule")
		}
		if e := r.Expiration; e != nil {
			if e.Days < 0 || (e.DaysGiven && e.Days == 0) {
				return errInvalidArgument("Days", itoa(int64(e.Days)), "'Days' for Expiration action must be a positive integer")
			}
			if (e.Days == 0) == (e.Date == "") && e.ExpiredObjectDeleteMarker == nil {
				return errMalformedXML()
			}
			if e.Date != "" {
				if d, err := parseLifecycleDate(e.Date); err != nil || !d.Equal(d.UTC().Truncate(24*time.Hour)) {
					return errInvalidArgument("Date", e.Date, "'Date' must be at midnight GMT")
				}
			}
		}
		if n := r.NoncurrentVersionExpiration; n != nil {
			if n.NoncurrentDays <= 0 {
				return errInvalidArgument("NoncurrentDays", itoa(int64(n.NoncurrentDays)), "'NoncurrentDays' in NoncurrentVersionExpiration action must be a positive integer")
			}
			if n.NewerNoncurrentVersions < 0 || n.NewerNoncurrentVersions > 100 {
				return errInvalidArgument("NewerNoncurrentVersions", itoa(int64(n.NewerNoncurrentVersions)), "'NewerNoncurrentVersions' in NoncurrentVersionExpiration action must be between 1 and 100")
			}
		}
		for _, t := range r.Transitions {
			if !StorageClasses[t.StorageClass] || t.StorageClass == "STANDARD" {
				return errInvalidArgument("StorageClass", t.StorageClass, "The storage class you specified is not valid")
			}
			if t.Days < 0 || (t.Days == 0 && t.Date == "") {
				return errInvalidArgument("Days", itoa(int64(t.Days)), "'Days' for Transition action must be a positive integer")
			}
		}
	}
	return nil
}

func parseLifecycleDate(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse("2006-01-02T15:04:05.000Z", s)
	}
	return t, err
}

// PutBucketLifecycle sets the bucket's lifecycle configuration.
func (s *Service) PutBucketLifecycle(ctx context.Context, c *actor.Caller, bucket string, l *Lifecycle) error {
	if err := validLifecycle(l); err != nil {
		return err
	}
	for i := range l.Rules {
		if l.Rules[i].ID == "" { // S3 names a rule that comes without an ID
			var b [12]byte
			if _, err := io.ReadFull(s.rand, b[:]); err != nil {
				return err
			}
			l.Rules[i].ID = base64.RawURLEncoding.EncodeToString(b[:])
		}
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutLifecycleConfiguration", func(b *Bucket) error {
		b.Lifecycle = l
		return nil
	})
}

// GetBucketLifecycle returns the bucket's lifecycle configuration.
func (s *Service) GetBucketLifecycle(ctx context.Context, c *actor.Caller, bucket string) (*Lifecycle, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetLifecycleConfiguration")
	if err != nil {
		return nil, err
	}
	if b.Lifecycle == nil {
		return nil, errNoSuchConfig("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist", bucket)
	}
	return b.Lifecycle, nil
}

// DeleteBucketLifecycle removes the bucket's lifecycle configuration.
func (s *Service) DeleteBucketLifecycle(ctx context.Context, c *actor.Caller, bucket string) error {
	return s.updateBucket(ctx, c, bucket, "s3:PutLifecycleConfiguration", func(b *Bucket) error {
		b.Lifecycle = nil
		return nil
	})
}

// applies reports whether the rule's filter selects the object.
func (r *LifecycleRule) applies(o *Object) bool {
	if r.Status != "Enabled" {
		return false
	}
	prefix := ""
	var tags []Tag
	var gt, lt *int64
	switch f := r.Filter; {
	case r.Prefix != nil:
		prefix = *r.Prefix
	case f != nil && f.And != nil:
		if f.And.Prefix != nil {
			prefix = *f.And.Prefix
		}
		tags, gt, lt = f.And.Tags, f.And.ObjectSizeGreaterThan, f.And.ObjectSizeLessThan
	case f != nil:
		if f.Prefix != nil {
			prefix = *f.Prefix
		}
		if f.Tag != nil {
			tags = []Tag{*f.Tag}
		}
		gt, lt = f.ObjectSizeGreaterThan, f.ObjectSizeLessThan
	}
	if !strings.HasPrefix(o.Key, prefix) || (gt != nil && o.Size <= *gt) || (lt != nil && o.Size >= *lt) {
		return false
	}
	for _, t := range tags {
		found := false
		for _, ot := range o.Tags {
			found = found || ot == t
		}
		if !found {
			return false
		}
	}
	return true
}

// due reports whether an action set by days or date is due for something created at t: S3 counts days
// from creation, rounded up to the next midnight UTC.
func due(now, created time.Time, days int, date string) bool {
	at, ok := dueAt(created, days, date)
	return ok && !now.Before(at)
}

// dueAt returns when an action set by days or date falls due for something created at t.
func dueAt(created time.Time, days int, date string) (time.Time, bool) {
	if date != "" {
		d, err := parseLifecycleDate(date)
		return d, err == nil
	}
	if days <= 0 {
		return time.Time{}, false
	}
	start := created.UTC().Truncate(24 * time.Hour)
	if !start.Equal(created.UTC()) {
		start = start.Add(24 * time.Hour)
	}
	return start.Add(time.Duration(days) * 24 * time.Hour), true
}

// Expiration returns x-amz-expiration for a current object of bucket b that a lifecycle rule will expire
// ("expiry-date=\"…\", rule-id=\"…\""), or "".
func (b *Bucket) Expiration(o *Object) string {
	if b.Lifecycle == nil || o.DeleteMarker {
		return ""
	}
	var when time.Time
	rule, found := "", false
	for i := range b.Lifecycle.Rules {
		r := &b.Lifecycle.Rules[i]
		e := r.Expiration
		if e == nil || !r.applies(o) {
			continue
		}
		if at, ok := dueAt(o.LastModified, e.Days, e.Date); ok && (!found || at.Before(when)) {
			when, rule, found = at, r.ID, true
		}
	}
	if !found {
		return ""
	}
	return fmt.Sprintf("expiry-date=\"%s\", rule-id=\"%s\"", when.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"), rule)
}

// LifecycleResult counts what one lifecycle run did.
type LifecycleResult struct {
	Expired, Transitioned, Aborted int
	// NoncurrentExpired counts noncurrent versions removed, MarkersRemoved expired delete markers.
	NoncurrentExpired, MarkersRemoved int
}

// RunLifecycle applies every bucket's lifecycle rules as of now.
func (s *Service) RunLifecycle(ctx context.Context) (LifecycleResult, error) {
	var res LifecycleResult
	buckets, err := s.allBuckets(ctx)
	if err != nil {
		return res, err
	}
	now := s.clock.Now()
	for _, b := range buckets {
		if b.Lifecycle == nil {
			continue
		}
		if err := s.lifecycleObjects(ctx, b, now, &res); err != nil {
			return res, err
		}
		if err := s.lifecycleUploads(ctx, b, now, &res); err != nil {
			return res, err
		}
		if b.Versioning != "" {
			if err := s.lifecycleVersions(ctx, b, now, &res); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func (s *Service) lifecycleObjects(ctx context.Context, b *Bucket, now time.Time, res *LifecycleResult) error {
	base := b.Name + "/"
	start := base
	for {
		var page []*Object
		err := s.store.View(ctx, func(tx meta.Tx) error {
			page = page[:0]
			return tx.Scan(tableObjects, meta.Range{Prefix: base, Start: start, Limit: 500}, func(_ string, v []byte) bool {
				o := new(Object)
				if decodeObject(v, o, false) == nil {
					page = append(page, o)
				}
				return true
			})
		})
		if err != nil || len(page) == 0 {
			return err
		}
		for _, o := range page {
			if err := s.lifecycleObject(ctx, b, o, now, res); err != nil {
				return err
			}
		}
		start = base + page[len(page)-1].Key + "\x00"
	}
}

func (s *Service) lifecycleObject(ctx context.Context, b *Bucket, o *Object, now time.Time, res *LifecycleResult) error {
	class := ""
	for i := range b.Lifecycle.Rules {
		r := &b.Lifecycle.Rules[i]
		if !r.applies(o) {
			continue
		}
		if e := r.Expiration; e != nil && due(now, o.LastModified, e.Days, e.Date) {
			res.Expired++
			_, err := s.removeObject(ctx, nil, b, o.Key, "LifecycleExpiration:Delete")
			return err
		}
		for _, t := range r.Transitions {
			if due(now, o.LastModified, t.Days, t.Date) && t.StorageClass != o.StorageClass {
				class = t.StorageClass
			}
		}
	}
	if class == "" {
		return nil
	}
	res.Transitioned++
	return s.store.Update(ctx, func(tx meta.Tx) error {
		cur, err := getObject(tx, b.Name, o.Key)
		if err != nil || cur.ETag != o.ETag {
			return nil // gone or replaced since the scan
		}
		cur.StorageClass = class
		v, err := encodeObject(cur)
		if err != nil {
			return err
		}
		if err := tx.Put(tableObjects, objectKey(b.Name, o.Key), v); err != nil {
			return err
		}
		return s.recordEvent(tx, b, nil, "LifecycleTransition", cur)
	})
}

func (s *Service) lifecycleUploads(ctx context.Context, b *Bucket, now time.Time, res *LifecycleResult) error {
	var uploads []*Upload
	err := s.store.View(ctx, func(tx meta.Tx) error {
		uploads = uploads[:0]
		return tx.Scan(tableUploads, meta.Range{Prefix: b.Name + "/"}, func(_ string, v []byte) bool {
			u := new(Upload)
			if json.Unmarshal(v, u) == nil {
				uploads = append(uploads, u)
			}
			return true
		})
	})
	if err != nil {
		return err
	}
	for _, u := range uploads {
		for i := range b.Lifecycle.Rules {
			r := &b.Lifecycle.Rules[i]
			a := r.AbortIncompleteMultipartUpload
			if a == nil || !r.applies(&Object{Key: u.Key}) || !due(now, u.Initiated, a.DaysAfterInitiation, "") {
				continue
			}
			if err := s.abortUpload(ctx, u.Bucket, u.Key, u.ID); err != nil && !isNoSuchUpload(err) {
				return err
			}
			res.Aborted++
			break
		}
	}
	return nil
}

func isNoSuchUpload(err error) bool {
	e, ok := asAWS(err)
	return ok && e.Code == "NoSuchUpload"
}
