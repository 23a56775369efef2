package table

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	iceio "github.com/apache/iceberg-go/io"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/ocsf"
	"github.com/seclake/seclake/internal/ocsf/shape"
)

// millisFiles, set by tests, makes the tables opened meanwhile write their timestamps in milliseconds, statistics
// included, as the lake's writer did before: the files compaction rewrites in microseconds.
var millisFiles bool

// columns locates, in the table's Parquet schema, the leaves the lake reads and fills.
type columns struct {
	schema *parquet.Schema
	// goSchema makes rows of events (their decimals are float64s, their datetimes milliseconds); decimals[i] != 0
	// marks leaf column i a decimal of scale |decimals[i]|-1 over int32 (> 0) or int64 (< 0), which scale turns
	// into schema's integer; micros[i] marks it a timestamp, which scale turns into schema's microseconds.
	goSchema *parquet.Schema
	decimals []int8
	micros   []bool
	// Leaves the lake fills (top-level optional strings).
	region, account, day parquet.LeafColumn
	// Leaves it reads: the event's time and where it happened.
	time, cloudRegion, cloudAccount parquet.LeafColumn
}

func columnsOf(t *shape.Table) (*columns, error) {
	// Iceberg's timestamps are microseconds, in the data files as in the manifests' column statistics.
	c := &columns{schema: t.IcebergSchema(), goSchema: t.GoSchema()}
	if millisFiles {
		c.schema = t.ParquetSchema()
	}
	for _, path := range c.schema.Columns() {
		leaf, _ := c.schema.Lookup(path...)
		if lt := leaf.Node.Type().LogicalType(); lt != nil {
			if ts, ok := lt.Value.(*format.TimestampType); ok {
				if ts.Unit.Value.Duration() == time.Microsecond {
					if c.micros == nil {
						c.micros = make([]bool, len(c.schema.Columns()))
					}
					c.micros[leaf.ColumnIndex] = true
				}
				continue
			}
			d, ok := lt.Value.(*format.DecimalType)
			if !ok {
				continue
			}
			if c.decimals == nil {
				c.decimals = make([]int8, len(c.schema.Columns()))
			}
			c.decimals[leaf.ColumnIndex] = int8(d.Scale) + 1
			if leaf.Node.Type().Kind() == parquet.Int64 {
				c.decimals[leaf.ColumnIndex] = -c.decimals[leaf.ColumnIndex]
			}
		}
	}
	for _, l := range []struct {
		leaf     *parquet.LeafColumn
		path     []string
		optional bool
	}{
		{&c.region, []string{"region"}, false}, {&c.account, []string{"accountid"}, false},
		{&c.day, []string{"eventday"}, false}, {&c.time, []string{"time"}, false},
		{&c.cloudRegion, []string{"cloud", "region"}, true},
		{&c.cloudAccount, []string{"cloud", "account", "uid"}, true},
	} {
		leaf, ok := c.schema.Lookup(l.path...)
		switch {
		case ok && leaf.MaxRepetitionLevel == 0:
			*l.leaf = leaf
		case l.optional:
			*l.leaf = parquet.LeafColumn{ColumnIndex: -1} // the table has no such column: the batch's value
		default:
			return nil, fmt.Errorf("table %s: no column %v to partition by", t.Name, l.path)
		}
	}
	return c, nil
}

// find returns the value of the unrepeated leaf l in row.
func find(row parquet.Row, l parquet.LeafColumn) (parquet.Value, bool) {
	if i, ok := indexOf(row, l); ok {
		return row[i], true
	}
	return parquet.Value{}, false
}

// indexOf returns the position in row of the value of the unrepeated leaf l. A row holds its values in the order
// of their columns (as Schema.Deconstruct makes it), so it is a binary search.
func indexOf(row parquet.Row, l parquet.LeafColumn) (int, bool) {
	if l.ColumnIndex < 0 {
		return 0, false
	}
	return slices.BinarySearchFunc(row, l.ColumnIndex, func(v parquet.Value, col int) int {
		return cmp.Compare(v.Column(), col)
	})
}

