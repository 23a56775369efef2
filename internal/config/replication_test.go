package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReplicationRemotes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"replication":{"remotes":[
		{"name":"b","bucket":"arn:aws:s3:::replicas","endpoint":"https://b.example.com:4566","region":"eu-west-1",
		 "accessKeyIdEnv":"B_KEY","secretAccessKeyEnv":"B_SECRET"},
		{"account":"444455556666","endpoint":"http://127.0.0.1:4567","accessKeyIdEnv":"C_KEY","secretAccessKeyEnv":"C_SECRET",
		 "roleArn":"arn:aws:iam::444455556666:role/replicas","externalId":"x-1"}]}}`), 0o600))
	c := Default()
	require.NoError(t, c.LoadFile(file))
	require.NoError(t, c.Validate())
	require.Equal(t, "replicas", c.Replication.Remotes[0].BucketName())
	require.Equal(t, "http://127.0.0.1:4567", c.Replication.Remotes[1].DisplayName())

	require.NoError(t, os.WriteFile(file, []byte(`{"replication":{"remotes":[{"bucket":"b","secretAccessKey":"s"}]}}`), 0o600))
	c = Default()
	require.ErrorContains(t, c.LoadFile(file), `unknown field "secretAccessKey"`, "secrets are not read from the file")

	c = Default()
	c.Replication.Remotes = []Remote{
		{Bucket: "arn:aws:s3:::ok-bucket", Account: "444455556666", Endpoint: "http://h:1", AccessKeyIDEnv: "A", SecretAccessKeyEnv: "B"},
		{Account: "12", Endpoint: "ftp://h", AccessKeyIDEnv: "A", SecretAccessKeyEnv: "B"},
		{Bucket: "x", Endpoint: "http://user:pw@h:1", AccessKeyIDEnv: "no such", SecretAccessKeyEnv: "B", ExternalID: "e"},
		{Account: "444455556666", Endpoint: "http://h:1", AccessKeyIDEnv: "A", SecretAccessKeyEnv: "B", RoleARN: "role"},
		{Account: "444455556666", Endpoint: "http://h:1", AccessKeyIDEnv: "A", SecretAccessKeyEnv: "B"},
	}
	err := c.Validate()
	for _, want := range []string{
		"remotes[0]: set bucket (arn:aws:s3:::name) or account (12 digits), not both",
		`remotes[1]: account "12": want 12 digits`, `remotes[1]: endpoint "ftp://h"`,
		`remotes[2]: bucket "x" is not a bucket ARN or name`, "remotes[2]: endpoint", "remotes[2]: accessKeyIdEnv", "remotes[2]: externalId needs roleArn",
		`remotes[3]: roleArn "role"`, "remotes[4]: bucket or account given twice",
	} {
		require.ErrorContains(t, err, want)
	}
	require.NotContains(t, err.Error(), "pw", "credentials in an endpoint are never echoed")
}
