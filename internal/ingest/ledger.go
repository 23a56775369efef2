package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/source"
)

// The package's tables in meta.
const (
	// objectsTable holds an objectRecord per object, by its ID.
	objectsTable = "ingest.objects"
	// dueTable indexes the objects waiting: <due>/<id>, the due time as 16 hex digits of Unix milliseconds. A
	// claimed object is due again when its lease runs out.
	dueTable = "ingest.due"
	// waitTable indexes the objects waiting by source and location: <source>\x00<location>\x00<enqueued>/<id>,
	// for the lag.
	waitTable = "ingest.waiting"
	// commitsTable holds the write-ahead records of commits in flight, by append ID.
	commitsTable = "ingest.commits"
	// statsTable holds the counts per source and location (s/<source>\x00<location>), the set-aside counters
	// per source (a/<source>) and the audit feed's cursor (audit).
	statsTable = "ingest.stats"
	// setAsideTable holds sealed set-aside records: <source>\x00<seq as 16 hex digits>.
	setAsideTable = "ingest.setaside"
)

// Object states.
const (
	stateQueued = "queued"
	stateDone   = "done"
)

// objectRecord is an object's entry in the queue and ledger.
type objectRecord struct {
	Ref      ObjectRef `json:"ref"`
	State    string    `json:"state"`
	Enqueued time.Time `json:"enqueued"`
	// Due is when the object is looked at next (its key in dueTable while queued).
	Due time.Time `json:"due"`
	// Owner holds the lease until Until.
	Owner string    `json:"owner,omitempty"`
	Until time.Time `json:"until,omitzero"`
	// Attempts counts the failed attempts; Failing is set while the last attempt failed.
	Attempts      int       `json:"attempts,omitempty"`
	Failing       bool      `json:"failing,omitempty"`
	LastError     string    `json:"lastError,omitempty"`
	LastErrorTime time.Time `json:"lastErrorTime,omitzero"`
	// Watermarks are, per table, how many of the object's events for that table are committed.
	Watermarks map[string]int64 `json:"wm,omitempty"`
	// Commits are the write-ahead records of commits in flight that cover some of the object's events.
	Commits []string `json:"commits,omitempty"`
	// SetAsideMark is the highest record number of the object already set aside.
	SetAsideMark int64 `json:"setAsideMark,omitempty"`
	// Counts are the counts of the read that finished the object; Skipped events for tables that do not exist.
	Counts        source.Counts `json:"counts,omitzero"`
	NoTable       int64         `json:"noTable,omitempty"`
	NoTableReason string        `json:"noTableReason,omitempty"`
	Finished      time.Time     `json:"finished,omitzero"`
}

// objectID is the ID of an object's identity: ([remote,] bucket, key, version ID or else ETag).
func objectID(r ObjectRef) string {
	ver := "v" + r.VersionID
	if r.VersionID == "" {
		ver = "e" + r.ETag
	}
	name := r.Bucket + "\x00" + r.Key + "\x00" + ver
	if r.Remote != "" {
		name = "remote\x00" + r.Remote + "\x00" + name
	}
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:16])
}

func dueKey(t time.Time, id string) string {
	return fmt.Sprintf("%016x/%s", uint64(t.UnixMilli()), id)
}

func waitPrefix(src, location string) string { return src + "\x00" + location + "\x00" }

func waitKey(r *objectRecord, id string) string {
	return waitPrefix(r.Ref.Source, r.Ref.Location) + fmt.Sprintf("%016x/%s", uint64(r.Enqueued.UnixMilli()), id)
}

func statsKey(src, location string) string { return "s/" + src + "\x00" + location }

// counts are the stored counts of one source and location.
type counts struct {
	Source   string    `json:"source"`
	Location string    `json:"location"`
	Queued   int64     `json:"queued"`
	Done     int64     `json:"done"`
	Failed   int64     `json:"failed"`
	Records  int64     `json:"records"`
	Events   int64     `json:"events"`
	SetAside int64     `json:"setAside"`
	Skipped  int64     `json:"skipped"`
	Bytes    int64     `json:"bytes"`
	NoTable  string    `json:"noTable,omitempty"`
	LastErr  string    `json:"lastError,omitempty"`
	LastTime time.Time `json:"lastErrorTime,omitzero"`
}

func getJSON(tx meta.Tx, table, key string, v any) error {
	b, err := tx.Get(table, key)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func putJSON(tx meta.Tx, table, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, key, b)
}

// editCounts changes the counts of src and location in tx.
func editCounts(tx meta.Tx, src, location string, fn func(*counts)) error {
	c := counts{Source: src, Location: location}
	if err := getJSON(tx, statsTable, statsKey(src, location), &c); err != nil && !isNotFound(err) {
		return err
	}
	fn(&c)
	return putJSON(tx, statsTable, statsKey(src, location), &c)
}

// loadObject reads the record of id in tx.
func loadObject(tx meta.Tx, id string) (*objectRecord, error) {
	var r objectRecord
	if err := getJSON(tx, objectsTable, id, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// saveObject writes rec as id in tx, moving its due-index key from the one of old (nil: none) to its own
// (none once done).
func saveObject(tx meta.Tx, id string, old, rec *objectRecord) error {
	if old != nil && old.State == stateQueued {
		if err := tx.Delete(dueTable, dueKey(old.Due, id)); err != nil && !isNotFound(err) {
			return err
		}
	}
	if rec.State == stateQueued {
		if err := tx.Put(dueTable, dueKey(rec.Due, id), nil); err != nil {
			return err
		}
	} else if old != nil && old.State == stateQueued {
		if err := tx.Delete(waitTable, waitKey(old, id)); err != nil && !isNotFound(err) {
			return err
		}
	}
	return putJSON(tx, objectsTable, id, rec)
}
