package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIngestRemotes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"ingest":{"pollInterval":"5s","remotes":[
		{"name":"aws-logs","endpoint":"https://s3.eu-west-1.amazonaws.com","region":"eu-west-1",
		 "accessKeyIdEnv":"LOGS_KEY","secretAccessKeyEnv":"LOGS_SECRET"}]}}`), 0o600))
	c := Default()
	require.NoError(t, c.LoadFile(file))
	require.NoError(t, c.Validate())
	require.Equal(t, "aws-logs", c.Ingest.Remotes[0].Name)
	require.Equal(t, "LOGS_SECRET", c.Ingest.Remotes[0].SecretAccessKeyEnv)

	require.NoError(t, os.WriteFile(file, []byte(`{"ingest":{"remotes":[{"name":"a","secretAccessKey":"s"}]}}`), 0o600))
	c = Default()
	require.ErrorContains(t, c.LoadFile(file), `unknown field "secretAccessKey"`, "secrets are not read from the file")

	c = Default()
	c.Ingest.PollInterval = Duration(1)
	c.Ingest.Remotes = []IngestRemote{
		{Name: "ok", Endpoint: "http://h:1", AccessKeyIDEnv: "A", SecretAccessKeyEnv: "B"},
		{Name: "ok", Endpoint: "ftp://h", AccessKeyIDEnv: "A", SecretAccessKeyEnv: "B", Region: "Bad Region"},
		{Name: "", Endpoint: "http://user:pw@h:1", AccessKeyIDEnv: "no such", SecretAccessKeyEnv: "B"},
	}
	err := c.Validate()
	for _, want := range []string{
		"ingest.pollInterval must be at least 100ms",
		`ingest.remotes[1]: name "ok" given twice`, `ingest.remotes[1]: endpoint "ftp://h"`, `ingest.remotes[1]: region "Bad Region"`,
		`ingest.remotes[2]: name ""`, "ingest.remotes[2]: endpoint", "ingest.remotes[2]: accessKeyIdEnv",
	} {
		require.ErrorContains(t, err, want)
	}
	require.NotContains(t, err.Error(), "pw", "credentials in an endpoint are never echoed")
}
