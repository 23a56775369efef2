package table

import (
	"context"
	"errors"
	iofs "io/fs"
	"time"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	icetable "github.com/apache/iceberg-go/table"
)

// ExpireResult describes a snapshot expiry.
type ExpireResult struct {
	// Snapshots is the number of snapshots expired.
	Snapshots int
	// FilesDeleted is the number of data, manifest and manifest list files deleted: those the expired snapshots
	// referenced and no remaining snapshot does.
	FilesDeleted int
}

// ExpireSnapshots removes from the table the snapshots taken before olderThan, keeping the current one and at
// least retainLast (1 when smaller) of the newest along the main branch and whatever a tag or branch points at,
// then deletes the data, manifest and manifest list files that only the expired snapshots referenced. Readers of
// an expired snapshot lose it; readers of the others never miss a file.
func (t *Table) ExpireSnapshots(ctx context.Context, olderThan time.Time, retainLast int) (ExpireResult, error) {
	retainLast = max(retainLast, 1)
	tbl, err := t.Load(ctx)
	if err != nil {
		return ExpireResult{}, wrapErr(t, "expire snapshots", err)
	}
	if len(tbl.Metadata().Snapshots()) <= retainLast {
		return ExpireResult{}, nil
	}
	before := tbl
	opID := fileID()
	var after *icetable.Table
	_, err = t.commit(ctx, tbl, opID, func(tx *icetable.Transaction) error {
		// iceberg-go measures the age from its own clock at the time of the call.
		return tx.ExpireSnapshots(icetable.WithOlderThan(max(time.Since(olderThan), 0)),
			icetable.WithRetainLast(retainLast), icetable.WithPostCommit(false))
	})
	if err != nil {
		return ExpireResult{}, wrapErr(t, "expire snapshots", err)
	}
	if after, err = t.Load(ctx); err != nil {
		return ExpireResult{}, wrapErr(t, "expire snapshots", err)
	}
	// The commit may have been staged again on newer metadata than before's: what it expired is the snapshots
	// of before that after no longer has.
	var expired []icetable.Snapshot
	for _, s := range before.Metadata().Snapshots() {
		if after.Metadata().SnapshotByID(s.SnapshotID) == nil {
			expired = append(expired, s)
		}
	}
	res := ExpireResult{Snapshots: len(expired)}
	if len(expired) == 0 {
		return res, nil
	}
	wfs, err := t.writeIO(ctx, after)
	if err != nil {
		return res, err
	}
	live, err := referenced(after, wfs)
	if err != nil {
		return res, wrapErr(t, "expire snapshots", err)
	}
	gone, err := snapshotFiles(expired, wfs, false)
	if err != nil {
		return res, wrapErr(t, "expire snapshots", err)
	}
	for name := range gone {
		if live[name] {
			continue
		}
		if err := wfs.Remove(name); err != nil {
			return res, wrapErr(t, "expire snapshots", err)
		}
		res.FilesDeleted++
	}
	return res, nil
}

// referenced returns the files that tbl's metadata references: its metadata files (current and logged), and the
// manifest lists, manifests and live data files of every snapshot.
func referenced(tbl *icetable.Table, fs iceio.IO) (map[string]bool, error) {
	files, err := snapshotFiles(tbl.Metadata().Snapshots(), fs, true)
	if err != nil {
		return nil, err
	}
	files[tbl.MetadataLocation()] = true
	for e := range tbl.Metadata().PreviousFiles() {
		files[e.MetadataFile] = true
	}
	for s := range tbl.Metadata().Statistics() {
		files[s.StatisticsPath] = true
	}
	for s := range tbl.Metadata().PartitionStatistics() {
		files[s.StatisticsPath] = true
	}
	return files, nil
}

// snapshotFiles returns the manifest lists, manifests and data files of snapshots; with liveOnly, without the
// files that a manifest lists as deleted. Without liveOnly (the files of expired snapshots), a manifest list
// already deleted (by another expiry) is skipped.
func snapshotFiles(snapshots []icetable.Snapshot, fs iceio.IO, liveOnly bool) (map[string]bool, error) {
	files := map[string]bool{}
	seen := map[string]bool{}
	for _, s := range snapshots {
		files[s.ManifestList] = true
		manifests, err := s.Manifests(fs)
		if !liveOnly && errors.Is(err, iofs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, m := range manifests {
			if seen[m.FilePath()] {
				continue
			}
			seen[m.FilePath()] = true
			files[m.FilePath()] = true
			if err := manifestFiles(m, fs, liveOnly, files); err != nil {
				return nil, err
			}
		}
	}
	return files, nil
}

func manifestFiles(m iceberg.ManifestFile, fs iceio.IO, liveOnly bool, into map[string]bool) error {
	for e, err := range m.Entries(fs, liveOnly) {
		if err != nil {
			return err
		}
		into[e.DataFile().FilePath()] = true
	}
	return nil
}
