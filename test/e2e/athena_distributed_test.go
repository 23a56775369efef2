package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// TestAthenaQueriesRunOnWorkerNodes: an api node accepts a query, a worker node (same PostgreSQL schema and
// blob directory) claims and runs it, and the api node answers its state and its results.
func TestAthenaQueriesRunOnWorkerNodes(t *testing.T) {
	requireTool(t, "aws")
	dsn, schema := postgresSchema(t)
	rootKey := make([]byte, 32)
	_, _ = rand.Read(rootKey)
	env := withEnv(map[string]string{"SECLAKE_ROOT_KEY": base64.StdEncoding.EncodeToString(rootKey)})
	dir := filepath.Join(t.TempDir(), "data")
	node := func(target string) *server {
		return startServer(t, env, func(o *serverOptions) { o.dataDir = dir }, withConfig(func(c *config.Config) {
			c.Meta, c.MetaSchema, c.Target = dsn, schema, target
		}))
	}
	api := node(config.TargetAPI)
	node(config.TargetWorker)
	_, err := api.aws(t, "s3", "mb", "s3://athena-results")
	require.NoError(t, err)
	id := startQuery(t, api, "SELECT 40 + 2 AS answer", "--result-configuration", "OutputLocation=s3://athena-results/")
	x := waitQuery(t, api, id, "SUCCEEDED", "FAILED").QueryExecution
	require.Equal(t, "SUCCEEDED", x.Status.State, x.Status.StateChangeReason)
	var res athenaResults
	awsJSON(t, api, &res, "athena", "get-query-results", "--query-execution-id", id)
	require.Equal(t, "42", *res.ResultSet.Rows[1].Data[0].VarCharValue)
}