// validRegion accepts region names ("us-east-1"), which become a part of an object key.
func validRegion(r string) bool {
	if r == "" || len(r) > 32 {
		return false
	}
	for _, c := range r {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// stringAt returns the string at the unrepeated leaf l of row, or def when it is null or empty.
func stringAt(row parquet.Row, l parquet.LeafColumn, def string) string {
	if v, ok := find(row, l); ok && !v.IsNull() && len(v.ByteArray()) > 0 {
		return v.String()
	}
	return def
}

// set replaces the value of the unrepeated top-level optional string leaf l in row with s.
func set(row parquet.Row, l parquet.LeafColumn, s string) {
	if i, ok := indexOf(row, l); ok {
		row[i] = parquet.ValueOf(s).Level(0, l.MaxDefinitionLevel, l.ColumnIndex)
	}
}

// partition is the value of the partition columns.
type partition struct{ region, account, day string }

func (p partition) path() string {
	return "region=" + p.region + "/accountid=" + p.account + "/eventday=" + p.day
}

// timedRow is an event of a batch (its index) and its time, for sorting.
type timedRow struct {
	time  int64
	event int
}

// Appended describes a committed append.
type Appended struct {
	// Files are the data files written, one per partition.
	Files []string
	// Rows is the number of rows added.
	Rows int
	// SnapshotID is the ID of the snapshot that added them.
	SnapshotID int64
}

// Batch is events bound for one table, with where they come from.
type Batch struct {
	// Account and Region are the account and region the events were collected from (the delivery layout's
	// AWSLogs/<account>/…/<region>/), for the partition of events that do not carry cloud.account.uid or
	// cloud.region themselves (a CloudTrail record names its region but not the account whose log it is in).
	Account, Region string
	Events          []ocsf.Event
	// ID, when set, identifies the append: it becomes the snapshot's append ID (instead of a random one), so that
	// a writer that crashed after an append can ask Committed whether it went through. IDs must be unique per
	// table.
	ID string
}

// Append adds the batch's events to the table in one snapshot: a zstd Parquet data file per partition, rows
// sorted by time. An event's partition is its cloud.region (else the batch's Region), its cloud.account.uid
// (else the batch's Account), and the UTC day of its time; an event without all three refuses the batch. Either
// all the events are committed, or none: files written before a failure are removed (best effort) and never
// referenced by a snapshot.
func (t *Table) Append(ctx context.Context, b Batch) (Appended, error) {
	events := b.Events
	if len(events) == 0 {
		return Appended{}, nil
	}
	parts, err := t.partition(b)
	if err != nil {
		return Appended{}, err
	}
	tbl, err := t.Load(ctx)
	if err != nil {
		return Appended{}, fmt.Errorf("table %s: %w", t.Name(), err)
	}
	wfs, err := t.writeIO(ctx, tbl)
	if err != nil {
		return Appended{}, err
	}
	keys := make([]partition, 0, len(parts))
	for p := range parts {
		keys = append(keys, p)
	}
	slices.SortFunc(keys, cmpPartition)
	out := Appended{Rows: len(events)}
	fail := func(err error) (Appended, error) {
		for _, f := range out.Files {
			_ = wfs.Remove(f)
		}
		return Appended{}, fmt.Errorf("table %s: append: %w", t.Name(), err)
	}
	files := make([]iceberg.DataFile, 0, len(keys))
	var buf bytes.Buffer
	for _, p := range keys {
		buf.Reset()
		if err := t.encode(&buf, p, parts[p], b.Events); err != nil {
			return fail(err)
		}
		name := t.Location() + "/data/" + p.path() + "/" + fileID() + ".zstd.parquet"
		df, err := writeDataFile(ctx, wfs, tbl, name, buf.Bytes())
		if err != nil {
			return fail(err)
		}
		out.Files = append(out.Files, name)
		files = append(files, df)
	}
	appendID := b.ID
	if appendID == "" {
		appendID = fileID()
	}
	props := iceberg.Properties{"seclake.rows": strconv.Itoa(len(events)), appendIDKey: appendID}
	id, err := t.commit(ctx, tbl, appendID, func(tx *icetable.Transaction) error {
		// The files' names are random: no need to read every manifest of the table to look for them.
		return tx.AddDataFiles(ctx, files, props, icetable.WithoutDuplicateCheck())
	})
	if err != nil {
		return fail(err)
	}
	out.SnapshotID = id
	return out, nil
}

// writeIO returns the file IO of tbl, which writes.
func (t *Table) writeIO(ctx context.Context, tbl *icetable.Table) (iceio.WriteFileIO, error) {
	fsys, err := tbl.FS(ctx)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name(), err)
	}
	wfs, ok := fsys.(iceio.WriteFileIO)
	if !ok {
		return nil, fmt.Errorf("table %s: its file IO cannot write", t.Name())
	}
	return wfs, nil
}

