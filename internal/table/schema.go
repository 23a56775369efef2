package table

import (
	"fmt"

	"github.com/apache/iceberg-go"

	"github.com/seclake/seclake/internal/ocsf/shape"
)

// Partition columns, as Security Lake's tables have them: identity partitions on three string columns the lake
// fills.
var partitionColumns = []string{"region", "accountid", "eventday"}

// icebergSchema returns the Iceberg schema of a Security Lake table: its columns, all optional (events are
// written by name and any attribute may be absent), with field IDs assigned depth-first from 1.
func icebergSchema(t *shape.Table) (*iceberg.Schema, error) {
	next := 0
	id := func() int { next++; return next }
	fields := make([]iceberg.NestedField, 0, len(t.Columns))
	for _, c := range t.Columns {
		f, err := nestedField(c, id)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.Name, err)
		}
		fields = append(fields, f)
	}
	return iceberg.NewSchema(0, fields...), nil
}

func nestedField(c *shape.Column, id func() int) (iceberg.NestedField, error) {
	fid := id()
	typ, err := icebergType(c, id)
	if err != nil {
		return iceberg.NestedField{}, fmt.Errorf("column %s: %w", c.Name, err)
	}
	return iceberg.NestedField{ID: fid, Name: c.Name, Type: typ}, nil
}

func icebergType(c *shape.Column, id func() int) (iceberg.Type, error) {
	switch c.Kind {
	case shape.String:
		return iceberg.PrimitiveTypes.String, nil
	case shape.Int:
		return iceberg.PrimitiveTypes.Int32, nil
	case shape.Bigint:
		return iceberg.PrimitiveTypes.Int64, nil
	case shape.Boolean:
		return iceberg.PrimitiveTypes.Bool, nil
	case shape.Double:
		return iceberg.PrimitiveTypes.Float64, nil
	case shape.Timestamp:
		return iceberg.PrimitiveTypes.TimestampTz, nil
	case shape.Decimal:
		return iceberg.DecimalTypeOf(c.Precision, c.Scale), nil
	case shape.Map:
		return &iceberg.MapType{KeyID: id(), KeyType: iceberg.PrimitiveTypes.String, ValueID: id(),
			ValueType: iceberg.PrimitiveTypes.String}, nil
	case shape.Array:
		eid := id()
		elem, err := icebergType(c.Elem, id)
		if err != nil {
			return nil, err
		}
		// Required elements, as the data files have them (shape.ParquetSchema).
		return &iceberg.ListType{ElementID: eid, Element: elem, ElementRequired: true}, nil
	case shape.Struct:
		fields := make([]iceberg.NestedField, 0, len(c.Fields))
		for _, f := range c.Fields {
			nf, err := nestedField(f, id)
			if err != nil {
				return nil, err
			}
			fields = append(fields, nf)
		}
		return &iceberg.StructType{FieldList: fields}, nil
	}
	return nil, fmt.Errorf("unknown kind %q", c.Kind)
}

// partitionSpec returns the identity partitions on region, accountid and eventday of sc.
func partitionSpec(sc *iceberg.Schema) (iceberg.PartitionSpec, error) {
	fields := make([]iceberg.PartitionField, 0, len(partitionColumns))
	for i, name := range partitionColumns {
		f, ok := sc.FindFieldByName(name)
		if !ok {
			return iceberg.PartitionSpec{}, fmt.Errorf("table: the schema has no partition column %s", name)
		}
		fields = append(fields, iceberg.PartitionField{SourceIDs: []int{f.ID}, FieldID: 1000 + i, Name: name,
			Transform: iceberg.IdentityTransform{}})
	}
	return iceberg.NewPartitionSpec(fields...), nil
}
