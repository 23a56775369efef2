package lakeformation_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/iam"
	lf "github.com/seclake/seclake/internal/lakeformation"
)

// TestFilterRunsAsValidated: the engine evaluates a row filter as Lake Formation parsed and validated it, not its
// raw text: "443 --1" is 443 - (-1) to the filter's parser, while to SQL "--" starts a comment that would end the
// expression early, so the raw text would let through rows the filter does not.
func TestFilterRunsAsValidated(t *testing.T) {
	f := newFixture(t)
	name := lakeWithFlows(t, f)
	db := lf.SecurityLakeDatabasePrefix + "us_east_1"
	f.govern(t)
	_, err := f.st.IAM.CreateUser(ctx, root(acct), iam.CreateUserInput{Name: "sly", Path: "/"})
	require.NoError(t, err)
	require.NoError(t, f.st.IAM.PutInlinePolicy(ctx, root(acct), iam.KindUser, "sly", "p",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:GetTable","glue:GetDatabase","lakeformation:GetDataAccess"],"Resource":"*"}]}`))
	sly := &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: acct, ARN: "arn:aws:iam::" + acct + ":user/sly",
		Name: "sly", ID: "AIDAsly"}, Region: region, Time: time.Now()}

	require.NoError(t, f.svc.CreateDataCellsFilter(ctx, f.admin, lf.DataCellsFilter{TableCatalogID: acct, DatabaseName: db, TableName: name,
		Name: "odd", RowFilter: &lf.RowFilter{FilterExpression: "dst_endpoint.port = 443 --1\n OR dst_endpoint.port = 22"},
		ColumnWildcard: &lf.ColumnWildcard{}}))
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: sly.ARN, Permissions: []string{"SELECT"},
		Resource: lf.Resource{DataCellsFilter: &lf.DataCellsFilterResource{TableCatalogID: acct, DatabaseName: db, TableName: name, Name: "odd"}}}))
	_, got, err := rows(t, f.st.Query, sly, "SELECT count(*) FROM "+db+"."+name+" WHERE dst_endpoint.port = 443")
	require.NoError(t, err)
	require.Equal(t, [][]string{{"0"}}, got, "the filter passes ports 444 and 22 only")
}
