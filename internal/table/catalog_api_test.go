package table

import (
	"context"
	"errors"
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

// TestRetryWrite: catalog writes that meet SQLite's busy errors or PostgreSQL's serialization failures run
// again; other errors end them at once.
func TestRetryWrite(t *testing.T) {
	busy := errors.New("sqlite: step: database is locked (517) (SQLITE_BUSY_SNAPSHOT)")
	calls := 0
	err := retryWrite(context.Background(), func() error {
		calls++
		if calls < 3 {
			return busy
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, 3, calls)

	calls = 0
	final := errors.New("table already exists")
	require.ErrorIs(t, retryWrite(context.Background(), func() error { calls++; return final }), final)
	require.Equal(t, 1, calls)

	calls = 0
	serial := errors.New("ERROR: could not serialize access due to concurrent update (SQLSTATE 40001)")
	require.ErrorIs(t, retryWrite(context.Background(), func() error { calls++; return serial }), serial)
	require.Equal(t, maxWriteAttempts, calls)
}
