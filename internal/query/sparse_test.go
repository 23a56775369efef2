package query_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// TestSparseReadsAnswerAsWholeFiles: statements answer the same whether the data files are read whole or only in
// the parts their columns need (the footer and those columns' chunks), and a statement of no column reads the
// footers (these files are small: gaps under 64 KiB between the chunks a statement needs are read through).
func TestSparseReadsAnswerAsWholeFiles(t *testing.T) {
	e := newLake(t)
	var lines []string
	for i := range 20000 {
		lines = append(lines, flowLine(fmt.Sprintf("eni-%04d", i%300), fmt.Sprintf("10.0.%d.%d", i%7, i%250),
			fmt.Sprintf("198.51.100.%d", i%100), []int{443, 22, 53}[i%3], 1+i%97, 1700000000+int64(i)*10,
			[]string{"ACCEPT", "REJECT"}[i%2]))
	}
	name := e.appendTo(t, vpcflow.New(), []byte(strings.Join(lines, "\n")+"\n"), "vpc_flow")
	alice := e.user(t, "alice", readAll...)
	tbl := lakeDB + "." + name
	statements := []string{
		"SELECT count(*) FROM " + tbl,
		"SELECT count(*), sum(traffic.packets), min(time_dt), max(src_endpoint.ip) FROM " + tbl,
		"SELECT dst_endpoint.port, count(*) FROM " + tbl + " WHERE action = 'Denied' GROUP BY 1 ORDER BY 1",
		"SELECT src_endpoint.interface_uid, count(DISTINCT src_endpoint.ip) FROM " + tbl + " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
		"SELECT * FROM " + tbl + " ORDER BY time_dt, src_endpoint.ip LIMIT 3",
		"SELECT f.traffic FROM " + tbl + " AS f ORDER BY f.time_dt DESC LIMIT 2",
		"SELECT f FROM " + tbl + " AS f ORDER BY f.time_dt LIMIT 1",
		"SELECT o.name, count(*) FROM " + tbl + ", UNNEST(observables) AS t(o) GROUP BY 1 ORDER BY 1",
	}
	whole := make([][][]string, len(statements))
	wholeBytes := make([]int64, len(statements))
	old := query.SetSparseMin(1 << 62)
	for i, s := range statements {
		var st query.Stats
		_, whole[i], st = run(t, e.st.Query, alice, s)
		wholeBytes[i] = st.DataScannedBytes
	}
	query.SetSparseMin(0)
	defer query.SetSparseMin(old)
	for i, s := range statements {
		_, sparse, st := run(t, e.st.Query, alice, s)
		require.Equal(t, whole[i], sparse, s)
		switch {
		case strings.HasPrefix(s, "SELECT * ") || strings.HasPrefix(s, "SELECT f FROM"):
			require.Equal(t, wholeBytes[i], st.DataScannedBytes, "all columns: whole files: %s", s)
		case strings.HasPrefix(s, "SELECT count(*) FROM"):
			require.Less(t, st.DataScannedBytes, wholeBytes[i]*3/4, "no column: footers: %s", s)
		}
	}
}
