package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseBlob(t *testing.T) {
	tests := []struct {
		in   string
		want BlobLocation
		err  string
	}{
		{in: "s3://seclake-blobs", want: BlobLocation{Bucket: "seclake-blobs"}},
		{in: "s3://seclake-blobs/", want: BlobLocation{Bucket: "seclake-blobs"}},
		{in: "s3://b.example/node-1/blobs/", want: BlobLocation{Bucket: "b.example", Prefix: "node-1/blobs"}},
		{in: "s3://blobs?endpoint=http://127.0.0.1:9000", want: BlobLocation{Bucket: "blobs", Endpoint: "http://127.0.0.1:9000", PathStyle: true}},
		{in: "s3://blobs/p?endpoint=https://minio.lan&region=eu-west-2&path_style=false",
			want: BlobLocation{Bucket: "blobs", Prefix: "p", Endpoint: "https://minio.lan", Region: "eu-west-2"}},
		{in: "s3://blobs?path_style=true&region=us-east-1", want: BlobLocation{Bucket: "blobs", Region: "us-east-1", PathStyle: true}},
		{in: "/var/blobs", err: "want s3://bucket"},
		{in: "http://blobs", err: "want s3://bucket"},
		{in: "s3:blobs", err: "want s3://bucket"},
		{in: "s3://", err: "not an S3 bucket name"},
		{in: "s3://Blobs", err: "not an S3 bucket name"},
		{in: "s3://a", err: "not an S3 bucket name"},
		{in: "s3://a..b", err: "not an S3 bucket name"},
		{in: "s3://blobs:9000", err: "not an S3 bucket name"},
		{in: "s3://AKIAX:hunter2@blobs", err: "credentials do not belong in the URL"},
		{in: "s3://blobs#x", err: "fragment"},
		{in: "s3://blobs?endpoint=ftp://h", err: "endpoint"},
		{in: "s3://blobs?endpoint=http://u:p@h", err: "endpoint"},
		{in: "s3://blobs?endpoint=127.0.0.1:9000", err: "endpoint"},
		{in: "s3://blobs?region=Mars", err: "region"},
		{in: "s3://blobs?path_style=maybe", err: "path_style"},
		{in: "s3://blobs?region=a&region=b", err: "given 2 times"},
		{in: "s3://blobs?secret=x", err: `unknown option "secret"`},
		{in: "s3://blobs?a=%zz", err: "options"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok, err := ParseBlob(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, tc.want, got)
		})
	}
	_, ok, err := ParseBlob("")
	require.NoError(t, err)
	require.False(t, ok, "empty is the local directory")
}

func TestValidateBlob(t *testing.T) {
	c := Default()
	c.ApplyEnv(func(k string) (string, bool) {
		return map[string]string{"SECLAKE_BLOB": "s3://b/p?endpoint=http://127.0.0.1:9000"}[k], k == "SECLAKE_BLOB"
	})
	require.Equal(t, "s3://b/p?endpoint=http://127.0.0.1:9000", c.Blob)
	require.ErrorContains(t, c.Validate(), "not an S3 bucket name", "a one-letter bucket")
	c.Blob = "s3://bucket/p?endpoint=http://127.0.0.1:9000"
	require.NoError(t, c.Validate())
	c.Blob = "s3://AKIAX:hunter2@blobs"
	err := c.Validate()
	require.ErrorContains(t, err, "blob: credentials")
	require.NotContains(t, err.Error(), "hunter2", "a secret in the setting is never echoed")
}

func TestParseBlobNeverEchoesPasswords(t *testing.T) {
	for _, in := range []string{
		"s3://AKIAX:hunter2hunter2@blobs", "s3://AKIAX:hunter2hunter2@Bad_Bucket", "http://AKIAX:hunter2hunter2@blobs",
		"s3://blobs?endpoint=http://AKIAX:hunter2hunter2@127.0.0.1:9000", "s3://blobs?endpoint=ftp://u:hunter2hunter2@h",
	} {
		_, _, err := ParseBlob(in)
		require.Error(t, err, in)
		require.NotContains(t, err.Error(), "hunter2", in)
	}
}

func FuzzParseBlob(f *testing.F) {
	for _, s := range []string{"s3://b.example/node-1/blobs/", "s3://blobs?endpoint=http://127.0.0.1:9000&region=x&path_style=0", "s3://u:p@b", "", "s3://%41"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, ok, err := ParseBlob(s)
		if err != nil {
			require.False(t, ok)
			return
		}
		require.Equal(t, s != "", ok)
		if !ok {
			return
		}
		require.Regexp(t, bucketRE, loc.Bucket)
		require.False(t, strings.HasPrefix(loc.Prefix, "/") || strings.HasSuffix(loc.Prefix, "/"), "prefix %q", loc.Prefix)
		if loc.PathStyle && loc.Endpoint == "" {
			require.Contains(t, s, "path_style")
		}
	})
}
