package table

import (
	"testing"

	"github.com/apache/iceberg-go"
	"github.com/stretchr/testify/require"
)

// TestHiveType: Iceberg types as Glue and Athena spell them.
func TestHiveType(t *testing.T) {
	for typ, want := range map[iceberg.Type]string{
		iceberg.PrimitiveTypes.Bool:                                             "boolean",
		iceberg.PrimitiveTypes.Int32:                                            "int",
		iceberg.PrimitiveTypes.Int64:                                            "bigint",
		iceberg.PrimitiveTypes.Float32:                                          "float",
		iceberg.PrimitiveTypes.Float64:                                          "double",
		iceberg.PrimitiveTypes.Date:                                             "date",
		iceberg.PrimitiveTypes.TimestampTz:                                      "timestamp",
		iceberg.PrimitiveTypes.Binary:                                           "binary",
		iceberg.PrimitiveTypes.String:                                           "string",
		iceberg.DecimalTypeOf(38, 9):                                            "decimal(38,9)",
		&iceberg.ListType{ElementID: 2, Element: iceberg.PrimitiveTypes.String}: "array<string>",
		&iceberg.MapType{KeyID: 3, KeyType: iceberg.PrimitiveTypes.String, ValueID: 4,
			ValueType: iceberg.PrimitiveTypes.Int64}: "map<string,bigint>",
		&iceberg.StructType{FieldList: []iceberg.NestedField{
			{ID: 5, Name: "uid", Type: iceberg.PrimitiveTypes.String},
			{ID: 6, Name: "ips", Type: &iceberg.ListType{ElementID: 7, Element: iceberg.PrimitiveTypes.String}},
		}}: "struct<uid:string,ips:array<string>>",
	} {
		require.Equal(t, want, hiveType(typ), "%s", typ)
	}
}
