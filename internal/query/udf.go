package query

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// dateParse is Trino's date_parse(string, format): format in MySQL's letters (DuckDB's strptime wants a constant
// format in C's letters, which a macro cannot translate).
type dateParse struct{}

func (dateParse) Config() duckdb.ScalarFuncConfig {
	v, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	ts, _ := duckdb.NewTypeInfo(duckdb.TYPE_TIMESTAMP)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{v, v}, ResultTypeInfo: ts}
}

func (dateParse) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		s, _ := values[0].(string)
		f, _ := values[1].(string)
		t, err := time.Parse(goLayout(f), s)
		if err != nil {
			return nil, fmt.Errorf("Invalid format: %q does not match %q", s, f)
		}
		return t.UTC(), nil
	}}
}

// goLayout turns a MySQL date format into a Go time layout.
func goLayout(f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'Y':
			b.WriteString("2006")
		case 'y':
			b.WriteString("06")
		case 'm':
			b.WriteString("01")
		case 'c':
			b.WriteString("1")
		case 'd':
			b.WriteString("02")
		case 'e':
			b.WriteString("2")
		case 'H', 'k':
			b.WriteString("15")
		case 'h', 'I', 'l':
			b.WriteString("03")
		case 'i':
			b.WriteString("04")
		case 's', 'S':
			b.WriteString("05")
		case 'f':
			b.WriteString("999999")
		case 'p':
			b.WriteString("PM")
		case 'T':
			b.WriteString("15:04:05")
		case 'b':
			b.WriteString("Jan")
		case 'M':
			b.WriteString("January")
		case 'a':
			b.WriteString("Mon")
		case 'W':
			b.WriteString("Monday")
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String()
}

// cardinality is Trino's cardinality of an array or a map (DuckDB's is for maps only; len for lists only).
type cardinality struct{}

func (cardinality) Config() duckdb.ScalarFuncConfig {
	anyT, _ := duckdb.NewTypeInfo(duckdb.TYPE_ANY)
	n, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{anyT}, ResultTypeInfo: n}
}

func (cardinality) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		switch v := values[0].(type) {
		case []any:
			return int64(len(v)), nil
		case duckdb.OrderedMap:
			return int64(len(v.Keys())), nil
		case duckdb.Map:
			return int64(len(v)), nil
		}
		return nil, fmt.Errorf("cardinality: an array or a map is required, not %T", values[0])
	}}
}

// registerUDFs adds the functions written in Go to the query's connection.
func registerUDFs(c *sql.Conn) error {
	if err := duckdb.RegisterScalarUDF(c, "date_parse", dateParse{}); err != nil {
		return err
	}
	return duckdb.RegisterScalarUDF(c, "seclake_cardinality", cardinality{})
}
