package table

import (
	"encoding/binary"
	"math"
	"reflect"
	"time"

	"github.com/apache/iceberg-go"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Iceberg's timestamps are microseconds: in the data files (TIMESTAMP(MICROS) adjusted to UTC for timestamptz)
// and in the manifests' column statistics, which engines prune files by. The lake's writer stored them in
// milliseconds until December 2026, statistics included; such files read right (Parquet's logical type says the
// unit) but their bounds read as microseconds are 1000 times too small. Compaction rewrites them in
// microseconds, one file alone if need be, and Plan reads the bounds of those not yet rewritten in their own unit.

// msToMicros converts milliseconds to microseconds, saturating at the ends of int64 (times past the year
// 292 277 in either direction, which no source accepts).
func msToMicros(ms int64) int64 {
	switch {
	case ms > math.MaxInt64/1000:
		return math.MaxInt64
	case ms < math.MinInt64/1000:
		return math.MinInt64
	}
	return ms * 1000
}

// toMicros is v, a timestamp in milliseconds, in microseconds at the same place of a row.
func toMicros(v parquet.Value) parquet.Value {
	return parquet.Int64Value(msToMicros(v.Int64())).Level(v.RepetitionLevel(), v.DefinitionLevel(), v.Column())
}

// microsColumns converts, in place, the values of row in the columns that cols marks from milliseconds to
// microseconds.
func microsColumns(row parquet.Row, cols []bool) {
	for i, v := range row {
		if !v.IsNull() && cols[v.Column()] {
			row[i] = toMicros(v)
		}
	}
}

// isMillis reports whether the leaf node n is a TIMESTAMP in milliseconds.
func isMillis(n parquet.Node) (ts *format.TimestampType, ok bool) {
	lt := n.Type().LogicalType()
	if lt == nil {
		return nil, false
	}
	ts, ok = lt.Value.(*format.TimestampType)
	return ts, ok && ts.Unit.Value != nil && ts.Unit.Value.Duration() == time.Millisecond
}

// microsSchema returns s with its millisecond timestamps in microseconds, and marks the columns converted
// (nil when there are none: s is returned as it is). The columns keep their order, so a row of s is a row of
// the result once microsColumns has converted its values.
func microsSchema(s *parquet.Schema) (*parquet.Schema, []bool) {
	var cols []bool
	for _, path := range s.Columns() {
		leaf, _ := s.Lookup(path...)
		if _, ok := isMillis(leaf.Node); ok {
			if cols == nil {
				cols = make([]bool, len(s.Columns()))
			}
			cols[leaf.ColumnIndex] = true
		}
	}
	if cols == nil {
		return s, nil
	}
	root, _ := microsNode(s)
	return parquet.NewSchema(s.Name(), root), cols
}

// microsNode returns n with its millisecond timestamps in microseconds, and whether it changed anything.
func microsNode(n parquet.Node) (parquet.Node, bool) {
	if n.Leaf() {
		ts, ok := isMillis(n)
		if !ok {
			return n, false
		}
		return microsLeaf{Node: n, typ: parquet.TimestampAdjusted(parquet.Microsecond, ts.IsAdjustedToUTC).Type()}, true
	}
	fields := n.Fields()
	out := make([]parquet.Field, len(fields))
	changed := false
	for i, f := range fields {
		m, ok := microsNode(f)
		if !ok {
			out[i] = f
			continue
		}
		out[i], changed = swappedField{Node: m, field: f}, true
	}
	if !changed {
		return n, false
	}
	return swappedGroup{Node: n, fields: out}, true
}

// microsLeaf is a leaf node of another type (a microsecond timestamp), repetition and encoding kept.
type microsLeaf struct {
	parquet.Node
	typ parquet.Type
}

func (n microsLeaf) Type() parquet.Type { return n.typ }

// swappedGroup is a group node, repetition and logical type (LIST, MAP) kept, with other fields.
type swappedGroup struct {
	parquet.Node
	fields []parquet.Field
}

func (g swappedGroup) Fields() []parquet.Field { return g.fields }

// swappedField is the field of a group with another node.
type swappedField struct {
	parquet.Node
	field parquet.Field
}

func (f swappedField) Name() string                           { return f.field.Name() }
func (f swappedField) Value(base reflect.Value) reflect.Value { return f.field.Value(base) }

// millisBounds reports whether df's statistics look like milliseconds: a bound of a timestamp column of sc under
// 10^14 in absolute value, which is 1973 in microseconds and the year 5138 in milliseconds. A file of
// microseconds before 1973 looks so too; rewriteBin tells them apart by the file's own types.
func millisBounds(sc *iceberg.Schema, df iceberg.DataFile) bool {
	for _, bounds := range []map[int][]byte{df.LowerBoundValues(), df.UpperBoundValues()} {
		for id, b := range bounds {
			if len(b) != 8 {
				continue
			}
			switch typ, _ := sc.FindTypeByID(id); typ.(type) {
			case iceberg.TimestampType, iceberg.TimestampTzType:
				if v := int64(binary.LittleEndian.Uint64(b)); v > -1e14 && v < 1e14 {
					return true
				}
			}
		}
	}
	return false
}
