package localfs_test

import (
	"testing"

	"github.com/seclake/seclake/internal/blob/blobtest"
)

func BenchmarkStore(b *testing.B) {
	blobtest.Bench(b, open)
}
