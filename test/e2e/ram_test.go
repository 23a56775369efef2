package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRAMSharesCLI drives AWS RAM with the aws CLI: a share of a Glue database with a member account (sharing with
// the organization off) is listed by its owner, invites the member, who sees nothing shared until it answers; a
// rejected invitation leaves the share unassociated; a share of another account's resource, a malformed ARN and
// the share's own account as principal are refused; deleting the share marks it DELETED.
func TestRAMSharesCLI(t *testing.T) {
	requireTool(t, "aws")
	s := startServer(t)
	member := memberAccount(t, s, "partner", "partner@example.com")
	mk := memberAdminKeys(t, s, member)
	asMember := func(args ...string) (string, error) { return s.awsAs(t, mk[0], mk[1], mk[2], args...) }
	_, err := s.aws(t, "glue", "create-database", "--database-input", `{"Name":"shared"}`)
	require.NoError(t, err)
	db := "arn:aws:glue:us-east-1:" + testAccount + ":database/shared"

	out, err := s.aws(t, "ram", "create-resource-share", "--name", "partners", "--resource-arns", db, "--principals", member)
	require.NoError(t, err)
	var created struct {
		ResourceShare struct{ ResourceShareArn, Status, OwningAccountId string }
	}
	decode(t, out, &created)
	require.Equal(t, "ACTIVE", created.ResourceShare.Status)
	require.Equal(t, testAccount, created.ResourceShare.OwningAccountId)
	arn := created.ResourceShare.ResourceShareArn

	out, err = s.aws(t, "ram", "get-resource-shares", "--resource-owner", "SELF")
	require.NoError(t, err)
	require.Contains(t, out, arn)
	out, err = s.aws(t, "ram", "get-resource-share-associations", "--association-type", "PRINCIPAL", "--resource-share-arns", arn)
	require.NoError(t, err)
	require.Contains(t, out, `"status": "ASSOCIATING"`)
	require.Contains(t, out, `"external": true`)
	out, err = asMember("ram", "get-resource-shares", "--resource-owner", "OTHER-ACCOUNTS")
	require.NoError(t, err)
	require.NotContains(t, out, arn, "not before the invitation is answered")

	out, err = asMember("ram", "get-resource-share-invitations", "--resource-share-arns", arn)
	require.NoError(t, err)
	var invs struct {
		ResourceShareInvitations []struct{ ResourceShareInvitationArn string }
	}
	decode(t, out, &invs)
	require.Len(t, invs.ResourceShareInvitations, 1)
	out, err = asMember("ram", "reject-resource-share-invitation", "--resource-share-invitation-arn", invs.ResourceShareInvitations[0].ResourceShareInvitationArn)
	require.NoError(t, err)
	require.Contains(t, out, `"REJECTED"`)
	_, err = asMember("ram", "accept-resource-share-invitation", "--resource-share-invitation-arn", invs.ResourceShareInvitations[0].ResourceShareInvitationArn)
	require.ErrorContains(t, err, "ResourceShareInvitationAlreadyRejectedException")
	out, err = asMember("ram", "list-resources", "--resource-owner", "OTHER-ACCOUNTS")
	require.NoError(t, err)
	require.NotContains(t, out, db)

	_, err = s.aws(t, "ram", "create-resource-share", "--name", "theirs", "--resource-arns", "arn:aws:glue:us-east-1:"+member+":database/x")
	require.ErrorContains(t, err, "UnknownResourceException")
	_, err = s.aws(t, "ram", "associate-resource-share", "--resource-share-arn", "not-an-arn", "--principals", member)
	require.ErrorContains(t, err, "MalformedArnException")
	_, err = s.aws(t, "ram", "associate-resource-share", "--resource-share-arn", arn, "--principals", testAccount)
	require.ErrorContains(t, err, "InvalidParameterException")

	out, err = s.aws(t, "ram", "delete-resource-share", "--resource-share-arn", arn)
	require.NoError(t, err)
	require.Contains(t, out, `"returnValue": true`)
	out, err = s.aws(t, "ram", "get-resource-shares", "--resource-owner", "SELF", "--resource-share-arns", arn)
	require.NoError(t, err)
	require.Contains(t, out, `"DELETED"`)
}
