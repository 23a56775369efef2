package query_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// TestGovernedFilesNotReadableDirectly: a governed caller cannot read the decrypted data files of a table it may
// read only in part (column grants, a row filter) by naming them (/proc/self/fd/N) in a table function beside the
// table: every file-reading table function is refused, whatever path it names.
func TestGovernedFilesNotReadableDirectly(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	reader := e.user(t, "lakeformation-reader", "s3:GetObject", "kms:Decrypt", "glue:GetTable", "glue:GetDatabase")
	analyst := e.user(t, "analyst", "glue:GetTable", "glue:GetDatabase")
	g := &governor{grants: map[string]query.Access{analyst.ARN: {Governed: true, Reader: reader,
		Columns: []string{"time_dt", "traffic"}, RowFilter: "dst_endpoint.port = 443"}}}
	q := e.st.Query
	q.SetGovernor(g)
	defer q.SetGovernor(nil)

	for fd := 3; fd < 200; fd++ {
		for _, f := range []string{"read_parquet('/proc/self/fd/%d')", "parquet_metadata('/proc/self/fd/%d')",
			"query('SELECT * FROM read_parquet(''/proc/self/fd/%d'')')"} {
			sql := "SELECT count(*) FROM " + lakeDB + "." + name + ", " + fmt.Sprintf(f, fd)
			rows, err := q.Query(ctx, query.Request{Caller: analyst, SQL: sql})
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
				rows.Close()
			}
			require.Error(t, err, "the data file at fd %d was read directly: %s", fd, f)
		}
	}
}

// TestRowFilterBeforeUserPredicates: the caller's predicates never see the rows a row filter hides, not even
// through an error message: a cast that fails only on a hidden row does not fail (and so cannot name its value).
func TestRowFilterBeforeUserPredicates(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	reader := e.user(t, "lakeformation-reader", "s3:GetObject", "kms:Decrypt", "glue:GetTable", "glue:GetDatabase")
	analyst := e.user(t, "analyst", "glue:GetTable", "glue:GetDatabase")
	g := &governor{grants: map[string]query.Access{analyst.ARN: {Governed: true, Reader: reader,
		Columns: []string{"time_dt", "src_endpoint", "dst_endpoint"}, RowFilter: "dst_endpoint.port = 443"}}}
	q := e.st.Query
	q.SetGovernor(g)
	defer q.SetGovernor(nil)

	for _, where := range []string{
		"CASE WHEN src_endpoint.ip LIKE '203.%' THEN CAST(src_endpoint.ip AS INTEGER) > 0 ELSE true END",
		"CAST(src_endpoint.ip AS INTEGER) > 0",
		"CAST(CASE WHEN dst_endpoint.port = 22 THEN src_endpoint.ip ELSE '1' END AS INTEGER) > 0",
		"error(CASE WHEN dst_endpoint.port = 22 THEN src_endpoint.ip END) IS NULL OR true",
	} {
		sql := "SELECT count(*) FROM " + lakeDB + "." + name + " WHERE " + where
		rows, err := q.Query(ctx, query.Request{Caller: analyst, SQL: sql})
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if err != nil {
			require.NotContains(t, err.Error(), "203.0.113.50", "a hidden row's value in an error: %s", where)
		}
	}
}

// TestNoEnvironment: a query cannot read the server's environment (its secrets) nor list the engine's settings.
func TestNoEnvironment(t *testing.T) {
	e := newLake(t)
	alice := e.user(t, "alice", readAll...)
	t.Setenv("SECLAKE_REVIEW_SECRET", "s3cr3t-value")
	for _, sql := range []string{"SELECT getenv('SECLAKE_REVIEW_SECRET')", "SELECT * FROM duckdb_settings()",
		"SELECT * FROM duckdb_extensions()", "SELECT * FROM pragma_database_list"} {
		rows, err := e.st.Query.Query(ctx, query.Request{Caller: alice, SQL: sql})
		var got []string
		if err == nil {
			for rows.Next() {
				for _, v := range rows.Row() {
					if v != nil {
						got = append(got, *v)
					}
				}
			}
			rows.Close()
		}
		for _, v := range got {
			require.NotContains(t, v, "s3cr3t-value", sql)
		}
		if sql != "SELECT getenv('SECLAKE_REVIEW_SECRET')" {
			require.Error(t, err, sql)
		}
	}
}
