package lakeformation_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/app/stacktest"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/iam"
	lf "github.com/seclake/seclake/internal/lakeformation"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/ram"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
)

var ctx = context.Background()

func root(account string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account},
		Region: region}
}

func requireCode(t *testing.T, err error, code, contains string) {
	t.Helper()
	ae, ok := awserr.As(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, code, ae.Code, ae.Message)
	require.Contains(t, ae.Message, contains)
}

// fixture is a management account with a Hive table sec.events, three users allowed GetDataAccess (admin, the
// data lake administrator once settings are put; analyst; filtered) and a member account.
type fixture struct {
	st                       *stack.Stack
	svc                      *lf.Service
	admin, analyst, filtered *actor.Caller
	member                   string
	table                    lf.TableRef
}

func newFixture(t testing.TB) *fixture {
	st := stacktest.Start(t, clock.NewFake(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)))
	_, err := st.IAM.Bootstrap(ctx, iam.BootstrapInput{AccountID: acct})
	require.NoError(t, err)
	r := root(acct)
	f := &fixture{st: st, svc: st.LakeFormation, table: lf.TableRef{Catalog: acct, Region: region, Database: "sec", Table: "events"}}
	user := func(name string) *actor.Caller {
		_, err := st.IAM.CreateUser(ctx, r, iam.CreateUserInput{Name: name, Path: "/"})
		require.NoError(t, err)
		require.NoError(t, st.IAM.PutInlinePolicy(ctx, r, iam.KindUser, name, "data",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["lakeformation:*","glue:*"],"Resource":"*"}]}`))
		arn := "arn:aws:iam::" + acct + ":user/" + name
		return &actor.Caller{Identity: actor.Identity{Type: actor.TypeUser, Account: acct, ARN: arn, ID: "AIDA" + name, Name: name}, Region: region}
	}
	f.admin, f.analyst, f.filtered = user("admin"), user("analyst"), user("filtered")
	status, err := st.IAM.CreateAccount(ctx, r, iam.CreateAccountInput{Email: "sub@example.com", Name: "sub"})
	require.NoError(t, err)
	f.member = status.AccountID
	if f.member == "" {
		accts, _, err := st.IAM.ListAccounts(ctx, r, "", "", 20)
		require.NoError(t, err)
		for _, a := range accts {
			if a.Name == "sub" {
				f.member = a.ID
			}
		}
	}
	sc := datacatalog.ScopeOf(r, "")
	require.NoError(t, st.Catalog.CreateDatabase(ctx, r, sc, datacatalog.Database{Name: "sec"}))
	input, _ := json.Marshal(map[string]any{"Name": "events", "StorageDescriptor": map[string]any{"Columns": []map[string]string{
		{"Name": "accountid", "Type": "string"}, {"Name": "region", "Type": "string"}, {"Name": "actor", "Type": "struct<user:struct<name:string>>"},
		{"Name": "severity_id", "Type": "int"}}}})
	require.NoError(t, st.Catalog.CreateTable(ctx, r, sc, "sec", input))
	return f
}

func (f *fixture) govern(t *testing.T) {
	require.NoError(t, f.svc.PutDataLakeSettings(ctx, root(acct), "", lf.Settings{DataLakeAdmins: []lf.Principal{{ID: f.admin.ARN}}}))
}

func tableRes() lf.Resource {
	return lf.Resource{Table: &lf.TableResource{DatabaseName: "sec", Name: "events"}}
}

func columnsRes(cols ...string) lf.Resource {
	return lf.Resource{TableWithColumns: &lf.TableWithColumnsResource{DatabaseName: "sec", Name: "events", ColumnNames: cols}}
}

// TestGovernorContract: a table under IAM alone is read by the caller itself; once governed, a caller without a
// grant gets Athena's error, a column grant gives those columns, data cells filters give the OR of their rows and
// the union of their columns, and the reader is Lake Formation acting for the table's account.
func TestGovernorContract(t *testing.T) {
	f := newFixture(t)
	a, err := f.svc.Access(ctx, f.analyst, f.table)
	require.NoError(t, err)
	require.False(t, a.Governed)
	require.Same(t, f.analyst, a.Reader)

	f.govern(t)
	_, err = f.svc.Access(ctx, f.analyst, f.table)
	requireCode(t, err, "AccessDeniedException", "Insufficient Lake Formation permission(s): Required Select on events")

	err = f.svc.GrantPermissions(ctx, f.analyst, lf.GrantInput{Principal: f.analyst.ARN, Resource: tableRes(), Permissions: []string{"SELECT"}})
	requireCode(t, err, "AccessDeniedException", "holds no SELECT with the grant option")

	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.analyst.ARN, Resource: columnsRes("region", "accountid"),
		Permissions: []string{"SELECT"}}))
	a, err = f.svc.Access(ctx, f.analyst, f.table)
	require.NoError(t, err)
	require.True(t, a.Governed)
	require.Equal(t, []string{"accountid", "region"}, a.Columns)
	require.Empty(t, a.RowFilter)
	require.Equal(t, lf.DataAccessRoleARN(acct), a.Reader.Session.RoleARN)
	require.Equal(t, lf.ServicePrincipal, a.Reader.InvokedBy)
	require.Equal(t, acct, a.Reader.Source.Account)

	filter := func(name, expr string, cols []string, wildcard *lf.ColumnWildcard) lf.DataCellsFilter {
		return lf.DataCellsFilter{TableCatalogID: acct, DatabaseName: "sec", TableName: "events", Name: name,
			RowFilter: &lf.RowFilter{FilterExpression: expr}, ColumnNames: cols, ColumnWildcard: wildcard}
	}
	require.NoError(t, f.svc.CreateDataCellsFilter(ctx, f.admin, filter("mine", "accountid = '111'", []string{"accountid", "severity_id"}, nil)))
	require.NoError(t, f.svc.CreateDataCellsFilter(ctx, f.admin, filter("eu", "region = 'eu-west-1'", nil, &lf.ColumnWildcard{ExcludedColumnNames: []string{"actor"}})))
	err = f.svc.CreateDataCellsFilter(ctx, f.admin, filter("bad", "nosuch = 1", nil, &lf.ColumnWildcard{}))
	requireCode(t, err, "InvalidInputException", "nosuch")
	err = f.svc.CreateDataCellsFilter(ctx, f.admin, filter("bad", "accountid = ", nil, &lf.ColumnWildcard{}))
	requireCode(t, err, "InvalidInputException", "Invalid FilterExpression")
	err = f.svc.CreateDataCellsFilter(ctx, f.admin, filter("mine", "TRUE", nil, &lf.ColumnWildcard{}))
	requireCode(t, err, "AlreadyExistsException", "mine")

	onFilter := func(name string) lf.Resource {
		return lf.Resource{DataCellsFilter: &lf.DataCellsFilterResource{TableCatalogID: acct, DatabaseName: "sec", TableName: "events", Name: name}}
	}
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.filtered.ARN, Resource: onFilter("mine"), Permissions: []string{"SELECT"}}))
	a, err = f.svc.Access(ctx, f.filtered, f.table)
	require.NoError(t, err)
	require.Equal(t, []string{"accountid", "severity_id"}, a.Columns)
	require.Equal(t, "(accountid = '111')", a.RowFilter)
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.filtered.ARN, Resource: onFilter("eu"), Permissions: []string{"SELECT"}}))
	a, err = f.svc.Access(ctx, f.filtered, f.table)
	require.NoError(t, err)
	require.Equal(t, []string{"accountid", "region", "severity_id"}, a.Columns)
	require.Equal(t, "((region = 'eu-west-1')) OR ((accountid = '111'))", a.RowFilter, "the filters' rows, in the order of their names")

	// A whole-table grant lifts the filters; revoking it brings them back.
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.filtered.ARN, Resource: tableRes(), Permissions: []string{"SELECT"}}))
	a, err = f.svc.Access(ctx, f.filtered, f.table)
	require.NoError(t, err)
	require.Equal(t, []string{"accountid", "region", "actor", "severity_id"}, a.Columns)
	require.Empty(t, a.RowFilter)
	require.NoError(t, f.svc.RevokePermissions(ctx, f.admin, lf.GrantInput{Principal: f.filtered.ARN, Resource: tableRes(), Permissions: []string{"SELECT"}}))
	a, err = f.svc.Access(ctx, f.filtered, f.table)
	require.NoError(t, err)
	require.NotEmpty(t, a.RowFilter)

	// Deleting a filter drops the grants on it.
	require.NoError(t, f.svc.DeleteDataCellsFilter(ctx, f.admin, lf.FilterRef{Catalog: acct, Database: "sec", Table: "events", Name: "eu"}))
	a, err = f.svc.Access(ctx, f.filtered, f.table)
	require.NoError(t, err)
	require.Equal(t, "(accountid = '111')", a.RowFilter)

	grants, _, err := f.svc.ListPermissions(ctx, f.admin, lf.PermissionsFilter{}, lf.Page{})
	require.NoError(t, err)
	require.Len(t, grants, 2)
	mine, _, err := f.svc.ListPermissions(ctx, f.analyst, lf.PermissionsFilter{}, lf.Page{})
	require.NoError(t, err)
	require.Len(t, mine, 1, "a principal that is not an administrator lists its own grants")
}

// TestCrossAccountGrant: a grant to another account shares the table through RAM; it takes effect once the
// member accepts the invitation (sharing with the organization is off), and then the member's principals read the
// whole table as Lake Formation; revoking it ends the share.
func TestCrossAccountGrant(t *testing.T) {
	f := newFixture(t)
	f.govern(t)
	m := root(f.member)
	_, err := f.svc.Access(ctx, m, f.table)
	requireCode(t, err, "AccessDeniedException", "Required Select on events")

	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.member, Resource: tableRes(),
		Permissions: []string{"SELECT", "DESCRIBE"}}))
	_, err = f.svc.Access(ctx, m, f.table)
	requireCode(t, err, "AccessDeniedException", "Required Select on events")
	ok, err := f.svc.Describable(ctx, m, acct, region, "sec", "events")
	require.NoError(t, err)
	require.False(t, ok, "not before the invitation is accepted")

	invs, _, err := f.st.RAM.GetResourceShareInvitations(ctx, m, nil, nil, ram.Page{})
	require.NoError(t, err)
	require.Len(t, invs, 1)
	require.Equal(t, lf.ShareName(acct, region, "sec"), invs[0].ShareName)
	require.Equal(t, ram.InvitationPending, invs[0].Status)
	_, err = f.st.RAM.AcceptResourceShareInvitation(ctx, m, invs[0].ARN)
	require.NoError(t, err)

	a, err := f.svc.Access(ctx, m, f.table)
	require.NoError(t, err)
	require.True(t, a.Governed)
	require.Equal(t, []string{"accountid", "region", "actor", "severity_id"}, a.Columns)
	require.Equal(t, acct, a.Reader.Source.Account)
	ok, err = f.svc.Describable(ctx, m, acct, region, "sec", "events")
	require.NoError(t, err)
	require.True(t, ok)
	other, _ := json.Marshal(map[string]any{"Name": "other", "StorageDescriptor": map[string]any{"Columns": []map[string]string{{"Name": "x", "Type": "int"}}}})
	require.NoError(t, f.st.Catalog.CreateTable(ctx, root(acct), datacatalog.ScopeOf(root(acct), ""), "sec", other))
	tables, err := f.st.Catalog.Tables(ctx, m, datacatalog.Scope{Account: acct, Region: region}, "sec")
	require.NoError(t, err)
	require.Len(t, tables, 1, "another account lists only the tables granted to it")
	require.Equal(t, "events", tables[0].Name)
	_, err = f.st.Catalog.Table(ctx, m, datacatalog.Scope{Account: acct, Region: region}, "sec", "other")
	requireCode(t, err, "AccessDeniedException", "glue:GetTable")

	grants, _, err := f.svc.ListPermissions(ctx, f.admin, lf.PermissionsFilter{Principal: f.member}, lf.Page{})
	require.NoError(t, err)
	require.Len(t, grants, 1)
	require.Equal(t, invs[0].ShareARN, grants[0].ShareARN)

	require.NoError(t, f.svc.RevokePermissions(ctx, f.admin, lf.GrantInput{Principal: f.member, Resource: tableRes(),
		Permissions: []string{"SELECT", "DESCRIBE"}}))
	_, err = f.svc.Access(ctx, m, f.table)
	requireCode(t, err, "AccessDeniedException", "Required Select on events")
}

// TestOrganizationSharing: with sharing enabled by the management account, a grant to the organization reaches a
// member without an invitation; only the management account enables it.
func TestOrganizationSharing(t *testing.T) {
	f := newFixture(t)
	f.govern(t)
	err := f.st.RAM.EnableSharingWithAwsOrganization(ctx, root(f.member))
	requireCode(t, err, "OperationNotPermittedException", "management account")
	orgID, _, err := f.st.IAM.OrgPath(ctx, acct)
	require.NoError(t, err)
	orgARN := "arn:aws:organizations::" + acct + ":organization/" + orgID
	err = f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: orgARN, Resource: tableRes(), Permissions: []string{"SELECT"}})
	requireCode(t, err, "OperationNotPermittedException", "sharing with AWS Organizations is not enabled")

	require.NoError(t, f.st.RAM.EnableSharingWithAwsOrganization(ctx, root(acct)))
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: orgARN, Resource: tableRes(), Permissions: []string{"SELECT"}}))
	a, err := f.svc.Access(ctx, root(f.member), f.table)
	require.NoError(t, err)
	require.True(t, a.Governed)
	invs, _, err := f.st.RAM.GetResourceShareInvitations(ctx, root(f.member), nil, nil, ram.Page{})
	require.NoError(t, err)
	require.Empty(t, invs)
}

// TestReaderReadsTheLake: the Reader of a governed Security Lake table is a session of the lake account's
// AWSServiceRoleForLakeFormationDataAccess (created on first use), whose AWS managed policy lets it list and read
// the lake's files; Lake Formation's bare principal acting for another account reads nothing of the lake.
func TestReaderReadsTheLake(t *testing.T) {
	f := newFixture(t)
	f.govern(t)
	info, err := f.st.Lakes.Create(ctx, root(acct), region, "")
	require.NoError(t, err)
	l, err := f.st.Lakes.Open(ctx, acct, region)
	require.NoError(t, err)
	src, err := table.AWS("CLOUD_TRAIL_MGMT")
	require.NoError(t, err)
	tb, err := l.Table(ctx, src)
	require.NoError(t, err)
	ref := lf.TableRef{Catalog: acct, Region: region, Database: tb.Identifier()[0], Table: tb.Name()}

	_, err = f.svc.Access(ctx, f.analyst, ref)
	requireCode(t, err, "AccessDeniedException", "Required Select on "+tb.Name())
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: f.analyst.ARN,
		Resource: lf.Resource{Table: &lf.TableResource{DatabaseName: ref.Database, Name: ref.Table}}, Permissions: []string{"SELECT"}}))
	a, err := f.svc.Access(ctx, f.analyst, ref)
	require.NoError(t, err)
	require.True(t, a.Governed, "the settings leave new tables to Lake Formation")
	require.Equal(t, lf.DataAccessRoleARN(acct), a.Reader.Session.RoleARN)
	require.True(t, f.svc.Reader(a.Reader, acct))
	require.False(t, f.svc.Reader(a.Reader, f.member))

	key := "aws/CLOUD_TRAIL_MGMT/2.0/region=us-east-1/accountid=" + acct + "/eventDay=20261201/part.parquet"
	_, err = f.st.Objects.PutObject(ctx, root(acct), objstore.PutInput{Bucket: info.Bucket, Key: key,
		Body: strings.NewReader("PAR1 rows PAR1"), Size: 14})
	require.NoError(t, err)
	list, err := f.st.Objects.ListObjects(ctx, a.Reader, objstore.ListInput{Bucket: info.Bucket, Prefix: "aws/CLOUD_TRAIL_MGMT/", MaxKeys: 1000})
	require.NoError(t, err)
	require.Len(t, list.Objects, 2, "the table's metadata and the data file")
	got, err := f.st.Objects.GetObject(ctx, a.Reader, objstore.GetInput{Bucket: info.Bucket, Key: key})
	require.NoError(t, err)
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	require.NoError(t, got.Body.Close())
	require.True(t, string(body) == "PAR1 rows PAR1", "the data file's bytes (%d read)", len(body))

	other := actor.ServicePrincipal(lf.ServicePrincipal, region, time.Now(), actor.Source{Account: f.member})
	_, err = f.st.Objects.GetObject(ctx, other, objstore.GetInput{Bucket: info.Bucket, Key: key})
	require.Error(t, err, "Lake Formation acting for another account reads nothing of this lake")
}

// TestOrganizationalUnitGrant: a grant to an OU reaches the accounts under it (sharing with the organization on),
// and not an account moved out of it.
func TestOrganizationalUnitGrant(t *testing.T) {
	f := newFixture(t)
	f.govern(t)
	r := root(acct)
	require.NoError(t, f.st.RAM.EnableSharingWithAwsOrganization(ctx, r))
	roots, err := f.st.IAM.ListRoots(ctx, r)
	require.NoError(t, err)
	ou, err := f.st.IAM.CreateOrganizationalUnit(ctx, r, roots[0].ID, "security")
	require.NoError(t, err)
	require.NoError(t, f.st.IAM.MoveAccount(ctx, r, f.member, roots[0].ID, ou.ID))
	ouARN := ou.ARN
	if ouARN == "" {
		orgID, _, err := f.st.IAM.OrgPath(ctx, acct)
		require.NoError(t, err)
		ouARN = "arn:aws:organizations::" + acct + ":ou/" + orgID + "/" + ou.ID
	}
	require.NoError(t, f.svc.GrantPermissions(ctx, f.admin, lf.GrantInput{Principal: ouARN, Resource: tableRes(), Permissions: []string{"SELECT"}}))
	a, err := f.svc.Access(ctx, root(f.member), f.table)
	require.NoError(t, err)
	require.True(t, a.Governed)

	require.NoError(t, f.st.IAM.MoveAccount(ctx, r, f.member, ou.ID, roots[0].ID))
	_, err = f.svc.Access(ctx, root(f.member), f.table)
	requireCode(t, err, "AccessDeniedException", "Required Select on events")
}
