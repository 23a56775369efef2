package table

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/ocsf/shape"
)

// ErrNotCommitted is a replicated data file that its contributing lake has not committed (yet): the commit may
// be in flight, so the caller tries again later.
var ErrNotCommitted = errors.New("table: the replicated data file is not committed in its contributing lake yet")

// replicaIDPrefix starts the snapshot summary ID of a replicated file's addition (appendIDKey).
const replicaIDPrefix = "replica:"

// maxSourceSnapshots bounds how far back AddReplicated looks for the contributing table's snapshot that
// committed a file.
const maxSourceSnapshots = 200

// AddReplicated adds a data file that S3 replication copied into the bucket of account's lake in region (the
// rollup region) from the lake of one of the contributing regions, to the rollup lake's table of the same
// source, once: the file stays where it landed (Iceberg add-files of an existing Parquet file; its partition,
// region included, is the one the contributing lake wrote). The contributing table (on this server) decides:
// a file it has not committed is ErrNotCommitted, or nothing when the file is gone from the contributing bucket
// (a failed commit's file, removed); a file its compaction wrote replaces, in the rollup table too, the files it
// replaced. It reports whether the file was added by this call. Keys that are not data files of an AWS source
// (metadata/, which the rollup ignores and orphan removal deletes after DefaultOrphanAge) are skipped.
func (ls *Lakes) AddReplicated(ctx context.Context, account, region string, contributing []string, key string) (bool, error) {
	src, ok := replicaSource(key)
	if !ok {
		return false, nil
	}
	rollup, err := ls.Open(ctx, account, region)
	if err != nil {
		return false, err
	}
	// The lake's own files are not replicas: only those S3 replication wrote are looked for in the others.
	head, err := ls.cfg.Objects.HeadObject(ctx, rollup.caller(ctx), objstore.GetInput{Bucket: rollup.cfg.Bucket, Key: key})
	if err != nil {
		if missing(err) {
			return false, nil
		}
		return false, err
	}
	if head.Object.ReplicationStatus != objstore.ReplicationReplica {
		return false, nil
	}
	t, err := rollup.Table(ctx, src)
	if err != nil {
		return false, err
	}
	tbl, err := t.Load(ctx)
	if err != nil {
		return false, wrapErr(t, "add replica", err)
	}
	id := replicaIDPrefix + key
	if _, done := committedAs(tbl, id); done {
		return false, nil
	}
	removed, found, gone, err := ls.committedIn(ctx, account, contributing, src, key)
	if err != nil || gone {
		return false, err
	}
	if !found {
		return false, fmt.Errorf("%w: %s", ErrNotCommitted, key)
	}
	return true, t.addReplica(ctx, tbl, id, key, removed)
}

// replicaSource returns the table of a data file key (aws/<SOURCE>/<version>/data/…/<file>.parquet).
func replicaSource(key string) (Source, bool) {
	parts := strings.Split(key, "/")
	if len(parts) < 6 || parts[0] != "aws" || parts[3] != "data" || !strings.HasSuffix(key, ".parquet") {
		return Source{}, false
	}
	sh, ok := shape.Lookup(parts[1])
	if !ok || sh.Source != parts[1] || sh.Version != parts[2] {
		return Source{}, false
	}
	return Source{Shape: sh, Version: sh.Version}, true
}

// committedIn looks for the snapshot of a contributing lake's table that committed key: found, with the keys of
// the files that snapshot removed (a compaction's); or gone, when no contributing bucket has the file any more.
func (ls *Lakes) committedIn(ctx context.Context, account string, regions []string, src Source, key string) (removed []string, found, gone bool, err error) {
	gone = true
	for _, r := range regions {
		l, err := ls.Open(ctx, account, r)
		if err != nil {
			return nil, false, false, err
		}
		t, err := l.Table(ctx, src)
		if err != nil {
			return nil, false, false, err
		}
		tbl, err := t.Load(ctx)
		if err != nil {
			return nil, false, false, wrapErr(t, "find a replicated file", err)
		}
		fsys, err := t.writeIO(ctx, tbl)
		if err != nil {
			return nil, false, false, err
		}
		removed, found, err = addedBy(tbl, fsys, "s3://"+l.cfg.Bucket+"/"+key, "s3://"+l.cfg.Bucket+"/")
		if err != nil || found {
			return removed, found, false, err
		}
		_, herr := ls.cfg.Objects.HeadObject(ctx, l.caller(ctx), objstore.GetInput{Bucket: l.cfg.Bucket, Key: key})
		if herr == nil {
			gone = false
		} else if !missing(herr) {
			return nil, false, false, herr
		}
	}
	return nil, false, gone, nil
}

