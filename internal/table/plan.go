package table

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
)

// Predicate is a simple comparison of a column with literals, as a query's WHERE clause states it, for scan
// planning: Op is one of "=", "<>", "<", "<=", ">", ">=", "in", "not in" and "between" (Values holds the low and
// high bounds). Values are strings, int64s, float64s, bools or times (for timestamp columns). A predicate the plan cannot use (an unknown
// column, a literal of another type) is ignored: planning only ever prunes files that cannot match.
type Predicate struct {
	Column string
	Op     string
	Values []any
}

// DataFile is a data file of a scan plan.
type DataFile struct {
	// Path is the file's s3:// path; Bucket and Key locate it in the object store.
	Path, Bucket, Key string
	// Size is the file's size in bytes as stored; Rows its record count.
	Size, Rows int64
	// Partition is the file's partition values by partition column name.
	Partition map[string]string
}

// Plan is the data files of a table's current snapshot that a scan must read.
type Plan struct {
	Files []DataFile
	// Pruned counts the files of the snapshot that the predicates ruled out.
	Pruned int
	// Columns are the table's columns (Hive types), for a scan of an empty table.
	Columns []Column
	// Evolved is set when the table has had more than one schema: its files may not all have the same columns.
	Evolved bool
}

// Plan returns the data files of the current snapshot of table ns.name that may hold rows matching all of preds
// (partition pruning on the identity partitions, then the files' column statistics). It reads the table's
// metadata and manifests as the lake's service principal.
func (l *Lake) Plan(ctx context.Context, ns, name string, preds []Predicate) (*Plan, error) {
	t, info, err := l.readTable(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	p := &Plan{Columns: slices.Clone(info.Columns), Evolved: len(t.Metadata().Schemas()) > 1}
	if t.CurrentSnapshot() == nil {
		return p, nil
	}
	var timePreds []Predicate
	rest := preds[:0:0]
	for _, pr := range preds {
		if len(pr.Values) > 0 {
			if _, ok := pr.Values[0].(time.Time); ok {
				timePreds = append(timePreds, pr)
				continue
			}
		}
		rest = append(rest, pr)
	}
	expr := boundFilter(t.Schema(), rest)
	var opts []icetable.ScanOption
	if expr != nil {
		opts = append(opts, icetable.WithRowFilter(expr), icetable.WithCaseSensitive(false))
	}
	tasks, err := t.Scan(opts...).PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: plan files: %w", ns, name, err)
	}
	tasks = timeFilter(t.Schema(), tasks, timePreds)
	if expr != nil || len(timePreds) > 0 {
		total, err := dataFiles(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("table %s.%s: plan files: %w", ns, name, err)
		}
		p.Pruned = total - len(tasks)
	}
	names := partitionNames(t)
	for _, task := range tasks {
		f := task.File
		bucket, key, err := splitPath(f.FilePath())
		if err != nil {
			return nil, err
		}
		df := DataFile{Path: f.FilePath(), Bucket: bucket, Key: key, Size: f.FileSizeBytes(), Rows: f.Count(),
			Partition: map[string]string{}}
		for id, v := range f.Partition() {
			if n, ok := names[id]; ok && v != nil {
				df.Partition[n] = fmt.Sprint(v)
			}
		}
		p.Files = append(p.Files, df)
	}
	return p, nil
}

// dataFiles counts the data files of t's current snapshot: its summary's total, or its plan without a filter.
func dataFiles(ctx context.Context, t *icetable.Table) (int, error) {
	if sum := t.CurrentSnapshot().Summary; sum != nil {
		if n, err := strconv.Atoi(sum.Properties["total-data-files"]); err == nil {
			return n, nil
		}
	}
	all, err := t.Scan().PlanFiles(ctx)
	return len(all), err
}

// timeFilter keeps the tasks whose files may hold rows matching the predicates on timestamp columns, from the
// files' bounds for the column. Those bounds are read in the unit each file has them in: the lake's writer stores
// datetime columns as microseconds, as Iceberg's timestamps are, but files it wrote before (until compaction
// rewrites them, micros.go) have milliseconds, with statistics to match, so iceberg-go's evaluator (which takes
// them as microseconds) cannot be used for them; a bound below 10^14 (1973 in microseconds) is taken as
// milliseconds.
func timeFilter(sc *iceberg.Schema, tasks []icetable.FileScanTask, preds []Predicate) []icetable.FileScanTask {
	if len(preds) == 0 {
		return tasks
	}
	out := tasks[:0:0]
	for _, task := range tasks {
		keep := true
		for _, p := range preds {
			f, ok := sc.FindFieldByNameCaseInsensitive(p.Column)
			if !ok {
				continue
			}
			switch f.Type.(type) {
			case iceberg.TimestampType, iceberg.TimestampTzType:
			default:
				continue
			}
			lo, okLo := boundMicros(task.File.LowerBoundValues()[f.ID])
			hi, okHi := boundMicros(task.File.UpperBoundValues()[f.ID])
			if okLo && okHi && !mayMatch(p, lo, hi) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, task)
		}
	}
	return out
}

