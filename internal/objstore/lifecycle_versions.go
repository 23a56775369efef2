package objstore

import (
	"context"
	"errors"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// versionSweep walks a bucket's versions key by key, newest first, deciding what NoncurrentVersionExpiration
// and ExpiredObjectDeleteMarker remove. A version becomes noncurrent when its successor is written, so its
// noncurrent days count from the successor's LastModified.
type versionSweep struct {
	b   *Bucket
	now time.Time

	key       string    // the key being walked
	successor time.Time // LastModified of the version after the next one
	newer     int       // noncurrent versions of key seen so far
	marker    *Object   // key's current version when it is a delete marker
	survivors int       // versions of key that stay

	expire  []*Object // noncurrent versions to remove
	markers []*Object // expired delete markers to remove
}

// lifecycleVersions applies the rules on noncurrent versions and expired delete markers.
func (s *Service) lifecycleVersions(ctx context.Context, b *Bucket, now time.Time, res *LifecycleResult) error {
	sw := &versionSweep{b: b, now: now}
	base := b.Name + "/"
	start := base
	for {
		type entry struct {
			o   *Object
			cur *Object // the current object of o's key when o is the first of its key on the page
		}
		var page []entry
		err := s.store.View(ctx, func(tx meta.Tx) error {
			page = page[:0]
			last := ""
			var derr error
			err := tx.Scan(tableVersions, meta.Range{Prefix: base, Start: start, Limit: 500}, func(k string, v []byte) bool {
				o := new(Object)
				if derr = decodeObject(v, o, false); derr != nil {
					return false
				}
				e := entry{o: o}
				if o.Key != last && o.Key != sw.key {
					cur, err := getObject(tx, b.Name, o.Key)
					if err != nil && !isNoSuchKey(err) {
						derr = err
						return false
					}
					e.cur = cur
				}
				last = o.Key
				page = append(page, e)
				start = k + "\x00"
				return true
			})
			return errors.Join(err, derr)
		})
		if err != nil {
			return err
		}
		for _, e := range page {
			sw.visit(e.o, e.cur)
		}
		if len(page) == 0 {
			sw.finishKey()
		}
		if err := s.applySweep(ctx, sw, res); err != nil || len(page) == 0 {
			return err
		}
	}
}

// visit decides about one version; cur is the key's current object when o is the first version seen of it.
func (sw *versionSweep) visit(o, cur *Object) {
	if o.Key != sw.key {
		sw.finishKey()
		sw.key, sw.newer, sw.marker, sw.survivors = o.Key, 0, nil, 0
		if cur == nil {
			// No current object: the newest version is the current one, a delete marker by the invariant.
			sw.successor = o.LastModified
			if o.DeleteMarker {
				sw.marker = o
			}
			sw.survivors++
			return
		}
		sw.successor = cur.LastModified
		sw.survivors++ // the current object
	}
	becameNoncurrent := sw.successor
	sw.successor = o.LastModified
	sw.newer++
	for i := range sw.b.Lifecycle.Rules {
		r := &sw.b.Lifecycle.Rules[i]
		n := r.NoncurrentVersionExpiration
		if n == nil || !r.applies(o) || sw.newer <= n.NewerNoncurrentVersions || !due(sw.now, becameNoncurrent, n.NoncurrentDays, "") {
			continue
		}
		sw.expire = append(sw.expire, o)
		return
	}
	sw.survivors++
}

// finishKey removes the key's current delete marker when no other version of the key stays and a rule says so.
func (sw *versionSweep) finishKey() {
	m := sw.marker
	if m == nil || sw.survivors != 1 {
		return
	}
	sw.marker = nil
	for i := range sw.b.Lifecycle.Rules {
		r := &sw.b.Lifecycle.Rules[i]
		if e := r.Expiration; e != nil && e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker && r.applies(m) {
			sw.markers = append(sw.markers, m)
			return
		}
	}
}

func (s *Service) applySweep(ctx context.Context, sw *versionSweep, res *LifecycleResult) error {
	for _, o := range sw.expire {
		if _, err := s.removeVersion(ctx, nil, sw.b, o.Key, versionID(o), "LifecycleExpiration:Delete"); err != nil {
			return err
		}
		res.NoncurrentExpired++
	}
	for _, m := range sw.markers {
		if _, err := s.removeVersion(ctx, nil, sw.b, m.Key, versionID(m), "LifecycleExpiration:Delete"); err != nil {
			return err
		}
		res.MarkersRemoved++
	}
	sw.expire, sw.markers = nil, nil
	return nil
}

// versionID is the ID that names o's version in requests.
func versionID(o *Object) string {
	if o.VersionID == "" {
		return NullVersion
	}
	return o.VersionID
}
