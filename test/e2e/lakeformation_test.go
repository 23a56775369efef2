package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	slDatabase = "amazon_security_lake_glue_db_us_east_1"
	slTrail    = "amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0"
)

// lakeWithCloudTrail creates, with the aws CLI, the data lake in us-east-1 with the CloudTrail management source.
func lakeWithCloudTrail(t *testing.T, s *server) {
	t.Helper()
	_, err := s.aws(t, "securitylake", "create-data-lake", "--configurations", `[{"region":"us-east-1"}]`,
		"--meta-store-manager-role-arn", createMetaStoreRoleFor(t, s))
	require.NoError(t, err)
	_, err = s.app.SecurityLake().Provision(context.Background())
	require.NoError(t, err)
	_, err = s.aws(t, "securitylake", "create-aws-log-source", "--sources",
		`[{"regions":["us-east-1"],"sourceName":"CLOUD_TRAIL_MGMT","sourceVersion":"2.0"}]`)
	require.NoError(t, err)
}

func decode(t *testing.T, out string, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(out), v), "%.300s", out)
}

// TestLakeFormationSubscriberQueryAccess is the second guide's query-access flow up to the resource link, with the
// aws CLI across two accounts of the organization: a LAKEFORMATION subscriber created in the lake account comes
// back with its RAM share (LakeFormation-V3-…); the subscriber account cannot read the table's metadata until it
// accepts the invitation (sharing with the organization is off), then lists the shared table, creates a database
// and a resource link with `glue create-table … TargetTable`, and reads both the link and the target with
// `glue get-table`; the lake's data lake administrator lists the grants with the share; updating the subscriber's
// sources moves the grants (no new invitation); deleting the subscriber revokes them.
func TestLakeFormationSubscriberQueryAccess(t *testing.T) {
	requireTool(t, "aws")
	s := startServer(t)
	lakeWithCloudTrail(t, s)
	member := memberAccount(t, s, "subscriber", "subscriber@example.com")
	mk := memberAdminKeys(t, s, member)
	asMember := func(args ...string) (string, error) { return s.awsAs(t, mk[0], mk[1], mk[2], args...) }

	out, err := s.aws(t, "securitylake", "create-subscriber", "--subscriber-name", "query", "--access-types", "LAKEFORMATION",
		"--subscriber-identity", "principal="+member+",externalId=ext-query",
		"--sources", `[{"awsLogSource":{"sourceName":"CLOUD_TRAIL_MGMT","sourceVersion":"2.0"}}]`)
	require.NoError(t, err)
	var sub struct {
		Subscriber struct {
			SubscriberID, ResourceShareArn, ResourceShareName, RoleArn string
			AccessTypes                                                []string
		}
	}
	decode(t, out, &sub)
	require.Equal(t, []string{"LAKEFORMATION"}, sub.Subscriber.AccessTypes)
	require.True(t, strings.HasPrefix(sub.Subscriber.ResourceShareName, "LakeFormation-V3-"), sub.Subscriber.ResourceShareName)
	require.True(t, strings.HasPrefix(sub.Subscriber.ResourceShareArn, "arn:aws:ram:us-east-1:"+testAccount+":resource-share/"), sub.Subscriber.ResourceShareArn)
	require.Empty(t, sub.Subscriber.RoleArn, "query access creates no S3 role")

	target := []string{"glue", "get-table", "--catalog-id", testAccount, "--database-name", slDatabase, "--name", slTrail}
	_, err = asMember(target...)
	require.ErrorContains(t, err, "AccessDeniedException", "not before the share is accepted")

	out, err = asMember("ram", "get-resource-share-invitations")
	require.NoError(t, err)
	var invs struct {
		ResourceShareInvitations []struct{ ResourceShareInvitationArn, ResourceShareArn, SenderAccountId, ReceiverAccountId, Status string }
	}
	decode(t, out, &invs)
	require.Len(t, invs.ResourceShareInvitations, 1)
	inv := invs.ResourceShareInvitations[0]
	require.Equal(t, "PENDING", inv.Status)
	require.Equal(t, sub.Subscriber.ResourceShareArn, inv.ResourceShareArn)
	require.Equal(t, testAccount, inv.SenderAccountId)
	require.Equal(t, member, inv.ReceiverAccountId)
	out, err = asMember("ram", "accept-resource-share-invitation", "--resource-share-invitation-arn", inv.ResourceShareInvitationArn)
	require.NoError(t, err)
	require.Contains(t, out, `"ACCEPTED"`)
	_, err = asMember("ram", "accept-resource-share-invitation", "--resource-share-invitation-arn", inv.ResourceShareInvitationArn)
	require.ErrorContains(t, err, "ResourceShareInvitationAlreadyAcceptedException")

	out, err = asMember("ram", "list-resources", "--resource-owner", "OTHER-ACCOUNTS")
	require.NoError(t, err)
	require.Contains(t, out, "arn:aws:glue:us-east-1:"+testAccount+":table/"+slDatabase+"/"+slTrail)
	require.Contains(t, out, `"glue:Table"`)

	_, err = asMember("glue", "create-database", "--database-input", `{"Name":"security_lake_links"}`)
	require.NoError(t, err)
	_, err = asMember("glue", "create-table", "--database-name", "security_lake_links", "--table-input",
		`{"Name":"cloudtrail","TargetTable":{"CatalogId":"`+testAccount+`","DatabaseName":"`+slDatabase+`","Name":"`+slTrail+`"}}`)
	require.NoError(t, err)
	out, err = asMember("glue", "get-table", "--database-name", "security_lake_links", "--name", "cloudtrail")
	require.NoError(t, err)
	var link struct {
		Table struct {
			Name        string
			TargetTable struct{ CatalogId, DatabaseName, Name string }
		}
	}
	decode(t, out, &link)
	require.Equal(t, testAccount, link.Table.TargetTable.CatalogId)
	require.Equal(t, slTrail, link.Table.TargetTable.Name)
	out, err = asMember(target...)
	require.NoError(t, err)
	var got struct {
		Table struct {
			Name              string
			StorageDescriptor struct{ Columns []struct{ Name string } }
		}
	}
	decode(t, out, &got)
	require.Equal(t, slTrail, got.Table.Name)
	require.NotEmpty(t, got.Table.StorageDescriptor.Columns)
	_, err = asMember("glue", "delete-table", "--catalog-id", testAccount, "--database-name", slDatabase, "--name", slTrail)
	require.ErrorContains(t, err, "AccessDeniedException", "a grant lets the account read, not change, the lake's catalog")

	// The lake account's data lake administrator sees the grants and the share.
	keyID, secret := adminUser(t, s, "lfadmin")
	_, err = s.aws(t, "lakeformation", "put-data-lake-settings", "--data-lake-settings",
		`{"DataLakeAdmins":[{"DataLakePrincipalIdentifier":"arn:aws:iam::`+testAccount+`:user/lfadmin"}]}`)
	require.NoError(t, err)
	out, err = s.awsAs(t, keyID, secret, "", "lakeformation", "list-permissions", "--principal", "DataLakePrincipalIdentifier="+member)
	require.NoError(t, err)
	var perms struct {
		PrincipalResourcePermissions []struct {
			Resource          map[string]json.RawMessage
			Permissions       []string
			AdditionalDetails struct{ ResourceShare []string }
		}
	}
	decode(t, out, &perms)
	require.Len(t, perms.PrincipalResourcePermissions, 2, "DESCRIBE on the database, SELECT and DESCRIBE on the table")
	for _, p := range perms.PrincipalResourcePermissions {
		require.Equal(t, []string{sub.Subscriber.ResourceShareArn}, p.AdditionalDetails.ResourceShare)
		if _, ok := p.Resource["Table"]; ok {
			require.ElementsMatch(t, []string{"SELECT", "DESCRIBE"}, p.Permissions)
		}
	}

	// update-subscriber follows the sources: VPC flow instead of CloudTrail, with no new invitation.
	_, err = s.aws(t, "securitylake", "update-subscriber", "--subscriber-id", sub.Subscriber.SubscriberID,
		"--sources", `[{"awsLogSource":{"sourceName":"VPC_FLOW","sourceVersion":"2.0"}}]`)
	require.NoError(t, err)
	_, err = asMember(target...)
	require.ErrorContains(t, err, "AccessDeniedException", "the dropped source's table is no longer shared")
	flows := []string{"glue", "get-table", "--catalog-id", testAccount, "--database-name", slDatabase,
		"--name", "amazon_security_lake_table_us_east_1_vpc_flow_2_0"}
	_, err = asMember(flows...)
	require.NoError(t, err)
	out, err = asMember("ram", "get-resource-share-invitations")
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(out, "resourceShareInvitationArn"), "the share stayed associated")

	_, err = s.aws(t, "securitylake", "delete-subscriber", "--subscriber-id", sub.Subscriber.SubscriberID)
	require.NoError(t, err)
	_, err = asMember(flows...)
	require.ErrorContains(t, err, "AccessDeniedException", "deleting the subscriber revokes its grants")
}

