package sourcetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/seclake/seclake/internal/source"
)

// Fuzz is a source's fuzz target: whatever the input, Normalize does not panic, returns no error for plain
// (non-gzip) input, its counts add up, and every event it makes is valid OCSF that fits its table. Call it
// from a FuzzNormalize function with the source's golden inputs as seeds.
func Fuzz(f *testing.F, src source.Source, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &Memory{}
		counts, err := src.Normalize(context.Background(), source.Object{Name: "fuzz", Body: bytes.NewReader(data)}, m)
		if err != nil {
			if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
				t.Fatalf("error on plain input: %v", err)
			}
			return
		}
		for _, p := range Problems(src, m, counts) {
			t.Error(p)
		}
	})
}
