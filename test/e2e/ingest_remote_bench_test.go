package e2e

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/s3remote"
)

// BenchmarkRemoteLocationPoll lists a remote location of 2,000 objects on another seclake, page by page from
// the start (what a poll does, with s3remote.Sources over HTTP), and reads one object through the remote
// client per listed page: keys listed per second is the poll's rate.
func BenchmarkRemoteLocationPoll(b *testing.B) {
	requireTool(b, "python3")
	srv := startRemoteServer(b)
	_, err := srv.python(b, remoteKeyID, remoteSecret, `
import boto3, os
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"])
s3.create_bucket(Bucket="b-logs")
for i in range(2000):
    s3.put_object(Bucket="b-logs", Key="AWSLogs/k%05d.log" % i, Body=b"x" * 100)
`)
	require.NoError(b, err)
	env := map[string]string{"B_ID": remoteKeyID, "B_SECRET": remoteSecret}
	src, err := s3remote.NewSources([]config.IngestRemote{{Name: "b", Endpoint: srv.URL, AccessKeyIDEnv: "B_ID",
		SecretAccessKeyEnv: "B_SECRET"}}, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(b, err)
	ctx := context.Background()
	b.ResetTimer()
	keys := 0
	for range b.N {
		after, more := "", true
		for more {
			var page []s3remote.RemoteObject
			page, more, err = src.List(ctx, "b", "b-logs", "AWSLogs/", after, 1000)
			require.NoError(b, err)
			keys += len(page)
			after = page[len(page)-1].Key
			body, _, err := src.GetRaw(ctx, "b", "b-logs", page[0].Key, page[0].ETag)
			require.NoError(b, err)
			_, _ = io.Copy(io.Discard, body)
			_ = body.Close()
		}
	}
	require.Equal(b, 2000*b.N, keys)
	b.ReportMetric(float64(keys)/b.Elapsed().Seconds(), "keys/s")
}
