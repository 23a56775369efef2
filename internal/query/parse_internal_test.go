package query

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/table"
)

func parseSQL(t *testing.T, sql string) *parsed {
	t.Helper()
	parser, err := openParser(context.Background(), 1)
	require.NoError(t, err)
	defer parser.Close()
	e := &Engine{parser: parser}
	p, err := e.parse(context.Background(), sql)
	require.NoError(t, err)
	return p
}

// TestPredicatesPerReference: a WHERE clause's simple comparisons reach the tables of its own FROM clause (an alias
// or the table's name qualifying them, or none), not those of other SELECTs; a table referenced twice gets none.
func TestPredicatesPerReference(t *testing.T) {
	p := parseSQL(t, `SELECT * FROM db.t a JOIN db.u ON a.k = u.k WHERE a.eventday = '20231115' AND 5 < u.n
	 AND region IN ('us-east-1', 'eu-west-1') AND x BETWEEN 1 AND 3 AND (y = 1 OR y = 2) AND z.q = 1`)
	require.Equal(t, []tableRef{{Schema: "db", Name: "t", Loc: 14}, {Schema: "db", Name: "u", Loc: 26}}, p.Refs)
	region := table.Predicate{Column: "region", Op: "in", Values: []any{"us-east-1", "eu-west-1"}}
	x := table.Predicate{Column: "x", Op: "between", Values: []any{int64(1), int64(3)}}
	require.Equal(t, []table.Predicate{{Column: "eventday", Op: "=", Values: []any{"20231115"}}, region, x},
		p.Preds[p.Refs[0].key()])
	require.Equal(t, []table.Predicate{{Column: "n", Op: ">", Values: []any{int64(5)}}, region, x}, p.Preds[p.Refs[1].key()])

	p = parseSQL(t, `WITH c AS (SELECT * FROM t WHERE a = 1) SELECT * FROM c UNION ALL SELECT * FROM t WHERE a = 2`)
	require.Equal(t, []tableRef{{Name: "t", Loc: 25}}, p.Refs)
	require.Empty(t, p.Preds)
}

// TestFoldsBoundFromBelowOnly: expressions without columns become values for planning; those that move with the
// clock only as lower bounds (a later clock at run time must not lose rows).
func TestFoldsBoundFromBelowOnly(t *testing.T) {
	now := &fold{volatile: true}
	fixed := &fold{}
	eval := func(f *fold) (any, bool) {
		if f == now {
			return "NOW", true
		}
		return "FIXED", true
	}
	got := resolveFolds([]table.Predicate{
		{Column: "a", Op: ">", Values: []any{now}},
		{Column: "b", Op: "<", Values: []any{now}},
		{Column: "c", Op: "between", Values: []any{now, now}},
		{Column: "d", Op: "<", Values: []any{fixed}},
		{Column: "e", Op: "in", Values: []any{fixed, now}},
		{Column: "f", Op: "=", Values: []any{"x"}},
	}, eval)
	require.Equal(t, []table.Predicate{
		{Column: "a", Op: ">", Values: []any{"NOW"}},
		{Column: "c", Op: ">=", Values: []any{"NOW"}},
		{Column: "d", Op: "<", Values: []any{"FIXED"}},
		{Column: "f", Op: "=", Values: []any{"x"}},
	}, got)
}

// TestKeepRanges: the ranges outside the skipped ones, with gaps under 64 KiB between them read through.
func TestKeepRanges(t *testing.T) {
	const k = 1 << 10
	require.Equal(t, [][2]int64{{0, 10}, {300 * k, 400 * k}}, keepRanges([][2]int64{{10, 300 * k}}, 400*k))
	require.Equal(t, [][2]int64{{0, 400 * k}}, keepRanges([][2]int64{{10, 20 * k}}, 400*k), "a small gap is read")
	require.Equal(t, [][2]int64{{0, 10}}, keepRanges([][2]int64{{200 * k, 300 * k}, {10, 250 * k}, {290 * k, 500 * k}}, 400*k))
	require.Empty(t, keepRanges([][2]int64{{0, 500 * k}}, 400*k))
}
