package app

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob/localfs"
	"github.com/seclake/seclake/internal/blob/s3blob"
	"github.com/seclake/seclake/internal/blob/s3blob/s3peer"
	"github.com/seclake/seclake/internal/config"
)

func TestBlobInDataDirectoryByDefault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv, _, logs, err := start(t, dir, nil)
	require.NoError(t, err)
	require.IsType(t, &localfs.Store{}, srv.stack.Blobs)
	fi, err := os.Stat(filepath.Join(dir, "blobs"))
	require.NoError(t, err)
	require.True(t, fi.IsDir())
	require.Contains(t, logs, "blob="+filepath.Join(dir, "blobs"))
}

func TestBlobOnS3(t *testing.T) {
	moto, err := s3peer.StartMoto(context.Background())
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("moto_server is not installed")
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = moto.Close() })
	ctx := context.Background()
	require.NoError(t, moto.CreateBucket(ctx, "seclake-blobs"))
	env := map[string]string{config.BlobEnv.AccessKeyID: moto.AccessKeyID, config.BlobEnv.SecretAccessKey: moto.SecretAccessKey}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Blob = "s3://seclake-blobs/node-1?endpoint=" + moto.Endpoint
	opt := Options{Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}.withDefaults()

	s, name, err := openBlob(ctx, cfg, opt)
	require.NoError(t, err)
	require.IsType(t, &s3blob.Store{}, s)
	require.Equal(t, cfg.Blob, name)
	_, err = s.Put(ctx, "k", strings.NewReader("ciphertext"))
	require.NoError(t, err)
	c, err := moto.Client(ctx)
	require.NoError(t, err)
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("seclake-blobs"), Key: aws.String("node-1/k!")})
	require.NoError(t, err)
	body, err := io.ReadAll(obj.Body)
	require.NoError(t, err)
	require.Equal(t, "ciphertext", string(body))
	_, err = os.Stat(filepath.Join(cfg.DataDir, "blobs"))
	require.ErrorIs(t, err, os.ErrNotExist, "no local blob directory with a remote store")

	cfg.Blob = "s3://no-such-bucket?endpoint=" + moto.Endpoint
	_, _, err = openBlob(ctx, cfg, opt)
	require.ErrorContains(t, err, `bucket "no-such-bucket" does not exist`)

	// The server refuses to start without its blob store.
	dir := filepath.Join(t.TempDir(), "data")
	cfg = config.Default()
	cfg.Listen, cfg.DataDir, cfg.Blob = "127.0.0.1:0", dir, "s3://no-such-bucket?endpoint="+moto.Endpoint
	_, err = Start(ctx, cfg, Options{Stdout: io.Discard, Stderr: io.Discard, Getenv: opt.Getenv})
	require.ErrorContains(t, err, "open blob store")
}
