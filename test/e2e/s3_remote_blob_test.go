package e2e

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/config"
)

// TestS3BlobsInAnotherSeclake runs a node whose blob store is a bucket of another seclake (--blob
// s3://...): objects written to the node live in the other server, which holds only the node's ciphertext.
func TestS3BlobsInAnotherSeclake(t *testing.T) {
	ctx := context.Background()
	backend := startServer(t)
	bc := s3Client(backend.rootConfig())
	_, err := bc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("node-blobs")})
	require.NoError(t, err)

	nodeDir := filepath.Join(t.TempDir(), "node")
	remote := withConfig(func(c *config.Config) { c.Blob = "s3://node-blobs/node-1?endpoint=" + backend.URL })
	creds := withEnv(map[string]string{config.BlobEnv.AccessKeyID: testKeyID, config.BlobEnv.SecretAccessKey: testSecret})
	node := startServer(t, remote, creds, func(o *serverOptions) { o.dataDir = nodeDir })
	nc := s3Client(node.rootConfig())
	_, err = nc.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs")})
	require.NoError(t, err)
	putKMSDefault(t, nc, "logs", createKey(t, node, ""), true)

	marker := []byte("SECLAKE-REMOTE-BLOB-MARKER-51c2")
	bodies := map[string][]byte{"small": marker, "multipart": bytes.Repeat(marker, (12<<20)/len(marker))}
	up := manager.NewUploader(nc, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
	for key, body := range bodies {
		_, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("logs"), Key: aws.String(key), Body: bytes.NewReader(body)})
		require.NoError(t, err)
	}
	checkBodies := func(c *s3.Client) {
		for key, body := range bodies {
			got, err := getBody(t, c, "logs", key)
			require.NoError(t, err)
			require.True(t, bytes.Equal(body, got), key)
		}
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("logs"), Key: aws.String("multipart"), Range: aws.String("bytes=5242870-5242899")})
		require.NoError(t, err)
		got, err := io.ReadAll(out.Body)
		require.NoError(t, err)
		require.Equal(t, bodies["multipart"][5242870:5242900], got)
	}
	checkBodies(nc)

	// The backend holds the node's blobs under the prefix, and none of them is plaintext.
	list, err := bc.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("node-blobs")})
	require.NoError(t, err)
	require.NotEmpty(t, list.Contents)
	var stored int64
	for _, o := range list.Contents {
		require.True(t, strings.HasPrefix(*o.Key, "node-1/"), *o.Key)
		body, err := getBody(t, bc, "node-blobs", *o.Key)
		require.NoError(t, err)
		require.False(t, bytes.Contains(body, marker), "blob %s holds plaintext", *o.Key)
		stored += int64(len(body))
	}
	require.Greater(t, stored, int64(12<<20), "the bodies are stored in the backend")
	_, err = os.Stat(filepath.Join(nodeDir, "blobs"))
	require.ErrorIs(t, err, fs.ErrNotExist, "the node keeps no local blobs")

	// After a restart the node reads its objects back from the backend.
	require.NoError(t, node.app.Shutdown(ctx))
	node = startServer(t, remote, creds, func(o *serverOptions) { o.dataDir = nodeDir })
	checkBodies(s3Client(node.rootConfig()))
}

// TestBlobFlag checks the real binary's --blob flag and SECLAKE_BLOB: a bad setting stops serve before start,
// without echoing a secret, and a missing bucket is named.
func TestBlobFlag(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out, code := runSeclake(t, "serve", "--data", dir, "--listen", "127.0.0.1:0", "--blob", "s3://AKIAX:hunter2hunter2@blobs")
	require.Equal(t, 2, code, out)
	require.Contains(t, out, "blob: credentials do not belong in the URL")
	require.NotContains(t, out, "hunter2")

	backend := startServer(t)
	env := []string{"SECLAKE_BLOB=s3://missing-bucket?endpoint=" + backend.URL,
		config.BlobEnv.AccessKeyID + "=" + testKeyID, config.BlobEnv.SecretAccessKey + "=" + testSecret}
	out, code = runSeclakeEnv(t, env, "serve", "--data", dir, "--listen", "127.0.0.1:0")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, `open blob store: open s3 blob store: bucket "missing-bucket" does not exist; create it first`)
}
