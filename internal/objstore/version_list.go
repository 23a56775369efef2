package objstore

import (
	"context"
	"errors"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// VersionListInput is a ListObjectVersions request.
type VersionListInput struct {
	Bucket, Prefix, Delimiter  string
	KeyMarker, VersionIDMarker string
	MaxKeys                    int
}

// VersionListOutput is one page of versions, newest first within a key; Versions holds objects and delete
// markers, each with IsLatest set for the key's current version.
type VersionListOutput struct {
	Versions       []*Object
	CommonPrefixes []string
	IsTruncated    bool
	// NextKeyMarker and NextVersionIDMarker continue a truncated listing.
	NextKeyMarker, NextVersionIDMarker string
}

// versionItem is one entry of a version listing: a version or a common prefix, with where it sorts.
type versionItem struct {
	order string // key "\x00" version suffix, or the common prefix
	obj   *Object
	cp    string
}

// ListObjectVersions lists the versions of the bucket's objects by key, newest first within a key. The
// current versions that are objects come from tableObjects and the others from tableVersions; both are walked
// from the markers and merged.
func (s *Service) ListObjectVersions(ctx context.Context, c *actor.Caller, in VersionListInput) (*VersionListOutput, error) {
	a := bucketAccess("s3:ListBucketVersions", in.Bucket)
	a.ctx.Set("s3:prefix", in.Prefix)
	if in.Delimiter != "" {
		a.ctx.Set("s3:delimiter", in.Delimiter)
	}
	a.ctx.SetInt("s3:max-keys", int64(in.MaxKeys))
	b, err := s.authorizedBucket(ctx, c, in.Bucket, a)
	if err != nil {
		return nil, err
	}
	if in.VersionIDMarker != "" {
		if in.KeyMarker == "" {
			return nil, errInvalidArgument("version-id-marker", in.VersionIDMarker, "A version-id marker cannot be specified without a key marker.")
		}
		if err := validVersionID(in.VersionIDMarker); err != nil {
			return nil, err
		}
	}
	if in.MaxKeys < 0 || in.MaxKeys > 1000 {
		in.MaxKeys = 1000
	}
	out := &VersionListOutput{}
	err = s.store.View(ctx, func(tx meta.Tx) error {
		*out = VersionListOutput{}
		cur, vers, err := versionScans(tx, b, in)
		if err != nil {
			return err
		}
		mergeVersions(out, cur, vers, in.MaxKeys)
		return nil
	})
	for _, o := range out.Versions {
		o.versioned = b.Versioning != ""
	}
	return out, err
}

// versionScans collects up to max+1 items from each table after the markers.
func versionScans(tx meta.Tx, b *Bucket, in VersionListInput) (cur, vers []versionItem, err error) {
	base := b.Name + "/"
	startCur, startVer := base+in.Prefix, base+in.Prefix
	prevKey := "" // the key whose versions started before the page (its first listed version is not its newest)
	if in.KeyMarker != "" && in.KeyMarker >= in.Prefix {
		startCur, startVer = base+in.KeyMarker+"\x00", base+in.KeyMarker+"\x01"
		if in.VersionIDMarker != "" {
			m, _, ferr := findVersion(tx, b.Name, in.KeyMarker, in.VersionIDMarker)
			if ferr == nil {
				startVer, prevKey = versionKey(m)+"\x00", in.KeyMarker
			} else if _, ok := asAWS(ferr); !ok {
				return nil, nil, ferr
			}
		}
		if cp, ok := commonPrefix(in.KeyMarker, in.Prefix, in.Delimiter); ok {
			startCur, startVer = meta.PrefixEnd(base+cp), meta.PrefixEnd(base+cp)
		}
	}
	limit := in.MaxKeys + 1
	cur, err = scanItems(tx, tableObjects, base, in, startCur, limit, func(key string, v []byte) (*versionItem, error) {
		o := new(Object)
		if err := decodeObject(v, o, false); err != nil {
			return nil, err
		}
		o.IsLatest = true
		return &versionItem{order: key + "\x00" + versionSuffix(o), obj: o}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	vers, err = scanItems(tx, tableVersions, base, in, startVer, limit, func(name string, v []byte) (*versionItem, error) {
		o := new(Object)
		if err := decodeObject(v, o, false); err != nil {
			return nil, err
		}
		first := o.Key != prevKey
		prevKey = o.Key
		if first && o.DeleteMarker {
			_, gerr := tx.Get(tableObjects, base+o.Key)
			if gerr != nil && !errors.Is(gerr, meta.ErrNotFound) {
				return nil, gerr
			}
			o.IsLatest = gerr != nil
		}
		return &versionItem{order: name, obj: o}, nil
	})
	return cur, vers, err
}

// scanItems walks table from start, rolling keys up into common prefixes, and returns up to limit items.
// Names in tableVersions end with "\x00" and the version suffix, which the common prefix ignores.
func scanItems(tx meta.Tx, table, base string, in VersionListInput, start string, limit int, mk func(name string, v []byte) (*versionItem, error)) ([]versionItem, error) {
	var items []versionItem
	for len(items) < limit {
		next := ""
		var ferr error
		err := tx.Scan(table, meta.Range{Prefix: base + in.Prefix, Start: start}, func(k string, v []byte) bool {
			name := k[len(base):]
			key, _, _ := strings.Cut(name, "\x00")
			if cp, ok := commonPrefix(key, in.Prefix, in.Delimiter); ok {
				items = append(items, versionItem{order: cp, cp: cp})
				next = meta.PrefixEnd(base + cp)
				return false
			}
			it, err := mk(name, v)
			if err != nil {
				ferr = err
				return false
			}
			items = append(items, *it)
			return len(items) < limit
		})
		if err != nil || ferr != nil {
			return nil, firstErr(err, ferr)
		}
		if next == "" {
			break
		}
		start = next
	}
	return items, nil
}

// mergeVersions merges the two ordered lists into out, up to max items.
func mergeVersions(out *VersionListOutput, a, b []versionItem, max int) {
	count := 0
	var last *versionItem
	for len(a) > 0 || len(b) > 0 {
		var it versionItem
		if len(b) == 0 || (len(a) > 0 && a[0].order <= b[0].order) {
			it, a = a[0], a[1:]
		} else {
			it, b = b[0], b[1:]
		}
		if last != nil && it.cp != "" && last.cp == it.cp {
			continue // the same common prefix from both tables
		}
		if count == max {
			out.IsTruncated = max > 0
			break
		}
		count++
		if it.cp != "" {
			out.CommonPrefixes = append(out.CommonPrefixes, it.cp)
		} else {
			out.Versions = append(out.Versions, it.obj)
		}
		last = &it
	}
	if out.IsTruncated && last != nil {
		if last.cp != "" {
			out.NextKeyMarker = last.cp
		} else {
			out.NextKeyMarker = last.obj.Key
			out.NextVersionIDMarker = last.obj.VersionID
			if out.NextVersionIDMarker == "" {
				out.NextVersionIDMarker = NullVersion
			}
		}
	}
}
