package table

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
)

// Predicate is a simple comparison of a column with literals, as a query's WHERE clause states it, for scan
// planning: Op is one of "=", "<>", "<", "<=", ">", ">=", "in", "not in" and "between" (Values holds the low and
// high bounds). Values are strings, int64s, float64s or bools. A predicate the plan cannot use (an unknown
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
	t, err := l.loadTable(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	info, err := tableInfo(ns, name, t.Metadata(), t.MetadataLocation())
	if err != nil {
		return nil, err
	}
	p := &Plan{Columns: info.Columns, Evolved: len(t.Metadata().Schemas()) > 1}
	if t.CurrentSnapshot() == nil {
		return p, nil
	}
	expr := boundFilter(t.Schema(), preds)
	var opts []icetable.ScanOption
	if expr != nil {
		opts = append(opts, icetable.WithRowFilter(expr), icetable.WithCaseSensitive(false))
	}
	tasks, err := t.Scan(opts...).PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: plan files: %w", ns, name, err)
	}
	if expr != nil {
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
