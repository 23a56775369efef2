package lakeformation_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/iam"
	lf "github.com/seclake/seclake/internal/lakeformation"
	"github.com/seclake/seclake/internal/ram"
)

// TestRecipientGrantsOnlyInItsAccount: an account granted a table with the grant option may pass it on to its own
// principals only: not to a third account (a share of the owner's table the owner never made), and it may not
// revoke the owner's grants to the owner's principals.
func TestRecipientGrantsOnlyInItsAccount(t *testing.T) {
	f := newFixture(t)
	f.govern(t)
	m := root(f.member)
	status, err := f.st.IAM.CreateAccount(ctx, root(acct), iam.CreateAccountInput{Email: "third@example.com", Name: "third"})
	require.NoError(t, err)
	third := status.AccountID
	if third == "" {
		accts, _, err := f.st.IAM.ListAccounts(ctx, root(acct), "", "", 20)
		require.NoError(t, err)
		for _, a := range accts {
			if a.Name == "third" {
				third = a.ID
			}
		}
	}
	require.NotEmpty(t, third)

	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.member, Resource: tableRes(),
		Permissions: []string{"SELECT", "DESCRIBE"}, Grantable: []string{"SELECT", "DESCRIBE"}}))
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.analyst.ARN, Resource: tableRes(),
		Permissions: []string{"SELECT"}}))
	invs, _, err := f.st.RAM.GetResourceShareInvitations(ctx, m, nil, nil, ram.Page{})
	require.NoError(t, err)
	require.Len(t, invs, 1)
	_, err = f.st.RAM.AcceptResourceShareInvitation(ctx, m, invs[0].ARN)
	require.NoError(t, err)

	res := lf.Resource{Table: &lf.TableResource{CatalogID: acct, DatabaseName: "sec", Name: "events"}}
	// Its own principals: allowed.
	require.NoError(t, f.svc.GrantPermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: "arn:aws:iam::" + f.member + ":role/reader",
		Resource: res, Permissions: []string{"SELECT"}}))
	// A third account: refused, and no share reaches it.
	err = f.svc.GrantPermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: third, Resource: res, Permissions: []string{"SELECT"}})
	requireCode(t, err, "AccessDeniedException", third)
	invs, _, err = f.st.RAM.GetResourceShareInvitations(ctx, root(third), nil, nil, ram.Page{})
	require.NoError(t, err)
	require.Empty(t, invs)
	_, err = f.svc.Access(ctx, root(third), f.table)
	requireCode(t, err, "AccessDeniedException", "Required Select on events")
	// Nor IAM_ALLOWED_PRINCIPALS, which would hand the owner's table back to IAM alone (every column, every row).
	err = f.svc.GrantPermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: lf.IAMAllowedPrincipals, Resource: res, Permissions: []string{"SELECT"}})
	requireCode(t, err, "AccessDeniedException", lf.IAMAllowedPrincipals)
	// The owner's principals: neither granted to nor revoked from.
	err = f.svc.GrantPermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: f.filtered.ARN, Resource: res, Permissions: []string{"SELECT"}})
	requireCode(t, err, "AccessDeniedException", f.filtered.ARN)
	err = f.svc.RevokePermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: f.analyst.ARN, Resource: res, Permissions: []string{"SELECT"}})
	requireCode(t, err, "AccessDeniedException", f.analyst.ARN)
	_, err = f.svc.Access(ctx, f.analyst, f.table)
	require.NoError(t, err)
}

// TestRecipientManagesOnlyFiltersOfItsOwnGrantees: a recipient account with the grant option may create data
// cells filters on the shared table and manage those only its own principals hold; it may not widen (update) or
// delete a filter the owner granted to the owner's principals.
func TestRecipientManagesOnlyFiltersOfItsOwnGrantees(t *testing.T) {
	f := newFixture(t)
	f.govern(t)
	m := root(f.member)
	filter := func(name, expr string) lf.DataCellsFilter {
		return lf.DataCellsFilter{TableCatalogID: acct, DatabaseName: "sec", TableName: "events", Name: name,
			RowFilter: &lf.RowFilter{FilterExpression: expr}, ColumnWildcard: &lf.ColumnWildcard{}}
	}
	filterRes := func(name string) lf.Resource {
		return lf.Resource{DataCellsFilter: &lf.DataCellsFilterResource{TableCatalogID: acct, DatabaseName: "sec", TableName: "events", Name: name}}
	}
	require.NoError(t, f.svc.CreateDataCellsFilter(ctx, f.admin, filter("owners", "accountid = '111'")))
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.filtered.ARN, Resource: filterRes("owners"),
		Permissions: []string{"SELECT"}}))
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.member, Resource: tableRes(),
		Permissions: []string{"SELECT", "DESCRIBE"}, Grantable: []string{"SELECT", "DESCRIBE"}}))
	invs, _, err := f.st.RAM.GetResourceShareInvitations(ctx, m, nil, nil, ram.Page{})
	require.NoError(t, err)
	require.Len(t, invs, 1)
	_, err = f.st.RAM.AcceptResourceShareInvitation(ctx, m, invs[0].ARN)
	require.NoError(t, err)

	wide := filter("owners", "accountid = '111'")
	wide.RowFilter = &lf.RowFilter{AllRowsWildcard: &struct{}{}}
	err = f.svc.UpdateDataCellsFilter(ctx, m, wide)
	requireCode(t, err, "AccessDeniedException", f.filtered.ARN)
	err = f.svc.DeleteDataCellsFilter(ctx, m, lf.FilterRef{Catalog: acct, Database: "sec", Table: "events", Name: "owners"})
	requireCode(t, err, "AccessDeniedException", f.filtered.ARN)
	a, err := f.svc.Access(ctx, f.filtered, f.table)
	require.NoError(t, err)
	require.Equal(t, "(accountid = '111')", a.RowFilter, "the owner's filter stands")

	// Its own filter, held by its own principal: created, updated, deleted.
	require.NoError(t, f.svc.CreateDataCellsFilter(ctx, m, filter("members", "region = 'eu-west-1'")))
	require.NoError(t, f.svc.GrantPermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: "arn:aws:iam::" + f.member + ":role/reader",
		Resource: filterRes("members"), Permissions: []string{"SELECT"}}))
	require.NoError(t, f.svc.UpdateDataCellsFilter(ctx, m, filter("members", "region = 'us-east-1'")))
	require.NoError(t, f.svc.DeleteDataCellsFilter(ctx, m, lf.FilterRef{Catalog: acct, Database: "sec", Table: "events", Name: "members"}))
}
