package shape

import (
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
func (t *Table) ParquetSchema() *parquet.Schema {
	g := parquet.Group{}
	for _, c := range t.Columns {
		g[c.Name] = ParquetNode(c)
	}
	return parquet.NewSchema(t.Name, g)
}

// ParquetNode returns the Parquet node of a column.
func ParquetNode(c *Column) parquet.Node {
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
	case Decimal:
		physical := parquet.Type(parquet.Int32Type)
		if c.Precision > 9 {
			physical = parquet.Int64Type
		}
		n = parquet.Decimal(c.Scale, c.Precision, physical)
	case Map:
		n = parquet.Map(parquet.String(), parquet.String())
	case Array:
		n = parquet.List(ParquetNode(c.Elem))
	case Struct:
		g := parquet.Group{}
		for _, f := range c.Fields {
			g[f.Name] = ParquetNode(f)
		}
		n = g
	}
	if c.Optional {
		n = parquet.Optional(n)
	}
	return n
}
