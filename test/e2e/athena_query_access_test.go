package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestAthenaQueryAccessAcrossAccounts is the second guide's query-access flow end to end with the aws CLI, across
// two accounts of the organization: the lake account holds CloudTrail rows and creates a LAKEFORMATION subscriber
// for the member account; the member accepts the RAM invitation, creates a database and a resource link to the
// lake's CloudTrail table, and runs Athena over the link in its own account, its results in its own bucket:
// get-query-results returns the rows with their actor.user fields. Once the subscriber is deleted, the query over
// the link fails with Lake Formation's error naming the table.
func TestAthenaQueryAccessAcrossAccounts(t *testing.T) {
	s, want := cloudTrailLake(t, nil)
	lakeWithCloudTrail(t, s)
	member := memberAccount(t, s, "subscriber", "subscriber@example.com")
	mk := memberAdminKeys(t, s, member)
	asMember := func(out any, args ...string) {
		t.Helper()
		got, err := s.awsAs(t, mk[0], mk[1], mk[2], args...)
		require.NoError(t, err)
		if out != nil {
			require.NoError(t, json.Unmarshal([]byte(got), out), truncate(got, 300))
		}
	}

	var sub struct{ Subscriber struct{ SubscriberId string } }
	awsJSON(t, s, &sub, "securitylake", "create-subscriber", "--subscriber-name", "soc-queries", "--access-types", "LAKEFORMATION",
		"--subscriber-identity", "principal="+member+",externalId=ext-soc",
		"--sources", `[{"awsLogSource":{"sourceName":"CLOUD_TRAIL_MGMT","sourceVersion":"2.0"}}]`)
	var invs struct {
		ResourceShareInvitations []struct{ ResourceShareInvitationArn string }
	}
	asMember(&invs, "ram", "get-resource-share-invitations")
	require.Len(t, invs.ResourceShareInvitations, 1)
	asMember(nil, "ram", "accept-resource-share-invitation", "--resource-share-invitation-arn", invs.ResourceShareInvitations[0].ResourceShareInvitationArn)

	asMember(nil, "glue", "create-database", "--database-input", `{"Name":"security_lake_links"}`)
	asMember(nil, "glue", "create-table", "--database-name", "security_lake_links", "--table-input",
		`{"Name":"cloudtrail","TargetTable":{"CatalogId":"`+testAccount+`","DatabaseName":"`+lakeDatabase+`","Name":"`+cloudTrail+`"}}`)
	asMember(nil, "s3", "mb", "s3://soc-query-results")

	run := func(sql string) athenaExecution {
		t.Helper()
		var started struct{ QueryExecutionId string }
		asMember(&started, "athena", "start-query-execution", "--query-string", sql,
			"--query-execution-context", "Database=security_lake_links", "--result-configuration", "OutputLocation=s3://soc-query-results/athena/")
		deadline := time.Now().Add(3 * time.Minute)
		for {
			var x athenaExecution
			asMember(&x, "athena", "get-query-execution", "--query-execution-id", started.QueryExecutionId)
			if st := x.QueryExecution.Status.State; st == "SUCCEEDED" || st == "FAILED" || st == "CANCELLED" {
				return x
			}
			require.True(t, time.Now().Before(deadline), "query %s still %s", started.QueryExecutionId, x.QueryExecution.Status.State)
			time.Sleep(200 * time.Millisecond)
		}
	}

	x := run("SELECT actor.user.uid AS uid, actor.user.type AS type, api.operation AS operation FROM cloudtrail WHERE eventday < '20250101' ORDER BY time")
	require.Equal(t, "SUCCEEDED", x.QueryExecution.Status.State, x.QueryExecution.Status.StateChangeReason)
	var res athenaResults
	asMember(&res, "athena", "get-query-results", "--query-execution-id", x.QueryExecution.QueryExecutionId)
	require.Len(t, res.ResultSet.Rows, want+1, "a header row and every CloudTrail row of the lake account")
	require.Equal(t, "uid", *res.ResultSet.Rows[0].Data[0].VarCharValue)
	withUser := 0
	for _, r := range res.ResultSet.Rows[1:] {
		if v := r.Data[0].VarCharValue; v != nil && *v != "" {
			withUser++
		}
	}
	require.Positive(t, withUser, "the rows carry actor.user.uid")
	got, err := s.awsAs(t, mk[0], mk[1], mk[2], "s3", "cp", "s3://soc-query-results/athena/"+x.QueryExecution.QueryExecutionId+".csv", "-")
	require.NoError(t, err)
	require.Equal(t, want+1, strings.Count(got, "\n"), "the results are in the member's own bucket")

	count := run("SELECT count(*) FROM cloudtrail WHERE eventday < '20250101'")
	require.Equal(t, "SUCCEEDED", count.QueryExecution.Status.State, count.QueryExecution.Status.StateChangeReason)
	asMember(&res, "athena", "get-query-results", "--query-execution-id", count.QueryExecution.QueryExecutionId)
	require.Equal(t, strconv.Itoa(want), *res.ResultSet.Rows[1].Data[0].VarCharValue)

	// Deleting the subscriber revokes the grants: the link stays, the query over it is refused.
	awsJSON(t, s, nil, "securitylake", "delete-subscriber", "--subscriber-id", sub.Subscriber.SubscriberId)
	refused := run("SELECT count(*) FROM cloudtrail")
	require.Equal(t, "FAILED", refused.QueryExecution.Status.State)
	require.Contains(t, refused.QueryExecution.Status.StateChangeReason, "Insufficient Lake Formation permission(s)")
	require.Contains(t, refused.QueryExecution.Status.StateChangeReason, "cloud_trail_mgmt_2_0")
}
