package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLakeFormationGrantsCLI drives Lake Formation's permissions with the aws CLI in one account: the root user
// names a data lake administrator; the administrator grants columns of a Glue table to an analyst (listed back
// with ListPermissions, its filters and pages), a batch with one bad entry reports that entry only, data cells
// filters are created (a predicate over a missing column refused), read, updated (new version), listed and
// deleted; a user without a grant option may not grant; a revoke takes the grant away; locations register.
func TestLakeFormationGrantsCLI(t *testing.T) {
	requireTool(t, "aws")
	s := startServer(t)
	adminKey, adminSecret := adminUser(t, s, "lfadmin")
	analystKey, analystSecret := adminUser(t, s, "analyst")
	admin := func(args ...string) (string, error) { return s.awsAs(t, adminKey, adminSecret, "", args...) }
	analystARN := "arn:aws:iam::" + testAccount + ":user/analyst"

	_, err := s.aws(t, "lakeformation", "put-data-lake-settings", "--data-lake-settings",
		`{"DataLakeAdmins":[{"DataLakePrincipalIdentifier":"arn:aws:iam::`+testAccount+`:user/lfadmin"}],"CreateTableDefaultPermissions":[],"CreateDatabaseDefaultPermissions":[]}`)
	require.NoError(t, err)
	out, err := admin("lakeformation", "get-data-lake-settings")
	require.NoError(t, err)
	require.Contains(t, out, "user/lfadmin")

	_, err = admin("glue", "create-database", "--database-input", `{"Name":"sec"}`)
	require.NoError(t, err)
	_, err = admin("glue", "create-table", "--database-name", "sec", "--table-input",
		`{"Name":"events","StorageDescriptor":{"Columns":[{"Name":"accountid","Type":"string"},{"Name":"region","Type":"string"},{"Name":"severity_id","Type":"int"}]}}`)
	require.NoError(t, err)

	cols := `{"TableWithColumns":{"DatabaseName":"sec","Name":"events","ColumnNames":["accountid","region"]}}`
	_, err = s.awsAs(t, analystKey, analystSecret, "", "lakeformation", "grant-permissions", "--principal",
		"DataLakePrincipalIdentifier="+analystARN, "--resource", cols, "--permissions", "SELECT")
	require.ErrorContains(t, err, "AccessDeniedException")
	_, err = admin("lakeformation", "grant-permissions", "--principal", "DataLakePrincipalIdentifier="+analystARN,
		"--resource", cols, "--permissions", "SELECT")
	require.NoError(t, err)
	_, err = admin("lakeformation", "grant-permissions", "--principal", "DataLakePrincipalIdentifier="+analystARN,
		"--resource", `{"Table":{"DatabaseName":"sec","Name":"nosuch"}}`, "--permissions", "SELECT")
	require.ErrorContains(t, err, "EntityNotFoundException")
	_, err = admin("lakeformation", "grant-permissions", "--principal", "DataLakePrincipalIdentifier="+analystARN,
		"--resource", `{"Database":{"Name":"sec"}}`, "--permissions", "SELECT")
	require.ErrorContains(t, err, "InvalidInputException")

	out, err = admin("lakeformation", "batch-grant-permissions", "--entries",
		`[{"Id":"1","Principal":{"DataLakePrincipalIdentifier":"`+analystARN+`"},"Resource":{"Database":{"Name":"sec"}},"Permissions":["DESCRIBE"]},`+
			`{"Id":"2","Principal":{"DataLakePrincipalIdentifier":"`+analystARN+`"},"Resource":{"Table":{"DatabaseName":"sec","Name":"missing"}},"Permissions":["SELECT"]}]`)
	require.NoError(t, err)
	var batch struct {
		Failures []struct {
			RequestEntry struct{ Id string }
			Error        struct{ ErrorCode string }
		}
	}
	decode(t, out, &batch)
	require.Len(t, batch.Failures, 1)
	require.Equal(t, "2", batch.Failures[0].RequestEntry.Id)
	require.Equal(t, "EntityNotFoundException", batch.Failures[0].Error.ErrorCode)

	var perms struct {
		PrincipalResourcePermissions []struct {
			Principal   struct{ DataLakePrincipalIdentifier string }
			Permissions []string
		}
		NextToken string
	}
	out, err = admin("lakeformation", "list-permissions", "--resource-type", "TABLE")
	require.NoError(t, err)
	decode(t, out, &perms)
	require.Len(t, perms.PrincipalResourcePermissions, 1)
	require.Equal(t, analystARN, perms.PrincipalResourcePermissions[0].Principal.DataLakePrincipalIdentifier)
	out, err = admin("lakeformation", "list-permissions", "--max-results", "1", "--no-paginate")
	require.NoError(t, err)
	perms.NextToken = ""
	decode(t, out, &perms)
	require.Len(t, perms.PrincipalResourcePermissions, 1)
	require.NotEmpty(t, perms.NextToken, "two grants, pages of one")
	out, err = admin("lakeformation", "list-permissions", "--max-results", "1", "--no-paginate", "--next-token", perms.NextToken)
	require.NoError(t, err)
	require.Contains(t, out, "DESCRIBE")

	filter := func(name, expr string) string {
		return `{"TableCatalogId":"` + testAccount + `","DatabaseName":"sec","TableName":"events","Name":"` + name +
			`","RowFilter":{"FilterExpression":"` + expr + `"},"ColumnWildcard":{"ExcludedColumnNames":["severity_id"]}}`
	}
	_, err = admin("lakeformation", "create-data-cells-filter", "--table-data", filter("mine", "accountid = '111122223333'"))
	require.NoError(t, err)
	_, err = admin("lakeformation", "create-data-cells-filter", "--table-data", filter("bad", "nosuch = 1"))
	require.ErrorContains(t, err, "InvalidInputException")
	require.ErrorContains(t, err, "nosuch")
	_, err = admin("lakeformation", "update-data-cells-filter", "--table-data", filter("mine", "region IN ('us-east-1', 'eu-west-1')"))
	require.NoError(t, err)
	out, err = admin("lakeformation", "get-data-cells-filter", "--table-catalog-id", testAccount, "--database-name", "sec",
		"--table-name", "events", "--name", "mine")
	require.NoError(t, err)
	require.Contains(t, out, `"VersionId": "1"`)
	require.Contains(t, out, "eu-west-1")
	out, err = admin("lakeformation", "list-data-cells-filter", "--table", "DatabaseName=sec,Name=events")
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(out, `"Name": "mine"`))
	_, err = admin("lakeformation", "grant-permissions", "--principal", "DataLakePrincipalIdentifier="+analystARN, "--resource",
		`{"DataCellsFilter":{"TableCatalogId":"`+testAccount+`","DatabaseName":"sec","TableName":"events","Name":"mine"}}`, "--permissions", "SELECT")
	require.NoError(t, err)
	_, err = admin("lakeformation", "delete-data-cells-filter", "--table-catalog-id", testAccount, "--database-name", "sec",
		"--table-name", "events", "--name", "mine")
	require.NoError(t, err)
	_, err = admin("lakeformation", "get-data-cells-filter", "--table-catalog-id", testAccount, "--database-name", "sec",
		"--table-name", "events", "--name", "mine")
	require.ErrorContains(t, err, "EntityNotFoundException")

	_, err = admin("lakeformation", "revoke-permissions", "--principal", "DataLakePrincipalIdentifier="+analystARN,
		"--resource", cols, "--permissions", "SELECT")
	require.NoError(t, err)
	_, err = admin("lakeformation", "revoke-permissions", "--principal", "DataLakePrincipalIdentifier="+analystARN,
		"--resource", cols, "--permissions", "SELECT")
	require.ErrorContains(t, err, "No permissions revoked")
	out, err = s.awsAs(t, analystKey, analystSecret, "", "lakeformation", "list-permissions", "--resource-type", "TABLE")
	require.NoError(t, err)
	require.Contains(t, out, `"PrincipalResourcePermissions": []`)

	_, err = admin("lakeformation", "register-resource", "--resource-arn", "arn:aws:s3:::raw-logs/cloudtrail", "--use-service-linked-role")
	require.NoError(t, err)
	out, err = admin("lakeformation", "list-resources")
	require.NoError(t, err)
	require.Contains(t, out, "arn:aws:s3:::raw-logs/cloudtrail")
	require.Contains(t, out, "AWSServiceRoleForLakeFormationDataAccess")
	_, err = admin("lakeformation", "register-resource", "--resource-arn", "arn:aws:s3:::raw-logs/cloudtrail", "--use-service-linked-role")
	require.ErrorContains(t, err, "AlreadyExistsException")
	_, err = admin("lakeformation", "deregister-resource", "--resource-arn", "arn:aws:s3:::raw-logs/cloudtrail")
	require.NoError(t, err)
}
