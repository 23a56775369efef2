package s3blob_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/blob/blobtest"
	"github.com/seclake/seclake/internal/blob/s3blob"
)

// BenchmarkMinIO runs the blob benchmarks against MinIO with the default part size and concurrency (the
// side-by-side S3 numbers come from tools/s3bench).
func BenchmarkMinIO(b *testing.B) {
	p := startMinIO(b)
	blobtest.Bench(b, func(tb testing.TB) blob.Store {
		s, err := s3blob.Open(context.Background(), p.cfg(tb))
		require.NoError(tb, err)
		return s
	})
}
