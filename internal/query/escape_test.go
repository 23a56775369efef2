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