// writeDataFile writes data as the data file name and returns its Iceberg description, with the statistics
// taken from the bytes just written, not from reading the object back. On error nothing is left behind (best
// effort).
func writeDataFile(ctx context.Context, wfs iceio.WriteFileIO, tbl *icetable.Table, name string,
	data []byte) (iceberg.DataFile, error) {
	if err := wfs.WriteFile(name, data); err != nil {
		return nil, err
	}
	df, err := icetable.FileToDataFile(ctx, memIO{name: name, data: data}, name, tbl.Schema(), tbl.Spec(), 0,
		tbl.Properties())
	if err != nil {
		_ = wfs.Remove(name)
		return nil, err
	}
	return df, nil
}

// commit commits what stage puts in a transaction on tbl, as the operation opID (a snapshot summary property;
// empty for a commit that makes no snapshot), and returns the table's current snapshot after it. A writer that lost the race for the catalog row stages again on the new
// metadata; the files it wrote stay.
func (t *Table) commit(ctx context.Context, tbl *icetable.Table, opID string,
	stage func(*icetable.Transaction) error) (int64, error) {
	for attempt := 0; ; attempt++ {
		tx := tbl.NewTransaction()
		err := stage(tx)
		var committed *icetable.Table
		if err == nil {
			committed, err = tx.Commit(ctx)
		}
		if err == nil {
			if s := committed.CurrentSnapshot(); s != nil {
				return s.SnapshotID, nil
			}
			return 0, nil
		}
		if attempt >= maxCommitAttempts || ctx.Err() != nil {
			return 0, err
		}
		before := tbl.MetadataLocation()
		var lerr error
		if tbl, lerr = t.Load(ctx); lerr != nil {
			return 0, errors.Join(err, lerr)
		}
		// Stale metadata (ErrCommitFailed, or a requirement that no longer holds, which iceberg-go reports as a
		// plain error) is a lost race, unless the commit that moved the table was this one.
		if tbl.MetadataLocation() == before {
			return 0, err
		}
		if id, ok := committedAs(tbl, opID); ok && opID != "" {
			return id, nil
		}
	}
}

// appendIDKey is the snapshot summary property that identifies an append, so that a retry after an ambiguous
// failure finds out whether the commit went through.
const appendIDKey = "seclake.append-id"

// committedAs returns the snapshot of tbl that an append committed, if any.
func committedAs(tbl *icetable.Table, appendID string) (int64, bool) {
	for _, s := range tbl.Metadata().Snapshots() {
		if s.Summary != nil && s.Summary.Properties[appendIDKey] == appendID {
			return s.SnapshotID, true
		}
	}
	return 0, false
}

// Committed reports whether an append with the given ID (Batch.ID) is committed: whether a snapshot of the
// table's current metadata records it.
func (t *Table) Committed(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, errors.New("table: Committed needs an append ID")
	}
	tbl, err := t.Load(ctx)
	if err != nil {
		return false, fmt.Errorf("table %s: %w", t.Name(), err)
	}
	_, ok := committedAs(tbl, id)
	return ok, nil
}

// maxCommitAttempts bounds the commits of one append that lose the race to other writers.
const maxCommitAttempts = 100

func cmpPartition(a, b partition) int {
	return cmp.Or(cmp.Compare(a.region, b.region), cmp.Compare(a.account, b.account), cmp.Compare(a.day, b.day))
}

