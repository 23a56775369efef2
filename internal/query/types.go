package query

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// typ is a DuckDB type, parsed from its name ("STRUCT(a VARCHAR, \"b c\" BIGINT[])"), to name it as Athena does
// and to print values as Athena does.
type typ struct {
	// Kind is the base type name in upper case (VARCHAR, BIGINT, DECIMAL, LIST, STRUCT, MAP, …).
	Kind string
	// Args are DECIMAL's precision and scale.
	Args []string
	// Elem is a LIST's element; Fields a STRUCT's fields; Key and Elem a MAP's.
	Elem, Key *typ
	Fields    []field
}

type field struct {
	Name string
	Type *typ
}

// parseType parses a DuckDB type name. Unknown names parse as themselves (printed as text).
func parseType(s string) *typ {
	t, _ := parseTypeAt(strings.TrimSpace(s))
	return t
}

// parseTypeAt parses the type at the start of s and returns the rest.
func parseTypeAt(s string) (*typ, string) {
	s = strings.TrimLeft(s, " ")
	i := 0
	for i < len(s) && s[i] != '(' && s[i] != ',' && s[i] != ')' && s[i] != '[' {
		i++
	}
	t := &typ{Kind: strings.ToUpper(strings.TrimSpace(s[:i]))}
	rest := s[i:]
	if strings.HasPrefix(rest, "(") {
		switch t.Kind {
		case "STRUCT":
			rest = rest[1:]
			for len(rest) > 0 && rest[0] != ')' {
				name, r := fieldName(strings.TrimLeft(rest, " "))
				ft, r2 := parseTypeAt(r)
				t.Fields = append(t.Fields, field{Name: name, Type: ft})
				rest = strings.TrimLeft(r2, " ")
				rest = strings.TrimPrefix(rest, ",")
			}
			rest = strings.TrimPrefix(rest, ")")
		case "MAP":
			var r string
			t.Key, r = parseTypeAt(rest[1:])
			r = strings.TrimPrefix(strings.TrimLeft(r, " "), ",")
			t.Elem, r = parseTypeAt(r)
			rest = strings.TrimPrefix(strings.TrimLeft(r, " "), ")")
		default:
			end := strings.IndexByte(rest, ')')
			if end < 0 {
				end = len(rest)
			}
			for _, a := range strings.Split(rest[1:end], ",") {
				t.Args = append(t.Args, strings.TrimSpace(a))
			}
			rest = rest[min(end+1, len(rest)):]
		}
	}
	for strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			break
		}
		t = &typ{Kind: "LIST", Elem: t}
		rest = rest[end+1:]
	}
	return t, rest
}

// fieldName reads a struct field's name, quoted ("a ""b""") or not, and returns the rest after it.
func fieldName(s string) (string, string) {
	if strings.HasPrefix(s, `"`) {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			if s[i] == '"' {
				if i+1 < len(s) && s[i+1] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				return b.String(), s[i+1:]
			}
			b.WriteByte(s[i])
		}
		return b.String(), ""
	}
	i := strings.IndexByte(s, ' ')
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// athena names the type as Athena does.
func (t *typ) athena() string {
	if t == nil {
		return "unknown"
	}
	switch t.Kind {
	case "VARCHAR", "CHAR", "TEXT", "STRING":
		return "varchar"
	case "BIGINT", "UBIGINT", "UINTEGER", "HUGEINT", "UHUGEINT": // DuckDB sums bigints as hugeint; Athena as bigint
		return "bigint"
	case "INTEGER", "USMALLINT":
		return "integer"
	case "SMALLINT", "UTINYINT":
		return "smallint"
	case "TINYINT":
		return "tinyint"
	case "DOUBLE":
		return "double"
	case "FLOAT", "REAL":
		return "real"
	case "BOOLEAN":
		return "boolean"
	case "DATE":
		return "date"
	case "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_S":
		return "timestamp"
	case "TIME":
		return "time"
	case "INTERVAL":
		return "interval day to second"
	case "BLOB":
		return "varbinary"
	case "UUID":
		return "uuid"
	case "JSON":
		return "json"
	case "DECIMAL":
		return "decimal(" + strings.Join(t.Args, ",") + ")"
	case "LIST":
		return "array(" + t.Elem.athena() + ")"
	case "MAP":
		return "map(" + t.Key.athena() + "," + t.Elem.athena() + ")"
	case "STRUCT":
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Name + " " + f.Type.athena()
		}
		return "row(" + strings.Join(parts, ", ") + ")"
	}
	return strings.ToLower(t.Kind)
}

