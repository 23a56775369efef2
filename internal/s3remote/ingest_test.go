package s3remote

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// TestSourcesNameTheRemote: an ingest remote needs its key in the environment, and its failures name it and
// never carry the secret.
func TestSourcesNameTheRemote(t *testing.T) {
	env := map[string]string{"L_ID": "AKIAEXAMPLE", "L_SECRET": "very-secret"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	remotes := []config.IngestRemote{{Name: "logs", Endpoint: "http://127.0.0.1:1", AccessKeyIDEnv: "L_ID", SecretAccessKeyEnv: "L_SECRET"}}
	s, err := NewSources(remotes, getenv)
	require.NoError(t, err)
	require.True(t, s.Has("logs"))
	require.False(t, s.Has("other"))
	_, _, err = s.List(context.Background(), "logs", "b", "p/", "", 10)
	require.ErrorContains(t, err, "remote logs: list s3://b/p/")
	require.ErrorContains(t, err, "connection refused")
	require.NotContains(t, err.Error(), "very-secret")
	_, _, err = s.GetRaw(context.Background(), "logs", "b", "k", "")
	require.ErrorContains(t, err, "remote logs")
	_, _, err = s.GetRaw(context.Background(), "nobody", "b", "k", "")
	require.ErrorContains(t, err, `no ingest remote named "nobody"`)

	delete(env, "L_SECRET")
	_, err = NewSources(remotes, getenv)
	require.ErrorContains(t, err, "ingest remote logs: set the environment variables L_ID and L_SECRET")
}
