package query_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

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
func TestSelectAsIAMUser(t *testing.T) {
	e := newLake(t)
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