// format prints v, a value of type t as duckdb-go scans it, as Athena prints it.
func (t *typ) format(v any) string {
	if t == nil {
		t = &typ{}
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case []byte:
		return fmt.Sprintf("%x", x)
	case bool:
		return strconv.FormatBool(x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case *big.Int:
		return x.String()
	case float32:
		return javaDouble(float64(x))
	case float64:
		return javaDouble(x)
	case time.Time:
		return t.formatTime(x)
	case duckdb.Decimal:
		return formatDecimal(x)
	case duckdb.UUID:
		return x.String()
	case duckdb.Interval:
		return fmt.Sprintf("%d months %d days %d us", x.Months, x.Days, x.Micros)
	case []any:
		return t.formatList(x)
	case map[string]any:
		return t.formatStruct(x)
	case duckdb.OrderedMap:
		return t.formatMap(x.Keys(), x.Values())
	case duckdb.Map:
		keys := make([]any, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i] = x[k]
		}
		return t.formatMap(keys, vals)
	}
	return fmt.Sprint(v)
}

func (t *typ) formatTime(x time.Time) string {
	switch t.Kind {
	case "DATE":
		return x.UTC().Format("2006-01-02")
	case "TIME":
		return x.Format("15:04:05.000")
	}
	return x.UTC().Format("2006-01-02 15:04:05.000")
}

func (t *typ) formatList(x []any) string {
	elem := t.Elem
	if elem == nil {
		elem = &typ{}
	}
	parts := make([]string, len(x))
	for i, e := range x {
		parts[i] = elem.format(e)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (t *typ) formatStruct(x map[string]any) string {
	var parts []string
	if len(t.Fields) > 0 {
		for _, f := range t.Fields {
			parts = append(parts, f.Name+"="+f.Type.format(x[f.Name]))
		}
	} else {
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			parts = append(parts, k+"="+(&typ{}).format(x[k]))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (t *typ) formatMap(keys, vals []any) string {
	kt, vt := t.Key, t.Elem
	if kt == nil {
		kt = &typ{}
	}
	if vt == nil {
		vt = &typ{}
	}
	parts := make([]string, len(keys))
	for i := range keys {
		parts[i] = kt.format(keys[i]) + "=" + vt.format(vals[i])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// javaDouble prints f as Java's Double.toString does, which is how Athena prints doubles: "1.0", "0.5",
// "1.0E10", "NaN", "Infinity".
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64) // 1E+10, 1.5E-05
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mant + "E" + strconv.Itoa(e)
}

func formatDecimal(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	s := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + s
	}
	for len(s) <= scale {
		s = "0" + s
	}
	return sign + s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// hiveToDuck spells a Hive type ("string", "struct<a:int,b:array<string>>") as DuckDB does, for the columns of
// a table without data files.
func hiveToDuck(h string) string {
	t, _ := hiveAt(strings.TrimSpace(h))
	return t
}

func hiveAt(s string) (string, string) {
	i := 0
	for i < len(s) && s[i] != '<' && s[i] != ',' && s[i] != '>' && s[i] != '(' {
		i++
	}
	name := strings.ToLower(strings.TrimSpace(s[:i]))
	rest := s[i:]
	if rest == "" || rest[0] != '<' {
		if name == "array" || name == "map" || name == "struct" {
			return "VARCHAR", rest
		}
	}
	switch name {
	case "array":
		elem, r := hiveAt(rest[1:])
		return elem + "[]", strings.TrimPrefix(r, ">")
	case "map":
		k, r := hiveAt(rest[1:])
		v, r := hiveAt(strings.TrimPrefix(r, ","))
		return "MAP(" + k + ", " + v + ")", strings.TrimPrefix(r, ">")
	case "struct":
		rest = rest[1:]
		var fields []string
		for len(rest) > 0 && rest[0] != '>' {
			c := strings.IndexByte(rest, ':')
			if c < 0 {
				break
			}
			fname := rest[:c]
			ft, r := hiveAt(rest[c+1:])
			fields = append(fields, quoteIdent(fname)+" "+ft)
			rest = strings.TrimPrefix(r, ",")
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")", strings.TrimPrefix(rest, ">")
	case "decimal":
		end := strings.IndexByte(rest, ')')
		if strings.HasPrefix(rest, "(") && end > 0 {
			return "DECIMAL" + rest[:end+1], rest[end+1:]
		}
		return "DECIMAL(38,0)", rest
	}
	duck := map[string]string{"string": "VARCHAR", "varchar": "VARCHAR", "char": "VARCHAR", "int": "INTEGER",
		"integer": "INTEGER", "bigint": "BIGINT", "smallint": "SMALLINT", "tinyint": "TINYINT", "boolean": "BOOLEAN",
		"double": "DOUBLE", "float": "FLOAT", "date": "DATE", "timestamp": "TIMESTAMPTZ", "binary": "BLOB"}[name]
	if duck == "" {
		duck = "VARCHAR"
	}
	return duck, rest
}

// quoteIdent quotes a SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString quotes a SQL string literal.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
