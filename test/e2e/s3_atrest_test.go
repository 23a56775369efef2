package e2e

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"
)

// TestS3NoPlaintextAtRest writes objects whose bodies repeat a marker — small, spanning many segments, and
// multipart, with SSE-S3 and SSE-KMS — then scans every file of the data directory for the marker.
func TestS3NoPlaintextAtRest(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	c := s3Client(s.rootConfig())
	marker := []byte("SECLAKE-PLAINTEXT-MARKER-7f3a9c")
	for _, b := range []string{"atrest-sse-s3", "atrest-sse-kms"} {
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		require.NoError(t, err)
	}
	putKMSDefault(t, c, "atrest-sse-kms", createKey(t, s, ""), true)
	bodies := map[string][]byte{
		"small":       marker,
		"segments":    bytes.Repeat(marker, 300000/len(marker)),
		"multipart":   bytes.Repeat(marker, (12<<20)/len(marker)),
		"with-header": append([]byte("header "), marker...),
	}
	for _, b := range []string{"atrest-sse-s3", "atrest-sse-kms"} {
		for key, body := range bodies {
			up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
			_, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: bytes.NewReader(body)})
			require.NoError(t, err)
		}
		// A copy and an upload part copy are re-encrypted too.
		_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/segments"),
			ServerSideEncryption: s3types.ServerSideEncryptionAes256})
		require.NoError(t, err)
	}
	// Every object reads back (so the data really is there), then nothing on disk holds the marker.
	for _, b := range []string{"atrest-sse-s3", "atrest-sse-kms"} {
		for key, body := range bodies {
			got, err := getBody(t, c, b, key)
			require.NoError(t, err)
			require.True(t, bytes.Equal(body, got), "%s/%s", b, key)
		}
	}
	require.NoError(t, s.app.Shutdown(ctx)) // flush the stores: WAL and blobs are final
	files := 0
	err := filepath.WalkDir(s.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		require.False(t, bytes.Contains(b, marker), "plaintext marker found in %s", path)
		require.False(t, bytes.Contains(b, []byte(strings.ToLower(string(marker)))))
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, files, 8, "the scan saw the blobs")
}
