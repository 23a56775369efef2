package s3remote

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/objstore"
)

func TestNewReadsKeysFromTheEnvironment(t *testing.T) {
	remotes := []config.Remote{
		{Name: "b", Bucket: "arn:aws:s3:::replicas", Endpoint: "http://127.0.0.1:1", AccessKeyIDEnv: "B_ID", SecretAccessKeyEnv: "B_SECRET"},
		{Name: "b", Account: "444455556666", Endpoint: "http://127.0.0.1:1", AccessKeyIDEnv: "B_ID", SecretAccessKeyEnv: "B_SECRET"},
	}
	env := map[string]string{"B_ID": "AKIAEXAMPLE", "B_SECRET": "very-secret"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	set, err := New(remotes, getenv)
	require.NoError(t, err)
	require.Equal(t, "b", set.ForBucket("replicas"))
	require.Equal(t, "", set.ForBucket("other"))
	require.Equal(t, "b", set.ForAccount("444455556666"))
	require.Equal(t, "", set.ForAccount("111122223333"))

	delete(env, "B_SECRET")
	_, err = New(remotes, getenv)
	require.ErrorContains(t, err, "replication remote b: set the environment variables B_ID and B_SECRET")
}

// TestAnUnreachableRemoteIsNamed: the error of a remote nobody answers says so, and never carries the key.
func TestAnUnreachableRemoteIsNamed(t *testing.T) {
	env := map[string]string{"B_ID": "AKIAEXAMPLE", "B_SECRET": "very-secret"}
	set, err := New([]config.Remote{{Name: "b", Bucket: "replicas", Endpoint: "http://127.0.0.1:1", AccessKeyIDEnv: "B_ID",
		SecretAccessKeyEnv: "B_SECRET"}}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	r := &objstore.RemoteReplica{Bucket: "replicas", Key: "k", VersionID: strings.Repeat("0", 32), Size: 1, SSEAlgorithm: objstore.SSEAES256}
	err = set.PutReplica(context.Background(), "b", r, strings.NewReader("x"))
	require.ErrorContains(t, err, "connection refused")
	require.NotContains(t, err.Error(), "very-secret")
	require.ErrorContains(t, set.PutReplica(context.Background(), "nobody", r, strings.NewReader("x")), `no replication remote named "nobody"`)
}
