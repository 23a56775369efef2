package query

import (
	"testing"
)

// FuzzParseAST: the reader of json_serialize_sql's output never panics, whatever the JSON.
func FuzzParseAST(f *testing.F) {
	f.Add([]byte(`{"error":false,"statements":[{"node":{"type":"SELECT_NODE","modifiers":[],"cte_map":{"map":[{"key":"c","value":{}}]},` +
		`"select_list":[{"class":"COLUMN_REF","type":"COLUMN_REF","query_location":7,"column_names":["a","x"]}],` +
		`"from_table":{"type":"JOIN","left":{"type":"BASE_TABLE","alias":"a","query_location":14,"schema_name":"db","table_name":"t","catalog_name":""},` +
		`"right":{"type":"BASE_TABLE","alias":"","query_location":30,"schema_name":"","table_name":"c","catalog_name":""}},` +
		`"where_clause":{"class":"CONJUNCTION","type":"CONJUNCTION_AND","children":[` +
		`{"class":"COMPARISON","type":"COMPARE_EQUAL","left":{"class":"COLUMN_REF","column_names":["a","x"]},"right":{"class":"CONSTANT","value":{"type":{"id":"VARCHAR"},"is_null":false,"value":"v"}}},` +
		`{"class":"BETWEEN","type":"COMPARE_BETWEEN","input":{"class":"COLUMN_REF","column_names":["n"]},"lower":{"class":"CONSTANT","value":{"type":{"id":"INTEGER"},"value":1}},"upper":{"class":"CONSTANT","value":{"type":{"id":"INTEGER"},"value":5}}},` +
		`{"class":"OPERATOR","type":"COMPARE_IN","children":[{"class":"COLUMN_REF","column_names":["z"]},{"class":"CONSTANT","value":{"type":{"id":"BOOLEAN"},"value":true}}]}]}}}]}`))
	f.Add([]byte(`{"error":true,"error_type":"parser","error_message":"syntax error","position":"0"}`))
	f.Add([]byte(`{"error":false,"statements":[]}`))
	f.Add([]byte(`{"error":false,"statements":[{"node":{"type":"SELECT_NODE","where_clause":{"type":"COMPARE_IN","children":[1]}}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := parseAST(data)
		if err == nil && p == nil {
			t.Fatal("no result and no error")
		}
	})
}

// FuzzTypeNames: DuckDB type names and Hive type names parse without panicking, and a parsed type prints.
func FuzzTypeNames(f *testing.F) {
	for _, s := range []string{`STRUCT("a b" VARCHAR, c BIGINT[])[]`, "MAP(VARCHAR, STRUCT(x INTEGER))", "DECIMAL(5,2)",
		"struct<a:int,b:array<map<string,string>>>", "decimal(10,2)", "(", "STRUCT(", "MAP(", "MAP", "LIST", "a[", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ty := parseType(s)
		_ = ty.athena()
		_ = ty.format([]any{map[string]any{"a": nil}})
		_ = hiveToDuck(s)
	})
}
