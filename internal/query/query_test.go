package query_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// flows are two days of VPC flow records: day one (2023-11-14) has 3 accepted flows to 443 and 1 rejected to 22;
// day two (2023-11-15) has 2 flows to 443.
func flows() string {
	const d1, d2 = 1700000000, 1700000000 + 86400
	return strings.Join([]string{
		flowLine("eni-0a1", "10.0.1.15", "198.51.100.7", 443, 12, d1, "ACCEPT"),
		flowLine("eni-0a1", "10.0.1.16", "198.51.100.7", 443, 5, d1+10, "ACCEPT"),
		flowLine("eni-0a1", "10.0.1.17", "198.51.100.8", 443, 7, d1+20, "ACCEPT"),
		flowLine("eni-0a1", "203.0.113.50", "10.0.1.15", 22, 3, d1+30, "REJECT"),
		flowLine("eni-0a2", "10.0.2.15", "198.51.100.9", 443, 40, d2, "ACCEPT"),
		flowLine("eni-0a2", "10.0.2.16", "198.51.100.9", 443, 2, d2+5, "ACCEPT"),
	}, "\n") + "\n"
}

// TestSelectAsIAMUser: a user whose IAM policy allows glue:GetTable, s3:GetObject and kms:Decrypt reads the lake's
// rows by the names Athena uses; one without s3:GetObject or kms:Decrypt is refused naming the action.
func TestSelectAsIAMUser(t *testing.T) { testSelectAsIAMUser(t, newLake(t)) }

// TestSelectAsIAMUserOnPostgres is TestSelectAsIAMUser with the catalog in PostgreSQL (SECLAKE_TEST_POSTGRES).
func TestSelectAsIAMUserOnPostgres(t *testing.T) {
	testSelectAsIAMUser(t, newLakeOn(t, stacktest.StartOn(t, clock.System, stacktest.Postgres(t))))
}

func testSelectAsIAMUser(t *testing.T, e *lakeEnv) {
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	q := e.st.Query

	cols, rows, stats := run(t, q, alice, `SELECT count(*) AS n, sum(traffic.packets) AS p FROM "`+lakeDB+`"."`+name+`"`)
	require.Equal(t, []query.Column{{Name: "n", Type: "bigint"}, {Name: "p", Type: "bigint"}}, cols)
	require.Equal(t, [][]string{{"6", "69"}}, rows)
	require.Equal(t, 2, stats.FilesRead)
	require.Positive(t, stats.DataScannedBytes)

	for _, ref := range []string{lakeDB + "." + name, "awsdatacatalog." + lakeDB + "." + name, `"AwsDataCatalog"."` + lakeDB + `"."` + name + `"`} {
		_, rows, _ = run(t, q, alice, "SELECT src_endpoint.ip, dst_endpoint.port, time_dt FROM "+ref+
			" WHERE action = 'Denied'")
		require.Equal(t, [][]string{{"203.0.113.50", "22", "2023-11-14 22:13:50.000"}}, rows, ref)
	}

	// Partition pruning: one day's file only.
	_, rows, stats = run(t, q, alice, "SELECT count(*) FROM "+lakeDB+"."+name+" WHERE eventday = '20231115'")
	require.Equal(t, [][]string{{"2"}}, rows)
	require.Equal(t, 1, stats.FilesRead)
	require.Equal(t, 1, stats.FilesPruned)

	// Column statistics prune on time_dt, with constant expressions evaluated first (a volatile one such as
	// CURRENT_TIMESTAMP only as a lower bound).
	_, rows, stats = run(t, q, alice, "SELECT count(*) FROM "+lakeDB+"."+name+" WHERE time_dt >= TIMESTAMP '2023-11-15'")
	require.Equal(t, [][]string{{"2"}}, rows)
	require.Equal(t, 1, stats.FilesPruned)
	_, rows, stats = run(t, q, alice, "SELECT count(*) FROM "+lakeDB+"."+name+" WHERE time_dt < TIMESTAMP '2023-11-15'")
	require.Equal(t, [][]string{{"4"}}, rows)
	require.Equal(t, 1, stats.FilesPruned)
	_, rows, stats = run(t, q, alice, "SELECT count(*) FROM "+lakeDB+"."+name+
		" WHERE time_dt BETWEEN CURRENT_TIMESTAMP - INTERVAL '7' DAY AND CURRENT_TIMESTAMP")
	require.Equal(t, [][]string{{"0"}}, rows)
	require.Equal(t, 2, stats.FilesPruned)
	require.Equal(t, 0, stats.FilesRead)
	_, rows, stats = run(t, q, alice, "SELECT count(*) FROM "+lakeDB+"."+name+
		" WHERE time_dt < CURRENT_TIMESTAMP - INTERVAL '1000' DAY")
	require.Equal(t, [][]string{{"6"}}, rows, "data of 2023: more than 1000 days before now")
	require.Equal(t, 0, stats.FilesPruned, "an upper bound that moves with the clock does not prune")

	noS3 := e.user(t, "bob", "glue:GetTable", "glue:GetDatabase", "kms:Decrypt")
	err := queryErr(t, q, noS3, "SELECT count(*) FROM "+lakeDB+"."+name)
	require.Equal(t, "AccessDenied", err.Code)
	require.Contains(t, err.Message, "s3:GetObject")
	require.Contains(t, err.Message, "user/bob")

	noKMS := e.user(t, "carol", "glue:GetTable", "glue:GetDatabase", "s3:GetObject")
	err = queryErr(t, q, noKMS, "SELECT count(*) FROM "+lakeDB+"."+name)
	require.Equal(t, "AccessDenied", err.Code)
	require.Contains(t, err.Message, "kms:Decrypt")

	noGlue := e.user(t, "dave", "s3:GetObject", "kms:Decrypt")
	err = queryErr(t, q, noGlue, "SELECT count(*) FROM "+lakeDB+"."+name)
	require.Equal(t, "AccessDeniedException", err.Code)
	require.Contains(t, err.Message, "glue:GetTable")
}

