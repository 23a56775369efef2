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
	// The owner's principals: neither granted to nor revoked from.
	err = f.svc.GrantPermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: f.filtered.ARN, Resource: res, Permissions: []string{"SELECT"}})
	requireCode(t, err, "AccessDeniedException", f.filtered.ARN)
	err = f.svc.RevokePermissions(ctx, m, lf.GrantInput{CatalogID: acct, Principal: f.analyst.ARN, Resource: res, Permissions: []string{"SELECT"}})
	requireCode(t, err, "AccessDeniedException", f.analyst.ARN)
	_, err = f.svc.Access(ctx, f.analyst, f.table)
	require.NoError(t, err)
}
