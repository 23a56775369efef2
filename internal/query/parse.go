package query

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/table"
)

// tableRef is a table named by a statement, as written: catalog and schema may be empty. Loc is the byte offset
// of the reference in the SQL (-1 when unknown).
type tableRef struct {
	Catalog, Schema, Name string
	Loc                   int
}

// key is the reference lowercased, as Athena resolves names.
func (r tableRef) key() string {
	return strings.ToLower(r.Catalog) + "\x00" + strings.ToLower(r.Schema) + "\x00" + strings.ToLower(r.Name)
}

// parsed is what the engine needs of a statement: the tables it names (CTE names excluded), the predicates that
// each table reference's own WHERE clause puts on its columns, and where each column reference is.
type parsed struct {
	Refs []tableRef
	// Preds are the prunable predicates per table reference key. A table referenced more than once gets none.
	Preds map[string][]table.Predicate
	// ColumnLocs are the byte offsets of column references by lowercased last name part (first seen).
	ColumnLocs map[string]int
	// Names are every part of every column reference (and USING column), lowercased: a superset of the top-level
	// columns the statement reads. AllColumns is set when it may read columns it does not name (a *, a whole row
	// by its table's name or alias).
	Names      map[string]bool
	AllColumns bool
	// Refused is the first table function the statement calls that reads no catalog table and is not one of
	// tableFunctions (read_parquet, query, glob, …), with its location; "" when none.
	Refused    string
	RefusedLoc int
}

// tableFunctions are the table functions a statement may call: they make rows from their arguments alone. Every
// other one is refused, whatever the engine's file access allows: the query's own decrypted data files are open
// to DuckDB (the views read them), so read_parquet('/proc/self/fd/N') would read a governed table's columns and
// rows past its grants, and query('…') runs SQL the parser never saw.
var tableFunctions = map[string]bool{"range": true, "generate_series": true, "unnest": true}

// parseError is a statement DuckDB's parser refused, at byte offset Pos (-1 when unknown).
type parseError struct {
	Msg string
	Pos int
}

func (e *parseError) Error() string { return e.Msg }

// unknownLoc is how json_serialize_sql writes an unknown query_location (2^64-1): it decodes above MaxInt.
const unknownLoc = -1

// parseAST reads the JSON that DuckDB's json_serialize_sql returns for one statement.
func parseAST(data []byte) (*parsed, error) {
	var top struct {
		Error        bool              `json:"error"`
		ErrorMessage string            `json:"error_message"`
		ErrorType    string            `json:"error_type"`
		Position     json.Number       `json:"position"`
		Statements   []json.RawMessage `json:"statements"`
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("query: read the parsed statement: %w", err)
	}
	if top.Error {
		pos := unknownLoc
		if n, err := top.Position.Int64(); err == nil && n >= 0 && n < math.MaxInt32 {
			pos = int(n)
		}
		msg := top.ErrorMessage
		if top.ErrorType == "not implemented" {
			msg = "only SELECT statements (queries) can run here: " + msg
		}
		return nil, &parseError{Msg: msg, Pos: pos}
	}
	if len(top.Statements) != 1 {
		return nil, &parseError{Msg: fmt.Sprintf("a query runs exactly one statement; this has %d", len(top.Statements)),
			Pos: unknownLoc}
	}
	var root any
	d := json.NewDecoder(strings.NewReader(string(top.Statements[0])))
	d.UseNumber()
	if err := d.Decode(&root); err != nil {
		return nil, fmt.Errorf("query: read the parsed statement: %w", err)
	}
	w := &walker{ctes: map[string]bool{}, count: map[string]int{}, preds: map[string][]table.Predicate{},
		p:          &parsed{Preds: map[string][]table.Predicate{}, ColumnLocs: map[string]int{}, Names: map[string]bool{}},
		tableNames: map[string]bool{}, singles: map[string]bool{}}
	w.collectCTEs(root)
	w.walk(root)
	w.finish()
	return w.p, nil
}

type walker struct {
	// tableNames are the names and aliases of the base tables; singles the one-part column references.
	tableNames, singles map[string]bool
	ctes                map[string]bool
	p                   *parsed
	count               map[string]int
	preds               map[string][]table.Predicate
}

