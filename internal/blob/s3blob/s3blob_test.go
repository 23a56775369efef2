package s3blob_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/blob/blobtest"
	"github.com/seclake/seclake/internal/blob/s3blob"
	"github.com/seclake/seclake/internal/blob/s3blob/s3peer"
)

// peer is an S3-compatible server that the tests share, with a counter for fresh bucket names.
type peer struct {
	*s3peer.Server
	buckets atomic.Int64
}

// startMoto starts moto_server for the test, or skips the test when it is not installed.
func startMoto(t testing.TB) *peer {
	srv, err := s3peer.StartMoto(context.Background())
	if errors.Is(err, exec.ErrNotFound) {
		t.Skip("moto_server is not installed (pip install 'moto[server]')")
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return &peer{Server: srv}
}

// startMinIO starts MinIO for the test, or skips the test when there is no binary.
func startMinIO(t testing.TB) *peer {
	bin, err := s3peer.MinIOBinary()
	if err != nil {
		t.Skipf("MinIO tests skipped: %v", err)
	}
	srv, err := s3peer.StartMinIO(context.Background(), bin, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return &peer{Server: srv}
}

// cfg creates a fresh bucket and returns the configuration of a store in it.
func (p *peer) cfg(t testing.TB) s3blob.Config {
	bucket := fmt.Sprintf("blobs-%d", p.buckets.Add(1))
	require.NoError(t, p.CreateBucket(context.Background(), bucket))
	return p.Config(bucket)
}

// opener returns a blobtest.Open that gives every test a store in a fresh bucket, with the smallest part
// size so that multipart uploads are exercised by blobs of a few MiB.
func (p *peer) opener(prefix string) blobtest.Open {
	return func(t testing.TB) blob.Store {
		cfg := p.cfg(t)
		cfg.Prefix = prefix
		cfg.PartSize = s3blob.MinPartSize
		s, err := s3blob.Open(context.Background(), cfg)
		require.NoError(t, err)
		return s
	}
}

func TestConformanceMoto(t *testing.T) {
	p := startMoto(t)
	t.Run("NoPrefix", func(t *testing.T) { blobtest.Run(t, p.opener("")) })
	t.Run("Prefix", func(t *testing.T) { blobtest.Run(t, p.opener("node-1/blobs")) })
}

func TestConformanceMinIO(t *testing.T) {
	p := startMinIO(t)
	t.Run("NoPrefix", func(t *testing.T) { blobtest.Run(t, p.opener("")) })
	t.Run("Prefix", func(t *testing.T) { blobtest.Run(t, p.opener("node-1/blobs")) })
}

// uploads lists the multipart uploads in progress in bucket.
func uploads(t *testing.T, c *s3.Client, bucket string) []string {
	t.Helper()
	out, err := c.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: &bucket})
	require.NoError(t, err)
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, *u.Key)
	}
	return keys
}

// TestBehaviour checks what the conformance suite cannot see from outside a blob.Store: the object names,
// that failed multipart uploads are aborted, and that foreign objects are ignored.
func TestBehaviour(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, p *peer)
	}{
		{"Layout", testLayout},
		{"AbortOnReadError", testAbortOnReadError},
		{"AbortOnCancel", testAbortOnCancel},
		{"ExactPart", testExactPart},
		{"ForeignObjects", testForeignObjects},
		{"KeyTooLong", testKeyTooLong},
		{"MissingBucket", testMissingBucket},
		{"BoundedMemory", testBoundedMemory},
		{"DefaultChain", testDefaultChain},
	}
	for _, start := range []struct {
		name  string
		start func(testing.TB) *peer
	}{{"Moto", startMoto}, {"MinIO", startMinIO}, {"Seclake", startSeclake}} {
		t.Run(start.name, func(t *testing.T) {
			p := start.start(t)
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) { tc.run(t, p) })
			}
		})
	}
}
