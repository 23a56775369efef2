package sqlite_test

import (
	"testing"

	"github.com/seclake/seclake/internal/meta/metatest"
)

func BenchmarkStore(b *testing.B) {
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) { metatest.Bench(b, setup(m.opts)) })
	}
}
