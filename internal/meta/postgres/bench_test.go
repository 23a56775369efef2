package postgres_test

import (
	"testing"

	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/postgres"
)

func BenchmarkStore(b *testing.B) {
	testDSN(b)
	metatest.Bench(b, setup(postgres.Options{}))
}