// addedBy finds the snapshot of tbl (newest first, at most maxSourceSnapshots) whose manifests record path as
// ADDED, and returns the keys (path without base) of the files that snapshot DELETED.
func addedBy(tbl *icetable.Table, fsys iceio.IO, path, base string) ([]string, bool, error) {
	snaps := tbl.Metadata().Snapshots()
	for i := len(snaps) - 1; i >= 0 && i >= len(snaps)-maxSourceSnapshots; i-- {
		snap := snaps[i]
		manifests, err := snap.Manifests(fsys)
		if err != nil {
			return nil, false, err
		}
		var removed []string
		found := false
		for _, m := range manifests {
			if m.SnapshotID() != snap.SnapshotID || m.ManifestContent() != iceberg.ManifestContentData {
				continue
			}
			entries, err := m.FetchEntries(fsys, false)
			if err != nil {
				return nil, false, err
			}
			for _, e := range entries {
				if e.SnapshotID() != snap.SnapshotID {
					continue
				}
				switch p := e.DataFile().FilePath(); {
				case e.Status() == iceberg.EntryStatusADDED && p == path:
					found = true
				case e.Status() == iceberg.EntryStatusDELETED:
					removed = append(removed, strings.TrimPrefix(p, base))
				}
			}
		}
		if found {
			return removed, true, nil
		}
	}
	return nil, false, nil
}

// addReplica commits the replicated file key to the table, replacing the files of removed (keys) that the table
// references, in one snapshot identified by id.
func (t *Table) addReplica(ctx context.Context, tbl *icetable.Table, id, key string, removed []string) error {
	wfs, err := t.writeIO(ctx, tbl)
	if err != nil {
		return err
	}
	path := "s3://" + t.lake.cfg.Bucket + "/" + key
	df, err := icetable.FileToDataFile(ctx, wfs, path, tbl.Schema(), tbl.Spec(), 0, tbl.Properties())
	if err != nil {
		return wrapErr(t, "add replica", err)
	}
	props := iceberg.Properties{appendIDKey: id, "seclake.replica": key}
	_, err = t.commit(ctx, tbl, id, func(tx *icetable.Transaction) error {
		if len(removed) == 0 {
			return tx.AddDataFiles(ctx, []iceberg.DataFile{df}, props, icetable.WithoutDuplicateCheck())
		}
		gone, err := t.referenced(tx, wfs, removed)
		if err != nil {
			return err
		}
		rw := tx.NewRewrite(props)
		for _, old := range gone {
			rw.DeleteFile(old)
		}
		rw.AddDataFile(df)
		return rw.Commit(ctx)
	})
	return wrapErr(t, "add replica", err)
}

// referenced returns the data files of the transaction's current snapshot among keys.
func (t *Table) referenced(tx *icetable.Transaction, fsys iceio.IO, keys []string) ([]iceberg.DataFile, error) {
	want := map[string]bool{}
	for _, k := range keys {
		want["s3://"+t.lake.cfg.Bucket+"/"+k] = true
	}
	tbl, err := tx.StagedTable()
	if err != nil {
		return nil, err
	}
	snap := tbl.CurrentSnapshot()
	if snap == nil {
		return nil, nil
	}
	manifests, err := snap.Manifests(fsys)
	if err != nil {
		return nil, err
	}
	var out []iceberg.DataFile
	for _, m := range manifests {
		entries, err := m.FetchEntries(fsys, true)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if want[e.DataFile().FilePath()] {
				out = append(out, e.DataFile())
			}
		}
	}
	return out, nil
}

// missing is S3's answer for an object that is not there.
func missing(err error) bool {
	ae, ok := awserr.As(err)
	return ok && (ae.Code == "NoSuchKey" || ae.Code == "NotFound")
}