// partition groups the events by partition, each with its time. The rows are made again, a chunk at a time,
// when they are written (encode): holding a row of every event at once would take a value per leaf column per
// event, tens of times the events' own size.
func (t *Table) partition(b Batch) (map[partition][]timedRow, error) {
	c := t.cols
	parts := map[partition][]timedRow{}
	var scratch parquet.Row
	for i, ev := range b.Events {
		ms, region, account, ok := readFields(ev)
		if !ok { // not a generated class: its row says
			row := c.goSchema.Deconstruct(scratch[:0], ev)
			scratch = row
			tv, found := find(row, c.time)
			if !found || tv.IsNull() {
				return nil, fmt.Errorf("table %s: event %d has no time", t.Name(), i)
			}
			ms, region, account = tv.Int64(), stringAt(row, c.cloudRegion, ""), stringAt(row, c.cloudAccount, "")
		}
		if c.cloudRegion.ColumnIndex < 0 {
			region = "" // the table has no such column: the batch's value
		}
		if c.cloudAccount.ColumnIndex < 0 {
			account = ""
		}
		if region == "" {
			region = b.Region
		}
		if account == "" {
			account = b.Account
		}
		p := partition{region: region, account: accountOf(account, b.Account),
			day: time.UnixMilli(ms).UTC().Format("20060102")}
		if !validRegion(p.region) || !actor.ValidAccountID(p.account) {
			return nil, fmt.Errorf("table %s: event %d has no valid region and account (cloud.region, "+
				"cloud.account.uid, or the batch's): %q, %q", t.Name(), i, p.region, p.account)
		}
		parts[p] = append(parts[p], timedRow{time: ms, event: i})
	}
	return parts, nil
}

// accountOf is the account of an event's cloud.account.uid: the ID itself, or the account of an ARN there (as
// Amazon writes the IAM identity of EKS audit events), else def.
func accountOf(uid, def string) string {
	if actor.ValidAccountID(uid) {
		return uid
	}
	if f := strings.SplitN(uid, ":", 6); len(f) == 6 && f[0] == "arn" && actor.ValidAccountID(f[4]) {
		return f[4]
	}
	return def
}

// encodeChunk is how many rows encode makes and writes at a time.
const encodeChunk = 256

// encode writes the events of partition p, sorted by time, as a zstd Parquet file, with the lake's columns
// filled: their rows are made a chunk at a time, so memory holds one chunk of rows whatever the batch's size.
func (t *Table) encode(buf *bytes.Buffer, p partition, rows []timedRow, events []ocsf.Event) error {
	slices.SortStableFunc(rows, func(a, b timedRow) int { return cmp.Compare(a.time, b.time) })
	c := t.cols
	// Pages of 32 KiB: a page buffer per leaf column (hundreds of them) of the default 256 KiB would take tens of MB.
	w := parquet.NewWriter(buf, c.schema, parquet.Compression(&parquet.Zstd), parquet.PageBufferSize(32<<10))
	chunk := make([]parquet.Row, encodeChunk)
	for len(rows) > 0 {
		n := min(len(rows), encodeChunk)
		for i, r := range rows[:n] {
			row := c.scale(c.goSchema.Deconstruct(chunk[i][:0], events[r.event]))
			set(row, c.region, p.region)
			set(row, c.account, p.account)
			set(row, c.day, p.day)
			chunk[i] = row
		}
		if _, err := w.WriteRows(chunk[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	if err := w.Close(); err != nil {
		return errors.Join(errors.New("encode parquet"), err)
	}
	return nil
}

// scale turns the doubles of row's decimal columns into the integers of their DECIMAL type (the value times
// 10^scale, rounded), and the milliseconds of its timestamp columns into microseconds, in place.
func (c *columns) scale(row parquet.Row) parquet.Row {
	if c.decimals == nil && c.micros == nil {
		return row
	}
	for i, v := range row {
		if v.IsNull() {
			continue
		}
		if c.micros != nil && c.micros[v.Column()] {
			row[i] = toMicros(v)
			continue
		}
		if c.decimals == nil {
			continue
		}
		d := c.decimals[v.Column()]
		if d == 0 {
			continue
		}
		n := parquet.Int32Value(0)
		if d < 0 {
			n = parquet.Int64Value(int64(math.Round(v.Double() * math.Pow10(int(-d)-1))))
		} else {
			n = parquet.Int32Value(int32(math.Round(v.Double() * math.Pow10(int(d)-1))))
		}
		row[i] = n.Level(v.RepetitionLevel(), v.DefinitionLevel(), v.Column())
	}
	return row
}

// fileID is a random name for a data file.
func fileID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
