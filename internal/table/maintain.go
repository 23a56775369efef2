package table

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
)

// Maintenance as a worker-target job: the stack runs (*Lake).Maintain(ctx, Policy{}) as JobName every JobEvery.
const (
	JobName  = "table.maintain"
	JobEvery = time.Hour
)

// Defaults of a Policy.
const (
	DefaultSnapshotAge         = 7 * 24 * time.Hour
	DefaultRetainLast          = 10
	DefaultPreviousVersionsMax = 20
)

// Policy is what Maintain keeps; the zero Policy takes every default.
type Policy struct {
	// TargetSize is the size of the files compaction writes (DefaultTargetSize).
	TargetSize int64
	// SnapshotAge is the age past which snapshots expire (DefaultSnapshotAge), RetainLast the number of newest
	// snapshots kept whatever their age (DefaultRetainLast).
	SnapshotAge time.Duration
	RetainLast  int
	// OrphanAge is the age past which unreferenced files are removed (DefaultOrphanAge).
	OrphanAge time.Duration
	// PreviousVersionsMax is the number of previous metadata files a table keeps (DefaultPreviousVersionsMax).
	PreviousVersionsMax int
}

// TableSummary is what Maintain did to one table.
type TableSummary struct {
	Table string
	// FilesBefore and FilesAfter count the objects under the table's location (data, manifests, metadata);
	// BytesBefore and BytesAfter are their size.
	FilesBefore, FilesAfter int
	BytesBefore, BytesAfter int64
	Compact                 CompactResult
	Expire                  ExpireResult
	Orphans                 OrphanResult
}

// Summary is what Maintain did to the lake.
type Summary struct {
	Tables []TableSummary
}

// Maintain runs the maintenance of every table of the lake, in turn: the metadata retention properties, then
// compaction, snapshot expiry and orphan removal. Ages are measured on the lake's clock. A table whose
// maintenance fails does not stop the others; the errors are joined.
func (l *Lake) Maintain(ctx context.Context, p Policy) (Summary, error) {
	var sum Summary
	var errs []error
	// The tables are listed first: each one's maintenance commits to the catalog being listed.
	var idents []icetable.Identifier
	for ident, err := range l.cat.ListTables(ctx, l.namespace) {
		if err != nil {
			return sum, fmt.Errorf("table: list tables: %w", err)
		}
		idents = append(idents, ident)
	}
	for _, ident := range idents {
		t := &Table{lake: l, ident: ident}
		ts, err := t.maintain(ctx, p)
		sum.Tables = append(sum.Tables, ts)
		if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return sum, errors.Join(errs...)
}

// maintain runs the maintenance of one table. It uses only the table's identifier (Maintain's handles know no
// Source). A step that fails does not stop the next ones (a bucket policy without s3:ListBucket for the lake
// stops the file counts and orphan removal, not compaction and expiry); the errors are joined.
func (t *Table) maintain(ctx context.Context, p Policy) (TableSummary, error) {
	ts := TableSummary{Table: t.Name()}
	now := t.lake.cfg.Clock.Now()
	tbl, err := t.Load(ctx)
	if err != nil {
		return ts, wrapErr(t, "maintain", err)
	}
	var errs []error
	step := func(err error) { errs = append(errs, err) }
	ts.FilesBefore, ts.BytesBefore, err = t.usage(ctx, tbl.Location())
	step(err)
	step(t.keepMetadata(ctx, tbl, cmp.Or(p.PreviousVersionsMax, DefaultPreviousVersionsMax)))
	ts.Compact, err = t.Compact(ctx, CompactOptions{TargetSize: p.TargetSize})
	step(err)
	ts.Expire, err = t.ExpireSnapshots(ctx, now.Add(-cmp.Or(p.SnapshotAge, DefaultSnapshotAge)),
		cmp.Or(p.RetainLast, DefaultRetainLast))
	step(err)
	ts.Orphans, err = t.RemoveOrphans(ctx, now.Add(-cmp.Or(p.OrphanAge, DefaultOrphanAge)))
	step(err)
	ts.FilesAfter, ts.BytesAfter, err = t.usage(ctx, tbl.Location())
	step(err)
	return ts, errors.Join(errs...)
}

// usage counts the objects under location and their size.
func (t *Table) usage(ctx context.Context, location string) (int, int64, error) {
	objects, err := t.list(ctx, location)
	if err != nil {
		return 0, 0, wrapErr(t, "count files", err)
	}
	var size int64
	for _, o := range objects {
		size += o.Size
	}
	return len(objects), size, nil
}

// retentionProperties are the table properties that bound its metadata files: each commit deletes the metadata
// files that fall off a log of previousVersionsMax, and appends merge the manifests once there are 100 (else
// every append adds one, and each commit reads them all).
func retentionProperties(previousVersionsMax int) iceberg.Properties {
	return iceberg.Properties{
		icetable.MetadataDeleteAfterCommitEnabledKey: "true",
		icetable.MetadataPreviousVersionsMaxKey:      strconv.Itoa(previousVersionsMax),
		icetable.ManifestMergeEnabledKey:             "true",
	}
}

// keepMetadata sets the retention properties of the table when it does not have them.
func (t *Table) keepMetadata(ctx context.Context, tbl *icetable.Table, previousVersionsMax int) error {
	want := retentionProperties(previousVersionsMax)
	props := tbl.Properties()
	same := true
	for k, v := range want {
		same = same && props[k] == v
	}
	if same {
		return nil
	}
	_, err := t.commit(ctx, tbl, "", func(tx *icetable.Transaction) error { return tx.SetProperties(want) })
	return wrapErr(t, "set the metadata retention", err)
}
