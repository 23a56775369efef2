package lakeformation_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	lf "github.com/seclake/seclake/internal/lakeformation"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/ram"
	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/vpcflow"
	"github.com/seclake/seclake/internal/table"
)

type collect struct{ batches []source.Batch }

func (c *collect) Events(b source.Batch) error    { c.batches = append(c.batches, b); return nil }
func (c *collect) SetAside(source.SetAside) error { return nil }

// lakeKeyPolicy is the first guide's key policy, its Lake Formation statement spelled right: the account's
// administrators, Security Lake writing, Lake Formation's data access role decrypting.
const lakeKeyPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"Key administration","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
 {"Sid":"Allow Security Lake to use the key","Effect":"Allow","Principal":{"Service":"securitylake.amazonaws.com"},
  "Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}},
 {"Sid":"Allow LakeFormation And Subscriber Roles To Use The Key","Effect":"Allow",
  "Principal":{"AWS":["arn:aws:iam::111122223333:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"]},
  "Action":["kms:CreateGrant","kms:Decrypt"],"Resource":"*"}]}`

// lakeWithFlows creates the account's lake under a KMS key with the guide's policy (Lake Formation's role created
// first, as the console does) with five VPC flows, three of them to port 443, and returns the flow table's name.
func lakeWithFlows(t *testing.T, f *fixture) string {
	_, err := f.st.IAM.CreateServiceLinkedRole(ctx, root(acct), lf.ServicePrincipal, "", "")
	require.NoError(t, err)
	key, err := f.st.KMS.CreateKey(ctx, root(acct), kms.CreateKeyRequest{Policy: lakeKeyPolicy})
	require.NoError(t, err)
	_, err = f.st.Lakes.Create(ctx, root(acct), region, key.ARN)
	require.NoError(t, err)
	l, err := f.st.Lakes.Open(ctx, acct, region)
	require.NoError(t, err)
	var lines []string
	for i, port := range []int{443, 443, 22, 443, 80} {
		lines = append(lines, fmt.Sprintf("2 %s eni-1 10.0.0.%d 10.0.1.1 40000 %d 6 10 1000 %d %d ACCEPT OK", acct, i+1, port,
			1764583200+i, 1764583260+i))
	}
	var c collect
	_, err = vpcflow.New().Normalize(ctx, source.Object{Name: "flows", Body: bytes.NewReader([]byte(strings.Join(lines, "\n") + "\n")),
		Account: acct, Region: region}, &c)
	require.NoError(t, err)
	b := table.Batch{Account: acct, Region: region}
	for _, sb := range c.batches {
		b.Events = append(b.Events, sb.Events...)
	}
	src, err := table.AWS("vpc_flow")
	require.NoError(t, err)
	tb, err := l.Table(ctx, src)
	require.NoError(t, err)
	_, err = tb.Append(ctx, b)
	require.NoError(t, err)
	return tb.Name()
}

func rows(t *testing.T, e *query.Engine, c *actor.Caller, sql string) ([]string, [][]string, error) {
	t.Helper()
	r, err := e.Query(ctx, query.Request{SQL: sql, Caller: c})
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	var out [][]string
	for r.Next() {
		var row []string
		for _, v := range r.Row() {
			s := "NULL"
			if v != nil {
				s = *v
			}
			row = append(row, s)
		}
		out = append(out, row)
	}
	var cols []string
	for _, col := range r.Columns() {
		cols = append(cols, col.Name)
	}
	return cols, out, r.Err()
}

// TestQueriesGovernedByGrants runs SQL through the query engine under Lake Formation, over an SSE-KMS lake: a user
// with only Glue and GetDataAccess permissions (no S3, no KMS) reads nothing without a grant, the granted columns with a column grant (a
// column not granted fails naming it), the filtered rows with a data cells filter; a member account reads the
// whole table through a resource link once it accepted the share, as Lake Formation.
func TestQueriesGovernedByGrants(t *testing.T) {
	f := newFixture(t)
	name := lakeWithFlows(t, f)
	db := lf.SecurityLakeDatabasePrefix + "us_east_1"
	fq := db + "." + name
	f.govern(t)
	e := f.st.Query
	limited := func(uname string) *actor.Caller {
		_, err := f.st.IAM.CreateUser(ctx, root(acct), iam.CreateUserInput{Name: uname, Path: "/"})
		require.NoError(t, err)
		require.NoError(t, f.st.IAM.PutInlinePolicy(ctx, root(acct), iam.KindUser, uname, "p",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:GetTable","glue:GetDatabase","lakeformation:GetDataAccess"],"Resource":"*"}]}`))
		return &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/" + uname,
			Name: uname, ID: "AIDA" + uname}, Region: region, Time: time.Now()}
	}
	analyst, https := limited("reader"), limited("https")

	_, _, err := rows(t, e, analyst, "SELECT count(*) FROM "+fq)
	ae, ok := awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "AccessDeniedException", ae.Code)
	require.Contains(t, ae.Message, "Insufficient Lake Formation permission(s): Required Select on "+name)

	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: analyst.ARN, Permissions: []string{"SELECT"},
		Resource: lf.Resource{TableWithColumns: &lf.TableWithColumnsResource{DatabaseName: db, Name: name,
			ColumnNames: []string{"time_dt", "dst_endpoint", "traffic"}}}}))
	cols, got, err := rows(t, e, analyst, "SELECT * FROM "+fq+" LIMIT 1")
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, []string{"dst_endpoint", "traffic", "time_dt"}, cols, "the granted columns, in the table's order")
	_, _, err = rows(t, e, analyst, "SELECT src_endpoint FROM "+fq)
	require.ErrorContains(t, err, "src_endpoint")
	_, got, err = rows(t, e, analyst, "SELECT count(*) FROM "+fq)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"5"}}, got)

	require.NoError(t, f.svc.CreateDataCellsFilter(ctx, f.admin, lf.DataCellsFilter{TableCatalogID: acct, DatabaseName: db, TableName: name,
		Name: "https", RowFilter: &lf.RowFilter{FilterExpression: "dst_endpoint.port = 443"}, ColumnWildcard: &lf.ColumnWildcard{}}))
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: https.ARN, Permissions: []string{"SELECT"},
		Resource: lf.Resource{DataCellsFilter: &lf.DataCellsFilterResource{TableCatalogID: acct, DatabaseName: db, TableName: name, Name: "https"}}}))
	_, got, err = rows(t, e, https, "SELECT count(*), min(dst_endpoint.port), max(dst_endpoint.port) FROM "+fq)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"3", "443", "443"}}, got, "the filter hides the flows to other ports")

	// The member account: a grant to it, the invitation accepted, a resource link in its own catalog.
	m := root(f.member)
	m.Time = time.Now()
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.member, Permissions: []string{"SELECT", "DESCRIBE"},
		Resource: lf.Resource{Table: &lf.TableResource{DatabaseName: db, Name: name}}}))
	sc := datacatalog.ScopeOf(m, "")
	require.NoError(t, f.st.Catalog.CreateDatabase(ctx, m, sc, datacatalog.Database{Name: "links"}))
	link, _ := json.Marshal(map[string]any{"Name": "flows", "TargetTable": map[string]string{"CatalogId": acct, "DatabaseName": db, "Name": name}})
	require.NoError(t, f.st.Catalog.CreateTable(ctx, m, sc, "links", link))
	_, _, err = rows(t, e, m, "SELECT count(*) FROM links.flows")
	require.Error(t, err, "not before the share is accepted")
	invs, _, err := f.st.RAM.GetResourceShareInvitations(ctx, m, nil, nil, ram.Page{})
	require.NoError(t, err)
	require.Len(t, invs, 1)
	_, err = f.st.RAM.AcceptResourceShareInvitation(ctx, m, invs[0].ARN)
	require.NoError(t, err)
	_, got, err = rows(t, e, m, "SELECT count(*) FROM links.flows")
	require.NoError(t, err)
	require.Equal(t, [][]string{{"5"}}, got)
}