// TestErrorsAsAthenaWordsThem: the user's mistakes come back with Athena's error names and positions.
func TestErrorsAsAthenaWordsThem(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	q := e.st.Query
	for _, c := range []struct{ sql, code, msg string }{
		{"SELECT * FROM " + lakeDB + ".nope", query.CodeTableNotFound,
			"line 1:15: Table 'awsdatacatalog." + lakeDB + ".nope' does not exist"},
		{"SELECT *\nFROM   nodb.t", query.CodeSchemaNotFound, "line 2:8: Schema 'nodb' does not exist"},
		{"SELECT * FROM other.db.t", query.CodeCatalogNotFound, "line 1:15: Catalog 'other' does not exist"},
		{"SELECT nope FROM " + lakeDB + "." + name, query.CodeColumnNotFound, "line 1:8: Column 'nope' cannot be resolved"},
		{"SELECT no_such_fn(1)", query.CodeFunctionNotFound, "Function 'no_such_fn' not registered"},
		{"SELEC 1", query.CodeSyntaxError, `line 1:1: syntax error at or near "SELEC"`},
	} {
		err := queryErr(t, q, alice, c.sql)
		require.Equal(t, c.code, err.Code, c.sql)
		require.Equal(t, c.msg, err.Message, c.sql)
	}
}

// TestValuesAsAthenaPrintsThem: types named and values printed as Athena's results show them.
func TestValuesAsAthenaPrintsThem(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	cols, rows, _ := run(t, e.st.Query, alice, `SELECT time_dt, dst_endpoint, [1, 2] AS a, MAP {'k': 'v'} AS m,
	 1.5::DOUBLE AS d, 1e10::DOUBLE AS big, 2.50::DECIMAL(5,2) AS dec, DATE '2024-01-02' AS day, NULL AS nothing,
	 true AS yes, 'x' AS s FROM `+lakeDB+"."+name+" WHERE src_endpoint.ip = '203.0.113.50'")
	var types []string
	for _, c := range cols {
		types = append(types, c.Type)
	}
	require.Equal(t, "timestamp", types[0])
	require.True(t, strings.HasPrefix(types[1], "row(instance_uid varchar, "), types[1])
	require.Equal(t, []string{"array(integer)", "map(varchar,varchar)", "double", "double", "decimal(5,2)", "date",
		"integer", "boolean", "varchar"}, types[2:])
	require.Equal(t, "2023-11-14 22:13:50.000", rows[0][0])
	require.Contains(t, rows[0][1], "ip=10.0.1.15")
	require.Contains(t, rows[0][1], "port=22")
	require.True(t, strings.HasPrefix(rows[0][1], "{instance_uid=null, "), rows[0][1])
	require.Equal(t, []string{"[1, 2]", "{k=v}", "1.5", "1.0E10", "2.50", "2024-01-02", "NULL", "true", "x"}, rows[0][2:])
}

// TestConcurrentQueriesAndCancel: queries run at once each get their own answer; a cancelled one ends with
// USER_CANCELLED and the others go on.
func TestConcurrentQueriesAndCancel(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	q := e.st.Query
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			rows, err := q.Query(ctx, query.Request{Caller: alice,
				SQL: fmt.Sprintf("SELECT count(*) FROM %s.%s WHERE traffic.packets > %d", lakeDB, name, i)})
			if err != nil {
				errs <- err
				return
			}
			defer rows.Close()
			if !rows.Next() {
				errs <- fmt.Errorf("query %d: no row: %v", i, rows.Err())
				return
			}
			want := 0
			for _, p := range []int{12, 5, 7, 3, 40, 2} {
				if p > i {
					want++
				}
			}
			if got := *rows.Row()[0]; got != fmt.Sprint(want) {
				errs <- fmt.Errorf("query %d: %s rows, want %d", i, got, want)
				return
			}
			errs <- nil
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}

	cctx, cancel := context.WithCancel(ctx)
	go func() { // cancel while it runs (it would run for minutes)
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	rows, err := q.Query(cctx, query.Request{Caller: alice, SQL: "SELECT count(*) FROM range(100000000000)"})
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	cancel()
	ae, ok := awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, query.CodeUserCancelled, ae.Code)
}

// TestNewCommitsAreSeen: a query after an append sees its rows (plans are kept per metadata file only).
func TestNewCommitsAreSeen(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	sql := "SELECT count(*) FROM " + lakeDB + "." + name + " WHERE eventday = '20231114'"
	for want := 4; want <= 12; want += 4 {
		_, rows, _ := run(t, e.st.Query, alice, sql)
		require.Equal(t, [][]string{{fmt.Sprint(want)}}, rows)
		_, rows, _ = run(t, e.st.Query, alice, sql) // the same plan again
		require.Equal(t, [][]string{{fmt.Sprint(want)}}, rows)
		e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	}
}
