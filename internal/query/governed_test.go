package query_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/source/vpcflow"
)

// governor is a test Lake Formation: the grants of each principal ARN per table; callers without one are refused.
type governor struct {
	grants map[string]query.Access
	asked  []query.TableRef
}

func (g *governor) Access(_ context.Context, c *actor.Caller, t query.TableRef) (query.Access, error) {
	g.asked = append(g.asked, t)
	a, ok := g.grants[c.ARN]
	if !ok {
		return query.Access{}, awserr.New("AccessDeniedException", awserr.StatusForbidden,
			"Insufficient Lake Formation permission(s): Required Select on %s", t.Table)
	}
	return a, nil
}

// TestGovernedAccess: under a Governor, a caller reads only the columns and rows granted, through the reader the
// Governor names (the caller itself has no S3 or KMS permission); a column not granted fails naming it; a caller
// without a grant gets the Governor's error. A resource link resolves to its target, which the Governor judges.
func TestGovernedAccess(t *testing.T) {
	e := newLake(t)
	name := e.appendTo(t, vpcflow.New(), []byte(flows()), "vpc_flow")
	reader := e.user(t, "lakeformation-reader", "s3:GetObject", "kms:Decrypt", "glue:GetTable", "glue:GetDatabase")
	analyst := e.user(t, "analyst", "glue:GetTable", "glue:GetDatabase")
	stranger := e.user(t, "stranger", "glue:GetTable", "glue:GetDatabase")
	g := &governor{grants: map[string]query.Access{analyst.ARN: {Governed: true, Reader: reader,
		Columns: []string{"time_dt", "src_endpoint", "dst_endpoint", "traffic"}, RowFilter: "dst_endpoint.port = 443"}}}
	q := e.st.Query
	q.SetGovernor(g)
	defer q.SetGovernor(nil)

	_, rows, _ := run(t, q, analyst, "SELECT count(*), sum(traffic.packets) FROM "+lakeDB+"."+name)
	require.Equal(t, [][]string{{"5", "66"}}, rows, "the rejected flow to port 22 is filtered out")
	cols, _, _ := run(t, q, analyst, "SELECT * FROM "+lakeDB+"."+name+" LIMIT 1")
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
	}
	require.Equal(t, []string{"src_endpoint", "dst_endpoint", "traffic", "time_dt"}, names, "in the table's order")
	err := queryErr(t, q, analyst, "SELECT time_dt,\n action FROM "+lakeDB+"."+name)
	require.Equal(t, query.CodeColumnNotFound, err.Code)
	require.Equal(t, "line 2:2: Column 'action' cannot be resolved", err.Message)

	err = queryErr(t, q, stranger, "SELECT count(*) FROM "+lakeDB+"."+name)
	require.Equal(t, "AccessDeniedException", err.Code)
	require.Contains(t, err.Message, "Required Select on "+name)

	// A resource link in another database resolves to the lake's table.
	cat := datacatalog.New(e.st.Lakes, e.st.Meta, e.st.IAM, nil)
	sc := datacatalog.ScopeOf(e.root, "")
	require.NoError(t, cat.CreateDatabase(ctx, e.root, sc, datacatalog.Database{Name: "shared"}))
	input, _ := json.Marshal(map[string]any{"Name": "flows_link", "TargetTable": map[string]string{
		"CatalogId": acct, "DatabaseName": lakeDB, "Name": name}})
	require.NoError(t, cat.CreateTable(ctx, e.root, sc, "shared", input))
	g.asked = nil
	_, rows, _ = run(t, q, analyst, "SELECT count(*) FROM shared.flows_link")
	require.Equal(t, [][]string{{"5"}}, rows)
	require.Equal(t, []query.TableRef{{Catalog: acct, Region: region, Database: lakeDB, Table: name}}, g.asked)

	// Unqualified names resolve in the request's database, and need one.
	got, err2 := q.Query(ctx, query.Request{Caller: analyst, Database: "shared", SQL: "SELECT count(*) AS n FROM flows_link"})
	require.NoError(t, err2)
	require.True(t, got.Next())
	require.Equal(t, "5", *got.Row()[0])
	require.NoError(t, got.Close())
	err = queryErr(t, q, analyst, "SELECT count(*) FROM flows_link")
	require.Equal(t, query.CodeSyntaxError, err.Code)
	require.Equal(t, "line 1:22: Schema must be specified when session schema is not set", err.Message)
}
