package objstore

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// ListInput is a ListObjects or ListObjectsV2 request. After is the key to list after: the marker, the
// start-after, or the key a continuation token stands for.
type ListInput struct {
	Bucket    string
	Prefix    string
	Delimiter string
	After     string
	MaxKeys   int
}

// ListOutput is one page of a listing.
type ListOutput struct {
	Objects        []*Object
	CommonPrefixes []string
	IsTruncated    bool
	// Last is the last key or common prefix returned: the next marker or continuation point.
	Last string
}

// ListObjects lists the bucket's keys in UTF-8 byte order, rolling keys up to common prefixes at the
// delimiter.
func (s *Service) ListObjects(ctx context.Context, c *actor.Caller, in ListInput) (*ListOutput, error) {
	a := bucketAccess("s3:ListBucket", in.Bucket)
	a.ctx.Set("s3:prefix", in.Prefix)
	if in.Delimiter != "" {
		a.ctx.Set("s3:delimiter", in.Delimiter)
	}
	a.ctx.SetInt("s3:max-keys", int64(in.MaxKeys))
	if _, err := s.authorizedBucket(ctx, c, in.Bucket, a); err != nil {
		return nil, err
	}
	if in.MaxKeys < 0 || in.MaxKeys > 1000 {
		in.MaxKeys = 1000
	}
	out := &ListOutput{}
	err := s.store.View(ctx, func(tx meta.Tx) error {
		*out = ListOutput{}
		return listKeys(tx, tableObjects, in, func(_ string, v []byte) error {
			o := new(Object)
			if err := decodeObject(v, o, false); err != nil {
				return err
			}
			out.Objects = append(out.Objects, o)
			return nil
		}, out)
	})
	return out, err
}

// listKeys walks the keys of table under bucket/prefix after in.After, calling add for each key and
// collecting common prefixes into out, up to in.MaxKeys entries.
func listKeys(tx meta.Tx, table string, in ListInput, add func(key string, v []byte) error, out *ListOutput) error {
	base := in.Bucket + "/"
	start := base + in.Prefix
	if in.After != "" && in.After >= in.Prefix {
		start = base + in.After + "\x00"
		if cp, ok := commonPrefix(in.After, in.Prefix, in.Delimiter); ok {
			start = meta.PrefixEnd(base + cp)
		}
	}
	count := 0
	for {
		next := ""
		var ferr error
		err := tx.Scan(table, meta.Range{Prefix: base + in.Prefix, Start: start}, func(k string, v []byte) bool {
			key := k[len(base):]
			if count == in.MaxKeys {
				out.IsTruncated = count > 0
				return false
			}
			if cp, ok := commonPrefix(key, in.Prefix, in.Delimiter); ok {
				out.CommonPrefixes = append(out.CommonPrefixes, cp)
				out.Last = cp
				count++
				next = meta.PrefixEnd(base + cp)
				return false
			}
			if ferr = add(key, v); ferr != nil {
				return false
			}
			out.Last = key
			count++
			return true
		})
		if err != nil || ferr != nil {
			return firstErr(err, ferr)
		}
		if next == "" || out.IsTruncated {
			return nil
		}
		start = next
	}
}

// commonPrefix returns the common prefix key rolls up into, if the delimiter occurs after the prefix.
func commonPrefix(key, prefix, delim string) (string, bool) {
	if delim == "" || !strings.HasPrefix(key, prefix) {
		return "", false
	}
	i := strings.Index(key[len(prefix):], delim)
	if i < 0 {
		return "", false
	}
	return key[:len(prefix)+i+len(delim)], true
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
