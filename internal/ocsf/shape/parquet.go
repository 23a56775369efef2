package shape

import (
	"reflect"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// ParquetSchema returns the table's Parquet schema (github.com/parquet-go/parquet-go), lake columns included:
// strings as UTF-8 byte arrays, int and bigint as 32- and 64-bit integers, timestamps as millisecond TIMESTAMPs
// adjusted to UTC (as Amazon's Security Lake Parquet files have them; ocsf.Datetime writes as such), decimals as
// DECIMAL over int32 or int64, structs as groups, arrays as LISTs and unmapped as a MAP of strings. Columns are
// optional except those the notes mark required.
//
// Events are written by name against this schema: parquet.NewGenericWriter[any](w, schema) (or parquet.NewWriter)
// given pointers to the generated event structs. Do not derive a schema from an event type: the OCSF types are
// recursive.
func (t *Table) ParquetSchema() *parquet.Schema { return t.schema(variant{}) }

// IcebergSchema is ParquetSchema with its timestamps in microseconds (TIMESTAMP(MICROS) adjusted to UTC): the
// schema of the data files of an Iceberg table, whose spec stores timestamptz so, and whose column statistics
// are then microseconds as the spec has them. Its columns are ParquetSchema's, in the same order; a writer of
// rows made with GoSchema (whose datetimes are ocsf.Datetime milliseconds) multiplies their timestamp values by
// 1000.
func (t *Table) IcebergSchema() *parquet.Schema { return t.schema(variant{micros: true}) }

// GoSchema is ParquetSchema with its decimal columns as DOUBLE: the schema that turns events, whose decimals are
// Go float64s, into rows (Schema.Deconstruct), with the same columns in the same order. A writer then scales each
// decimal column's doubles to ParquetSchema's integers.
func (t *Table) GoSchema() *parquet.Schema { return t.schema(variant{goDecimals: true}) }

// variant says how a schema departs from ParquetSchema: decimals as doubles, timestamps in microseconds.
type variant struct{ goDecimals, micros bool }

func (t *Table) schema(v variant) *parquet.Schema {
	g := parquet.Group{}
	for _, c := range t.Columns {
		g[c.Name] = node(c, v)
	}
	if !cachedFields {
		return parquet.NewSchema(t.Name, g)
	}
	return parquet.NewSchema(t.Name, group{g})
}

// ParquetNode returns the Parquet node of a column.
func ParquetNode(c *Column) parquet.Node { return node(c, variant{}) }

func node(c *Column, v variant) parquet.Node {
	var n parquet.Node
	switch c.Kind {
	case String:
		n = parquet.String()
	case Int:
		n = parquet.Int(32)
	case Bigint:
		n = parquet.Int(64)
	case Boolean:
		n = parquet.Leaf(parquet.BooleanType)
	case Double:
		n = parquet.Leaf(parquet.DoubleType)
	case Timestamp:
		n = parquet.Timestamp(parquet.Millisecond)
		if v.micros {
			n = parquet.Timestamp(parquet.Microsecond)
		}
	case Decimal:
		if v.goDecimals {
			n = parquet.Leaf(parquet.DoubleType)
			break
		}
		physical := parquet.Type(parquet.Int32Type)
		if c.Precision > 9 {
			physical = parquet.Int64Type
		}
		n = parquet.Decimal(c.Scale, c.Precision, physical)
	case Map:
		n = parquet.Map(parquet.String(), parquet.String())
	case Array:
		// Elements are required: parquet-go's Deconstruct gives a list's values the definition levels of
		// required elements whatever the element node says (an optional element's values came out one level
		// short of the column's maximum, so readers saw them as nulls), and a Go slice holds no null elements.
		n = parquet.List(parquet.Required(node(c.Elem, v)))
	case Struct:
		g := parquet.Group{}
		for _, f := range c.Fields {
			g[f.Name] = node(f, v)
		}
		n = parquet.Node(g)
		if cachedFields {
			n = group{g}
		}
	}
	if c.Optional {
		n = parquet.Optional(n)
	}
	return n
}

// cachedFields turns group below on; a test turns it off to compare with parquet-go's own groups.
var cachedFields = true

// group is a parquet.Group whose fields find their struct field by a lookup cached per Go type. parquet-go's own
// group fields scan every field's tag of the struct for each value written, which was most of the cost of
// writing events.
type group struct{ parquet.Group }

// Fields returns the group's fields, in parquet-go's order.
func (g group) Fields() []parquet.Field {
	fields := g.Group.Fields()
	out := make([]parquet.Field, len(fields))
	for i, f := range fields {
		out[i] = &field{Field: f}
	}
	return out
}

// field is a group's field with the index of its struct field per Go type (-1 when the type has none).
type field struct {
	parquet.Field
	index sync.Map // reflect.Type → int
}

// Value returns the field's value in base as parquet-go's group field does, but for structs from the cache.
func (f *field) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Interface {
		if base.IsNil() {
			return reflect.ValueOf(nil)
		}
		if base = base.Elem(); base.Kind() == reflect.Pointer && base.IsNil() {
			return reflect.ValueOf(nil)
		}
	}
	switch {
	case base.Kind() == reflect.Struct:
		return f.structField(base)
	case base.Kind() == reflect.Pointer && !base.IsNil() && base.Elem().Kind() == reflect.Struct:
		return f.structField(base.Elem())
	}
	return f.Field.Value(base)
}

func (f *field) structField(base reflect.Value) reflect.Value {
	t := base.Type()
	i, ok := f.index.Load(t)
	if !ok {
		i = fieldIndex(t, f.Name())
		f.index.Store(t, i)
	}
	if i.(int) < 0 {
		return reflect.Value{}
	}
	return base.Field(i.(int))
}

// fieldIndex finds the struct field of t named name by its parquet tag, else by its Go name, as parquet-go does.
func fieldIndex(t reflect.Type, name string) int {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag := f.Tag.Get("parquet"); tag != "" {
			if tagName, _, _ := strings.Cut(tag, ","); tagName == name {
				return i
			}
		}
		if f.Name == name {
			return i
		}
	}
	return -1
}
