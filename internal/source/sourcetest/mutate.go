package sourcetest

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"strconv"
	"testing"

	"github.com/seclake/seclake/internal/source"
)

// Mutations runs src over n inputs made by mutating seeds (bytes changed, removed, repeated, JSON punctuation
// inserted; the random source is seeded, so a run is repeatable) and fails on the first input whose output
// Problems reports, or whose plain input makes Normalize fail. It is the fuzz target's check run as a plain
// test, so that every `go test` explores a thousand inputs near the golden ones; $SECLAKE_MUTATIONS sets n
// for a longer run, $SECLAKE_MUTATIONS_SEED another seed (1 by default).
func Mutations(t *testing.T, src source.Source, seeds [][]byte, n int) {
	t.Helper()
	if s := os.Getenv("SECLAKE_MUTATIONS"); s != "" {
		if v, err := strconv.Atoi(s); err == nil {
			n = v
		}
	}
	if testing.Short() {
		n /= 10
	}
	seed := int64(1)
	if s, err := strconv.ParseInt(os.Getenv("SECLAKE_MUTATIONS_SEED"), 10, 64); err == nil {
		seed = s
	}
	r := rand.New(rand.NewSource(seed))
	const punctuation = "{}[]\",:\n0"
	for run := range n {
		in := append([]byte(nil), seeds[r.Intn(len(seeds))]...)
		for range 1 + r.Intn(8) {
			if len(in) == 0 {
				break
			}
			i := r.Intn(len(in))
			switch r.Intn(4) {
			case 0:
				in[i] = byte(r.Intn(256))
			case 1:
				in = append(in[:i], in[i+1:]...)
			case 2:
				j := r.Intn(len(in))
				if j < i {
					i, j = j, i
				}
				in = append(in[:j], append(append([]byte(nil), in[i:j]...), in[j:]...)...)
			case 3:
				in = append(in[:i], append([]byte{punctuation[r.Intn(len(punctuation))]}, in[i:]...)...)
			}
		}
		m := &Memory{}
		counts, err := src.Normalize(context.Background(), source.Object{Name: "mutated", Body: bytes.NewReader(in)}, m)
		if err != nil && !bytes.HasPrefix(in, []byte{0x1f, 0x8b}) {
			t.Fatalf("run %d: error on plain input: %v (input %q)", run, err, clip(in))
		}
		if ps := Problems(src, m, counts); len(ps) > 0 {
			t.Fatalf("run %d: %v (input %q)", run, ps, clip(in))
		}
	}
}

// clip shortens an input for a failure message.
func clip(b []byte) []byte {
	if len(b) > 2000 {
		return b[:2000]
	}
	return b
}
