package table

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	icetable "github.com/apache/iceberg-go/table"
)

// DefaultTargetSize is the size of the data files compaction writes, as Iceberg's write.target-file-size-bytes.
const DefaultTargetSize = 128 << 20

// CompactOptions tunes Compact.
type CompactOptions struct {
	// TargetSize is the size of the files compaction writes (DefaultTargetSize when 0). Data files smaller than
	// three quarters of it are candidates, and a partition is compacted when it has two candidates or more.
	TargetSize int64
}

// CompactResult describes a compaction.
type CompactResult struct {
	// Partitions is the number of partitions compacted.
	Partitions int
	// FilesRemoved are the data files replaced, FilesAdded the files that replace them.
	FilesRemoved, FilesAdded int
	// Rows is the number of rows rewritten.
	Rows int64
	// BytesRead and BytesWritten are the sizes of the files replaced and written.
	BytesRead, BytesWritten int64
	// SnapshotID is the replace snapshot, 0 when there was nothing to compact.
	SnapshotID int64
}

// beforeCompactCommit, when set (by tests), runs once between writing the compacted files and committing them.
var beforeCompactCommit func()

// Compact bin-packs, per partition, the table's small data files into files of up to the target size, rows
// sorted by time, written through the lake's file IO (encrypted, as the lake's principal), and commits them in
// one Iceberg replace snapshot that removes the old files from the table and adds the new ones. Rows appended
// meanwhile are kept: a commit that lost the race is staged again on the new metadata. The old files stay in
// the bucket, readable through the older snapshots, until ExpireSnapshots removes them. A table with delete
// files (written by another engine) is left alone.
func (t *Table) Compact(ctx context.Context, opts CompactOptions) (CompactResult, error) {
	target := cmp.Or(opts.TargetSize, DefaultTargetSize)
	tbl, err := t.Load(ctx)
	if err != nil {
		return CompactResult{}, fmt.Errorf("table %s: %w", t.Name(), err)
	}
	wfs, err := t.writeIO(ctx, tbl)
	if err != nil {
		return CompactResult{}, err
	}
	bins, err := planBins(tbl, wfs, target)
	if err != nil || len(bins) == 0 {
		return CompactResult{}, wrapErr(t, "compact", err)
	}
	var (
		res       CompactResult
		removed   []iceberg.DataFile
		added     []iceberg.DataFile
		compacted = map[string]bool{}
		fail      = func(err error) (CompactResult, error) {
			for _, df := range added {
				_ = wfs.Remove(df.FilePath())
			}
			return CompactResult{}, wrapErr(t, "compact", err)
		}
	)
	for _, b := range bins {
		df, err := rewriteBin(ctx, wfs, tbl, b.files)
		if errors.Is(err, errForeignSchema) || errors.Is(err, errNothingToRewrite) {
			continue
		}
		if err != nil {
			return fail(err)
		}
		added = append(added, df)
		removed = append(removed, b.files...)
		compacted[b.partition] = true
		res.Rows += df.Count()
		res.BytesWritten += df.FileSizeBytes()
		for _, f := range b.files {
			res.BytesRead += f.FileSizeBytes()
		}
	}
	if len(added) == 0 {
		return CompactResult{}, nil
	}
	if beforeCompactCommit != nil {
		beforeCompactCommit()
	}
	opID := fileID()
	props := iceberg.Properties{"seclake.compacted-files": strconv.Itoa(len(removed)), appendIDKey: opID}
	id, err := t.commit(ctx, tbl, opID, func(tx *icetable.Transaction) error {
		rw := tx.NewRewrite(props)
		for _, df := range removed {
			rw.DeleteFile(df)
		}
		for _, df := range added {
			rw.AddDataFile(df)
		}
		return rw.Commit(ctx)
	})
	if err != nil {
		return fail(err)
	}
	res.Partitions, res.FilesRemoved, res.FilesAdded, res.SnapshotID = len(compacted), len(removed), len(added), id
	return res, nil
}

func wrapErr(t *Table, op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("table %s: %s: %w", t.Name(), op, err)
}

// bin is data files of one partition to rewrite as one.
type bin struct {
	partition string
	files     []iceberg.DataFile
}

// planBins returns the bins of the current snapshot's small data files: per partition, the candidates (Parquet
// data files under three quarters of target, and files whose timestamp statistics are milliseconds whatever
// their size) packed in order of size into bins of at most target bytes, each of two files or more, or of one
// file in milliseconds (rewritten in microseconds).
func planBins(tbl *icetable.Table, fs iceio.IO, target int64) ([]bin, error) {
	snap := tbl.CurrentSnapshot()
	if snap == nil {
		return nil, nil
	}
	manifests, err := snap.Manifests(fs)
	if err != nil {
		return nil, err
	}
	parts := map[string][]iceberg.DataFile{}
	millis := map[string]bool{}
	for _, m := range manifests {
		if m.ManifestContent() != iceberg.ManifestContentData {
			return nil, nil // rows deleted by delete files: a rewrite would have to apply them
		}
		for e, err := range m.Entries(fs, true) {
			if err != nil {
				return nil, err
			}
			df := e.DataFile()
			if df.ContentType() != iceberg.EntryContentData || df.FileFormat() != iceberg.ParquetFile {
				continue
			}
			if millisBounds(tbl.Schema(), df) {
				millis[df.FilePath()] = true
			} else if df.FileSizeBytes() >= target*3/4 {
				continue
			}
			key := partitionKey(df)
			parts[key] = append(parts[key], df)
		}
	}
	var bins []bin
	for _, k := range slices.Sorted(maps.Keys(parts)) {
		files := parts[k]
		slices.SortFunc(files, func(a, b iceberg.DataFile) int {
			return cmp.Or(cmp.Compare(a.FileSizeBytes(), b.FileSizeBytes()), cmp.Compare(a.FilePath(), b.FilePath()))
		})
		var cur []iceberg.DataFile
		var size int64
		flush := func() {
			if len(cur) >= 2 || len(cur) == 1 && millis[cur[0].FilePath()] {
				bins = append(bins, bin{partition: k, files: cur})
			}
			cur, size = nil, 0
		}
		for _, df := range files {
			if size+df.FileSizeBytes() > target {
				flush()
			}
			cur = append(cur, df)
			size += df.FileSizeBytes()
		}
		flush()
	}
	return bins, nil
}

// partitionKey identifies the partition of df: its spec and its partition values.
func partitionKey(df iceberg.DataFile) string {
	values := df.Partition()
	var b strings.Builder
	b.WriteString(strconv.Itoa(int(df.SpecID())))
	for _, id := range slices.Sorted(maps.Keys(values)) {
		fmt.Fprintf(&b, "/%d=%v", id, values[id])
	}
	return b.String()
}

// compactedName is the name of a file that replaces files: beside the first of them, in its partition's folder.
func compactedName(files []iceberg.DataFile) string {
	first := files[0].FilePath()
	return first[:strings.LastIndexByte(first, '/')+1] + fileID() + ".zstd.parquet"
}