// TestLakeFormationOrganizationAutoAccept: once the management account enables sharing with AWS Organizations, a
// LAKEFORMATION subscriber in the organization needs no invitation: the share is associated at once.
func TestLakeFormationOrganizationAutoAccept(t *testing.T) {
	requireTool(t, "aws")
	s := startServer(t)
	lakeWithCloudTrail(t, s)
	out, err := s.aws(t, "ram", "enable-sharing-with-aws-organization")
	require.NoError(t, err)
	require.Contains(t, out, `"returnValue": true`)
	member := memberAccount(t, s, "subscriber", "subscriber@example.com")
	mk := memberAdminKeys(t, s, member)
	_, err = s.awsAs(t, mk[0], mk[1], mk[2], "ram", "enable-sharing-with-aws-organization")
	require.ErrorContains(t, err, "OperationNotPermittedException")

	_, err = s.aws(t, "securitylake", "create-subscriber", "--subscriber-name", "query", "--access-types", "LAKEFORMATION",
		"--subscriber-identity", "principal="+member+",externalId=ext-query",
		"--sources", `[{"awsLogSource":{"sourceName":"CLOUD_TRAIL_MGMT","sourceVersion":"2.0"}}]`)
	require.NoError(t, err)
	out, err = s.awsAs(t, mk[0], mk[1], mk[2], "ram", "get-resource-share-invitations")
	require.NoError(t, err)
	require.Contains(t, out, `"resourceShareInvitations": []`)
	out, err = s.aws(t, "ram", "get-resource-share-associations", "--association-type", "PRINCIPAL")
	require.NoError(t, err)
	require.Contains(t, out, `"associatedEntity": "`+member+`"`)
	require.Contains(t, out, `"status": "ASSOCIATED"`)
	_, err = s.awsAs(t, mk[0], mk[1], mk[2], "glue", "get-table", "--catalog-id", testAccount, "--database-name", slDatabase, "--name", slTrail)
	require.NoError(t, err)
}