// collectCTEs notes every CTE name anywhere in the statement: a table reference with one of these names and no
// schema is the CTE, not a catalog table.
func (w *walker) collectCTEs(n any) {
	switch v := n.(type) {
	case map[string]any:
		if cm, ok := v["cte_map"].(map[string]any); ok {
			if entries, ok := cm["map"].([]any); ok {
				for _, e := range entries {
					if em, ok := e.(map[string]any); ok {
						if k, ok := em["key"].(string); ok {
							w.ctes[strings.ToLower(k)] = true
						}
					}
				}
			}
		}
		for _, c := range v {
			w.collectCTEs(c)
		}
	case []any:
		for _, c := range v {
			w.collectCTEs(c)
		}
	}
}

func location(m map[string]any) int {
	if n, ok := m["query_location"].(json.Number); ok {
		if i, err := n.Int64(); err == nil && i >= 0 && i < math.MaxInt32 {
			return int(i)
		}
	}
	return unknownLoc
}

// walk visits every node: table references, column references, and the WHERE clauses of SELECT nodes.
func (w *walker) walk(n any) {
	switch v := n.(type) {
	case map[string]any:
		switch {
		case v["type"] == "BASE_TABLE":
			w.table(v)
		case v["type"] == "TABLE_FUNCTION":
			w.tableFunction(v)
		case v["class"] == "STAR":
			w.p.AllColumns = true
		case v["class"] == "COLUMN_REF":
			if names, ok := v["column_names"].([]any); ok && len(names) > 0 {
				for _, n := range names {
					if s, ok := n.(string); ok {
						w.p.Names[strings.ToLower(s)] = true
						if len(names) == 1 {
							w.singles[strings.ToLower(s)] = true
						}
					}
				}
				if s, ok := names[len(names)-1].(string); ok {
					k, loc := strings.ToLower(s), location(v)
					if old, seen := w.p.ColumnLocs[k]; !seen || (loc >= 0 && (old < 0 || loc < old)) {
						w.p.ColumnLocs[k] = loc
					}
				}
			}
		case v["type"] == "SELECT_NODE":
			w.selectNode(v)
		}
		if using, ok := v["using_columns"].([]any); ok {
			for _, u := range using {
				if s, ok := u.(string); ok {
					w.p.Names[strings.ToLower(s)] = true
				}
			}
		}
		for _, c := range v {
			w.walk(c)
		}
	case []any:
		for _, c := range v {
			w.walk(c)
		}
	}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func (w *walker) table(v map[string]any) {
	if a := str(v, "alias"); a != "" {
		w.tableNames[strings.ToLower(a)] = true
	}
	w.tableNames[strings.ToLower(str(v, "table_name"))] = true
	r := tableRef{Catalog: str(v, "catalog_name"), Schema: str(v, "schema_name"), Name: str(v, "table_name"), Loc: location(v)}
	if r.Name == "" || (r.Catalog == "" && r.Schema == "" && w.ctes[strings.ToLower(r.Name)]) {
		return
	}
	if w.count[r.key()] == 0 {
		w.p.Refs = append(w.p.Refs, r)
	} else {
		for i := range w.p.Refs { // the first reference in the text
			if w.p.Refs[i].key() == r.key() && r.Loc >= 0 && (w.p.Refs[i].Loc < 0 || r.Loc < w.p.Refs[i].Loc) {
				w.p.Refs[i].Loc = r.Loc
			}
		}
	}
	w.count[r.key()]++
}

// tableFunction notes the first table function outside tableFunctions.
func (w *walker) tableFunction(v map[string]any) {
	f, _ := v["function"].(map[string]any)
	name := strings.ToLower(str(f, "function_name"))
	if tableFunctions[name] && str(f, "catalog") == "" && (str(f, "schema") == "" || str(f, "schema") == "main") {
		return
	}
	if w.p.Refused == "" {
		if name == "" {
			name = "(unnamed)"
		}
		w.p.Refused, w.p.RefusedLoc = name, location(v)
	}
}

// selectNode notes the predicates of a SELECT's WHERE clause against the base tables its FROM clause joins
// directly (not those of subqueries): a column qualified with another table's alias or name is not theirs.
func (w *walker) selectNode(v map[string]any) {
	where, ok := v["where_clause"].(map[string]any)
	if !ok {
		return
	}
	var tables []map[string]any
	baseTables(v["from_table"], &tables)
	if len(tables) == 0 {
		return
	}
	var preds []qualifiedPred
	conjuncts(where, &preds)
	for _, t := range tables {
		r := tableRef{Catalog: str(t, "catalog_name"), Schema: str(t, "schema_name"), Name: str(t, "table_name")}
		alias := strings.ToLower(str(t, "alias"))
		for _, p := range preds {
			q := strings.ToLower(p.qualifier)
			if q != "" && q != alias && q != strings.ToLower(r.Name) {
				continue
			}
			w.preds[r.key()] = append(w.preds[r.key()], p.Predicate)
		}
	}
}

// finish orders the references as the text does and keeps the predicates of tables referenced once.
func (w *walker) finish() {
	for n := range w.singles { // a table's whole row, by its name or alias
		if w.tableNames[n] {
			w.p.AllColumns = true
		}
	}
	sort.SliceStable(w.p.Refs, func(i, j int) bool { return uint(w.p.Refs[i].Loc) < uint(w.p.Refs[j].Loc) })
	for k, ps := range w.preds {
		if w.count[k] == 1 {
			w.p.Preds[k] = ps
		}
	}
}

// baseTables collects the BASE_TABLE nodes of a FROM clause through its joins.
func baseTables(n any, out *[]map[string]any) {
	m, ok := n.(map[string]any)
	if !ok {
		return
	}
	switch m["type"] {
	case "BASE_TABLE":
		*out = append(*out, m)
	case "JOIN":
		baseTables(m["left"], out)
		baseTables(m["right"], out)
	}
}

type qualifiedPred struct {
	qualifier string
	table.Predicate
}

var compareOps = map[string]string{
	"COMPARE_EQUAL": "=", "COMPARE_NOTEQUAL": "<>", "COMPARE_LESSTHAN": "<", "COMPARE_LESSTHANOREQUALTO": "<=",
	"COMPARE_GREATERTHAN": ">", "COMPARE_GREATERTHANOREQUALTO": ">=",
}

var flipped = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// conjuncts collects the usable predicates among the top-level AND terms of e.
func conjuncts(e map[string]any, out *[]qualifiedPred) {
	switch e["type"] {
	case "CONJUNCTION_AND":
		children, _ := e["children"].([]any)
		for _, c := range children {
			if cm, ok := c.(map[string]any); ok {
				conjuncts(cm, out)
			}
		}
	case "COMPARE_BETWEEN":
		q, col, ok := columnRef(e["input"])
		lo, ok1 := constant(e["lower"])
		hi, ok2 := constant(e["upper"])
		if ok && ok1 && ok2 {
			*out = append(*out, qualifiedPred{q, table.Predicate{Column: col, Op: "between", Values: []any{lo, hi}}})
		}
	case "COMPARE_IN", "COMPARE_NOT_IN":
		children, _ := e["children"].([]any)
		if len(children) < 2 {
			return
		}
		q, col, ok := columnRef(children[0])
		if !ok {
			return
		}
		var vals []any
		for _, c := range children[1:] {
			v, ok := constant(c)
			if !ok {
				return
			}
			vals = append(vals, v)
		}
		op := "in"
		if e["type"] == "COMPARE_NOT_IN" {
			op = "not in"
		}
		*out = append(*out, qualifiedPred{q, table.Predicate{Column: col, Op: op, Values: vals}})
	default:
		op, ok := compareOps[str(e, "type")]
		if !ok {
			return
		}
		if q, col, ok := columnRef(e["left"]); ok {
			if v, ok := constant(e["right"]); ok {
				*out = append(*out, qualifiedPred{q, table.Predicate{Column: col, Op: op, Values: []any{v}}})
			}
			return
		}
		if q, col, ok := columnRef(e["right"]); ok {
			if v, ok := constant(e["left"]); ok {
				*out = append(*out, qualifiedPred{q, table.Predicate{Column: col, Op: flipped[op], Values: []any{v}}})
			}
		}
	}
}

// columnRef returns a reference to a top-level column: "col" or "qualifier.col". Longer names (struct fields,
// catalog.schema.table.col) are not used for pruning.
func columnRef(n any) (qualifier, col string, ok bool) {
	m, isMap := n.(map[string]any)
	if !isMap || m["class"] != "COLUMN_REF" {
		return "", "", false
	}
	names, _ := m["column_names"].([]any)
	switch len(names) {
	case 1:
		c, ok := names[0].(string)
		return "", c, ok
	case 2:
		q, ok1 := names[0].(string)
		c, ok2 := names[1].(string)
		return q, c, ok1 && ok2
	}
	return "", "", false
}

// constant returns a literal usable for pruning: a string, an integer or a boolean; or a *fold, an expression
// without columns (TIMESTAMP '2023-03-01', CURRENT_TIMESTAMP - INTERVAL '7' DAY) that the engine evaluates before
// planning.
func constant(n any) (any, bool) {
	m, ok := n.(map[string]any)
	if !ok {
		return nil, false
	}
	if m["class"] != "CONSTANT" {
		f := &fold{node: m}
		if !foldable(m, f) {
			return nil, false
		}
		return f, true
	}
	val, ok := m["value"].(map[string]any)
	if !ok || val["is_null"] == true {
		return nil, false
	}
	typ, _ := val["type"].(map[string]any)
	switch str(typ, "id") {
	case "VARCHAR":
		s, ok := val["value"].(string)
		return s, ok
	case "INTEGER", "BIGINT", "SMALLINT", "TINYINT":
		num, ok := val["value"].(json.Number)
		if !ok {
			return nil, false
		}
		i, err := num.Int64()
		return i, err == nil
	case "BOOLEAN":
		b, ok := val["value"].(bool)
		return b, ok
	}
	return nil, false
}

// fold is an expression without column references, to evaluate before planning. Volatile is set when it calls a
// function (CURRENT_TIMESTAMP): its value when the query runs may be later, so it only bounds from below.
type fold struct {
	node     map[string]any
	volatile bool
}

// foldableClasses are the expression classes a fold may hold.
var foldableClasses = map[string]bool{"CONSTANT": true, "CAST": true, "FUNCTION": true, "OPERATOR": true}

// clockNames are the names of the clock that parse as column references.
var clockNames = map[string]bool{"current_timestamp": true, "current_date": true, "localtimestamp": true,
	"current_time": true, "localtime": true}

// foldable reports whether every expression in n is of a foldable class, noting function calls in f.
func foldable(n any, f *fold) bool {
	switch v := n.(type) {
	case map[string]any:
		if c, ok := v["class"].(string); ok {
			if c == "COLUMN_REF" { // CURRENT_TIMESTAMP and its kin parse as column references
				names, _ := v["column_names"].([]any)
				if len(names) == 1 {
					if n, _ := names[0].(string); clockNames[strings.ToLower(n)] {
						f.volatile = true
						return true
					}
				}
				return false
			}
			if !foldableClasses[c] {
				return false
			}
			if c == "FUNCTION" {
				f.volatile = true
			}
		}
		for _, c := range v {
			if !foldable(c, f) {
				return false
			}
		}
	case []any:
		for _, c := range v {
			if !foldable(c, f) {
				return false
			}
		}
	}
	return true
}

// resolveFolds replaces the folds in preds by their values (evaluated by eval), dropping what cannot be used:
// predicates whose folds fail, and volatile folds anywhere but as a lower bound.
func resolveFolds(preds []table.Predicate, eval func(*fold) (any, bool)) []table.Predicate {
	out := preds[:0]
	for _, p := range preds {
		if q, ok := resolvePred(p, eval); ok {
			out = append(out, q)
		}
	}
	return out
}

func resolvePred(p table.Predicate, eval func(*fold) (any, bool)) (table.Predicate, bool) {
	vals := make([]any, len(p.Values))
	for i, v := range p.Values {
		f, isFold := v.(*fold)
		if !isFold {
			vals[i] = v
			continue
		}
		lower := p.Op == ">" || p.Op == ">=" || (p.Op == "between" && i == 0)
		if f.volatile && !lower {
			if p.Op == "between" && i == 1 { // keep the lower bound alone
				if len(vals) > 0 && vals[0] != nil {
					return table.Predicate{Column: p.Column, Op: ">=", Values: vals[:1]}, true
				}
			}
			return p, false
		}
		x, ok := eval(f)
		if !ok {
			return p, false
		}
		if t, isTime := x.(time.Time); isTime && f.volatile {
			x = t.Truncate(time.Minute) // a lower bound lowered still holds, and plans of the same minute are shared
		}
		vals[i] = x
	}
	p.Values = vals
	return p, true
}
