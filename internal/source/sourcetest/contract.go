package sourcetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
)

// LongJSONRecord checks, for a source of JSON records, that a record longer than source.MaxRecord is set aside
// with its first MaxRecord bytes and that the rest goes on: good is one record (a line) that makes one event.
func LongJSONRecord(t *testing.T, src source.Source, good string) {
	t.Helper()
	long := `{"x":"` + strings.Repeat("x", source.MaxRecord) + `"}` + "\n"
	input := good + long + good
	m, counts := Run(t, src, source.Object{Name: "long", Body: strings.NewReader(input)})
	Check(t, src, m, counts)
	require.EqualValues(t, 2, counts.Normalized)
	require.Len(t, m.SetAsides, 1)
	require.True(t, m.SetAsides[0].Truncated)
	require.Len(t, m.SetAsides[0].Raw, source.MaxRecord)
	require.EqualValues(t, 2, m.SetAsides[0].Record)
	require.Equal(t, "long", m.SetAsides[0].Object)
	require.EqualValues(t, len(input), counts.Bytes)
}

// ContextEnds checks that Normalize stops with the context's error when the context is done: good is one
// record (a line).
func ContextEnds(t *testing.T, src source.Source, good string) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := src.Normalize(ctx, source.Object{Body: strings.NewReader(strings.Repeat(good, 2000))}, &Discard{})
	require.ErrorIs(t, err, ctx.Err())
}

// Seeds returns the inputs of a source's golden files matching the patterns ("testdata/*.log"), for its fuzz
// target; the golden outputs are left out.
func Seeds(patterns ...string) [][]byte {
	var seeds [][]byte
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, f := range files {
			if strings.HasSuffix(f, eventsSuffix) || strings.HasSuffix(f, objectSuffix) {
				continue
			}
			if b, err := os.ReadFile(f); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	return seeds
}
