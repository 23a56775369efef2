package s3blob_test

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/app"
	"github.com/seclake/seclake/internal/blob/blobtest"
	"github.com/seclake/seclake/internal/blob/s3blob/s3peer"
	"github.com/seclake/seclake/internal/config"
)

// startSeclake starts a seclake server in this process, with its blobs in its data directory, as the S3 API
// the store talks to.
func startSeclake(t testing.TB) *peer {
	peer := &peer{Server: &s3peer.Server{Name: "seclake", AccessKeyID: "AKIASECLAKEBLOBTEST1", SecretAccessKey: "seclake/blob/test/secret/0000000000000000"}}
	env := map[string]string{
		"SECLAKE_ACCOUNT_ID":             "111122223333",
		"SECLAKE_ROOT_ACCESS_KEY_ID":     peer.AccessKeyID,
		"SECLAKE_ROOT_SECRET_ACCESS_KEY": peer.SecretAccessKey,
	}
	cfg := config.Default()
	cfg.Listen, cfg.DataDir, cfg.LogLevel = "127.0.0.1:0", t.TempDir(), "error"
	srv, err := app.Start(context.Background(), cfg, app.Options{
		Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Shutdown(context.Background())) })
	peer.Endpoint = srv.URL()
	return peer
}

// TestConformanceSeclake runs the suite against seclake's own S3 API: a node can keep its blobs in another
// seclake.
func TestConformanceSeclake(t *testing.T) {
	p := startSeclake(t)
	t.Run("NoPrefix", func(t *testing.T) { blobtest.Run(t, p.opener("")) })
	t.Run("Prefix", func(t *testing.T) { blobtest.Run(t, p.opener("node-1/blobs")) })
}
