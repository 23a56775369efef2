package sqlite_test

import (
	"testing"

	"github.com/seclake/seclake/internal/meta/metatest"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

func FuzzScan(f *testing.F) {
	metatest.FuzzScan(f, setup(sqlite.Options{}))
}
