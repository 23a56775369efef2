package postgres_test

import (
	"testing"

	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/postgres"
)

func FuzzScan(f *testing.F) {
	testDSN(f)
	metatest.FuzzScan(f, setup(postgres.Options{}))
}