// boundMicros decodes a timestamp bound (8 bytes, little endian) into microseconds.
func boundMicros(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	v := int64(binary.LittleEndian.Uint64(b))
	if v > -1e14 && v < 1e14 {
		v *= 1000
	}
	return v, true
}

// mayMatch reports whether a file whose column lies in [lo, hi] (microseconds) may hold rows matching p.
func mayMatch(p Predicate, lo, hi int64) bool {
	us := func(i int) (int64, bool) {
		if i >= len(p.Values) {
			return 0, false
		}
		t, ok := p.Values[i].(time.Time)
		return t.UnixMicro(), ok
	}
	v, ok := us(0)
	if !ok {
		return true
	}
	switch strings.ToLower(p.Op) {
	case "=":
		return lo <= v && v <= hi
	case "<":
		return lo < v
	case "<=":
		return lo <= v
	case ">":
		return hi > v
	case ">=":
		return hi >= v
	case "between":
		w, ok := us(1)
		return !ok || (hi >= v && lo <= w)
	case "in":
		for i := range p.Values {
			if x, ok := us(i); !ok || (lo <= x && x <= hi) {
				return true
			}
		}
		return false
	}
	return true
}

// partitionNames maps the partition field IDs of t's spec to their source columns' names.
func partitionNames(t *icetable.Table) map[int]string {
	names := map[int]string{}
	sc := t.Schema()
	spec := t.Spec()
	for _, pf := range spec.Fields() {
		if len(pf.SourceIDs) == 0 {
			continue
		}
		if f, ok := sc.FindFieldByID(pf.SourceIDs[0]); ok {
			names[pf.FieldID] = f.Name
		}
	}
	return names
}

// boundFilter is the conjunction of the predicates that bind to sc, or nil when none does.
func boundFilter(sc *iceberg.Schema, preds []Predicate) iceberg.BooleanExpression {
	var exprs []iceberg.BooleanExpression
	for _, p := range preds {
		e, ok := predicateExpr(p)
		if !ok {
			continue
		}
		if _, err := iceberg.BindExpr(sc, e, false); err != nil {
			continue
		}
		exprs = append(exprs, e)
	}
	switch len(exprs) {
	case 0:
		return nil
	case 1:
		return exprs[0]
	}
	return iceberg.NewAnd(exprs[0], exprs[1], exprs[2:]...)
}

// predicateExpr turns p into an unbound Iceberg expression; false when its literals are not of one supported type
// or its operator is unknown.
func predicateExpr(p Predicate) (expr iceberg.BooleanExpression, ok bool) {
	if p.Column == "" || len(p.Values) == 0 {
		return nil, false
	}
	defer func() {
		if recover() != nil { // iceberg-go panics on some literal/operator mixes: the predicate is not usable
			expr, ok = nil, false
		}
	}()
	ref := iceberg.Reference(strings.ToLower(p.Column))
	switch v := p.Values[0].(type) {
	case string:
		vs, ok := sameType[string](p.Values)
		if !ok {
			return nil, false
		}
		return compare(ref, p.Op, v, vs)
	case int64:
		vs, ok := sameType[int64](p.Values)
		if !ok {
			return nil, false
		}
		return compare(ref, p.Op, v, vs)
	case float64:
		vs, ok := sameType[float64](p.Values)
		if !ok {
			return nil, false
		}
		return compare(ref, p.Op, v, vs)
	case bool:
		vs, ok := sameType[bool](p.Values)
		if !ok {
			return nil, false
		}
		return compare(ref, p.Op, v, vs)
	}
	return nil, false
}

func sameType[T any](vals []any) ([]T, bool) {
	out := make([]T, 0, len(vals))
	for _, v := range vals {
		t, ok := v.(T)
		if !ok {
			return nil, false
		}
		out = append(out, t)
	}
	return out, true
}

func compare[T iceberg.LiteralType](ref iceberg.UnboundTerm, op string, v T, vs []T) (iceberg.BooleanExpression, bool) {
	one := len(vs) == 1
	switch strings.ToLower(op) {
	case "=":
		return iceberg.EqualTo(ref, v), one
	case "<>", "!=":
		return iceberg.NotEqualTo(ref, v), one
	case "<":
		return iceberg.LessThan(ref, v), one
	case "<=":
		return iceberg.LessThanEqual(ref, v), one
	case ">":
		return iceberg.GreaterThan(ref, v), one
	case ">=":
		return iceberg.GreaterThanEqual(ref, v), one
	case "in":
		return iceberg.IsIn(ref, vs...), true
	case "not in":
		return iceberg.NotIn(ref, vs...), true
	case "between":
		if len(vs) != 2 {
			return nil, false
		}
		return iceberg.NewAnd(iceberg.GreaterThanEqual(ref, vs[0]), iceberg.LessThanEqual(ref, vs[1])), true
	}
	return nil, false
}
