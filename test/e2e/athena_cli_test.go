package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// awsJSON runs the aws CLI as root and decodes its JSON output.
func awsJSON(t *testing.T, s *server, out any, args ...string) {
	t.Helper()
	got, err := s.aws(t, args...)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal([]byte(got), out), truncate(got, 300))
	}
}

// TestAthenaWorkGroupsAndNamedQueriesWithTheCLI: primary exists; a work group with an SSE-KMS result
// configuration is created, read, listed, disabled (queries refused), and deleted; primary cannot be; named
// queries are saved, read one and in batches (an unknown ID unprocessed), listed and deleted; a query with no
// output location anywhere gets Athena's error.
func TestAthenaWorkGroupsAndNamedQueriesWithTheCLI(t *testing.T) {
	s := startServer(t)
	var primary struct{ WorkGroup struct{ Name, State string } }
	awsJSON(t, s, &primary, "athena", "get-work-group", "--work-group", "primary")
	require.Equal(t, "ENABLED", primary.WorkGroup.State)

	_, err := s.aws(t, "athena", "start-query-execution", "--query-string", "SELECT 1")
	require.ErrorContains(t, err, "InvalidRequestException")
	require.ErrorContains(t, err, "No output location provided. An output location is required either through the Workgroup result configuration setting or as an API input.")

	var key struct{ KeyMetadata struct{ Arn string } }
	awsJSON(t, s, &key, "kms", "create-key")
	awsJSON(t, s, nil, "athena", "create-work-group", "--name", "soc", "--description", "the SOC's queries", "--configuration",
		`{"ResultConfiguration":{"OutputLocation":"s3://soc-results/athena/","EncryptionConfiguration":{"EncryptionOption":"SSE_KMS","KmsKey":"`+key.KeyMetadata.Arn+`"}},"EnforceWorkGroupConfiguration":true}`)
	var wg struct {
		WorkGroup struct {
			Name, State, Description string
			Configuration            struct {
				ResultConfiguration struct {
					OutputLocation          string
					EncryptionConfiguration struct{ EncryptionOption, KmsKey string }
				}
				EnforceWorkGroupConfiguration bool
			}
		}
	}
	awsJSON(t, s, &wg, "athena", "get-work-group", "--work-group", "soc")
	require.Equal(t, "the SOC's queries", wg.WorkGroup.Description)
	require.Equal(t, "s3://soc-results/athena/", wg.WorkGroup.Configuration.ResultConfiguration.OutputLocation)
	require.Equal(t, "SSE_KMS", wg.WorkGroup.Configuration.ResultConfiguration.EncryptionConfiguration.EncryptionOption)
	require.Equal(t, key.KeyMetadata.Arn, wg.WorkGroup.Configuration.ResultConfiguration.EncryptionConfiguration.KmsKey)
	require.True(t, wg.WorkGroup.Configuration.EnforceWorkGroupConfiguration)

	_, err = s.aws(t, "athena", "create-work-group", "--name", "soc")
	require.ErrorContains(t, err, "WorkGroup soc is already created")
	_, err = s.aws(t, "athena", "create-work-group", "--name", "bad", "--configuration", `{"ResultConfiguration":{"EncryptionConfiguration":{"EncryptionOption":"SSE_KMS"}}}`)
	require.ErrorContains(t, err, "KmsKey is required when EncryptionOption is SSE_KMS")

	var list struct {
		WorkGroups []struct{ Name, State string }
	}
	awsJSON(t, s, &list, "athena", "list-work-groups")
	require.Len(t, list.WorkGroups, 2)
	require.Equal(t, "primary", list.WorkGroups[0].Name)
	require.Equal(t, "soc", list.WorkGroups[1].Name)

	awsJSON(t, s, nil, "athena", "update-work-group", "--work-group", "soc", "--state", "DISABLED",
		"--configuration-updates", `{"ResultConfigurationUpdates":{"RemoveEncryptionConfiguration":true}}`)
	wg.WorkGroup.Configuration.ResultConfiguration.EncryptionConfiguration.EncryptionOption = ""
	awsJSON(t, s, &wg, "athena", "get-work-group", "--work-group", "soc")
	require.Equal(t, "DISABLED", wg.WorkGroup.State)
	require.Empty(t, wg.WorkGroup.Configuration.ResultConfiguration.EncryptionConfiguration.EncryptionOption)
	_, err = s.aws(t, "athena", "start-query-execution", "--query-string", "SELECT 1", "--work-group", "soc")
	require.ErrorContains(t, err, "WorkGroup soc is disabled")

	// Named queries.
	var created struct{ NamedQueryId string }
	awsJSON(t, s, &created, "athena", "create-named-query", "--name", "logins", "--database", "amazon_security_lake_glue_db_us_east_1",
		"--query-string", "SELECT count(*) FROM amazon_security_lake_table_us_east_1_cloud_trail_mgmt_2_0", "--work-group", "soc")
	var named struct {
		NamedQuery struct{ Name, Database, QueryString, WorkGroup, NamedQueryId string }
	}
	awsJSON(t, s, &named, "athena", "get-named-query", "--named-query-id", created.NamedQueryId)
	require.Equal(t, "logins", named.NamedQuery.Name)
	require.Equal(t, "soc", named.NamedQuery.WorkGroup)
	require.True(t, strings.HasPrefix(named.NamedQuery.QueryString, "SELECT count(*)"))
	var ids struct{ NamedQueryIds []string }
	awsJSON(t, s, &ids, "athena", "list-named-queries", "--work-group", "soc")
	require.Equal(t, []string{created.NamedQueryId}, ids.NamedQueryIds)
	var batch struct {
		NamedQueries             []struct{ NamedQueryId string }
		UnprocessedNamedQueryIds []struct{ NamedQueryId, ErrorCode string }
	}
	awsJSON(t, s, &batch, "athena", "batch-get-named-query", "--named-query-ids", created.NamedQueryId, "00000000-0000-4000-8000-000000000000")
	require.Len(t, batch.NamedQueries, 1)
	require.Len(t, batch.UnprocessedNamedQueryIds, 1)
	require.Equal(t, "00000000-0000-4000-8000-000000000000", batch.UnprocessedNamedQueryIds[0].NamedQueryId)

	_, err = s.aws(t, "athena", "delete-work-group", "--work-group", "soc")
	require.ErrorContains(t, err, "WorkGroup soc is not empty")
	awsJSON(t, s, nil, "athena", "delete-named-query", "--named-query-id", created.NamedQueryId)
	_, err = s.aws(t, "athena", "get-named-query", "--named-query-id", created.NamedQueryId)
	require.ErrorContains(t, err, "was not found")
	awsJSON(t, s, nil, "athena", "delete-work-group", "--work-group", "soc")
	_, err = s.aws(t, "athena", "get-work-group", "--work-group", "soc")
	require.ErrorContains(t, err, "WorkGroup soc is not found")
	_, err = s.aws(t, "athena", "delete-work-group", "--work-group", "primary")
	require.ErrorContains(t, err, "Primary workGroup could not be deleted")
}
