package table

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/objstore"
)

// DefaultOrphanAge is the age under which a file the table does not reference is never removed: it may belong
// to a commit in flight (an append writes its files before committing them).
const DefaultOrphanAge = 3 * 24 * time.Hour

// OrphanResult describes an orphan removal.
type OrphanResult struct {
	// Files and Bytes are the files removed and their size.
	Files int
	Bytes int64
}

// RemoveOrphans deletes the files under the table's location, last modified before olderThan, that its metadata
// does not reference: files of failed commits, metadata files that fell off the metadata log, data files of
// snapshots expired elsewhere. The location is listed before the metadata is read, so a file committed meanwhile
// is known to be referenced.
func (t *Table) RemoveOrphans(ctx context.Context, olderThan time.Time) (OrphanResult, error) {
	tbl, err := t.Load(ctx)
	if err != nil {
		return OrphanResult{}, wrapErr(t, "remove orphans", err)
	}
	objects, err := t.list(ctx, tbl.Location())
	if err != nil {
		return OrphanResult{}, wrapErr(t, "remove orphans", err)
	}
	if tbl, err = t.Load(ctx); err != nil {
		return OrphanResult{}, wrapErr(t, "remove orphans", err)
	}
	wfs, err := t.writeIO(ctx, tbl)
	if err != nil {
		return OrphanResult{}, err
	}
	live, err := referenced(tbl, wfs)
	if err != nil {
		return OrphanResult{}, wrapErr(t, "remove orphans", err)
	}
	var res OrphanResult
	for _, o := range objects {
		name := "s3://" + o.Bucket + "/" + o.Key
		if live[name] || !o.LastModified.Before(olderThan) {
			continue
		}
		if err := t.lake.cfg.Objects.DeleteObject(ctx, t.lake.caller(ctx), o.Bucket, o.Key); err != nil {
			return res, wrapErr(t, "remove orphans", err)
		}
		res.Files++
		res.Bytes += o.Size
	}
	return res, nil
}

// list returns the objects under location (s3://bucket/prefix), listed as the lake's principal.
func (t *Table) list(ctx context.Context, location string) ([]*objstore.Object, error) {
	bucket, prefix, err := splitPath(location + "/")
	if err != nil {
		return nil, err
	}
	var objects []*objstore.Object
	in := objstore.ListInput{Bucket: bucket, Prefix: prefix, MaxKeys: 1000}
	for {
		out, err := t.lake.cfg.Objects.ListObjects(ctx, t.lake.caller(ctx), in)
		if err != nil {
			return nil, err
		}
		for _, o := range out.Objects {
			if o.Bucket == "" {
				o.Bucket = bucket
			}
		}
		objects = append(objects, out.Objects...)
		if !out.IsTruncated || out.Last == "" {
			return objects, nil
		}
		in.After = out.Last
	}
}
