package securityhub

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

func TestGolden(t *testing.T) {
	sourcetest.Golden(t, New(), "testdata")
}

func TestInfo(t *testing.T) {
	info := New().Info()
	require.Equal(t, "securityhub", info.Name)
	require.Equal(t, "SH_FINDINGS", info.SecurityLake)
	require.Equal(t, []string{"sh_findings"}, info.Tables)
	require.Equal(t, []int32{2002, 2003, 2004}, info.Classes)
}

// TestLongRecord sets aside a finding longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) {
	good, err := os.ReadFile("testdata/vulnerability.jsonl")
	require.NoError(t, err)
	long := `{"Title":"` + strings.Repeat("x", source.MaxRecord) + `"}` + "\n"
	input := string(good) + long + string(good)
	m, counts := sourcetest.Run(t, New(), source.Object{Name: "long", Body: strings.NewReader(input)})
	sourcetest.Check(t, New(), m, counts)
	require.EqualValues(t, 2, counts.Normalized)
	require.Len(t, m.SetAsides, 1)
	require.True(t, m.SetAsides[0].Truncated)
	require.Len(t, m.SetAsides[0].Raw, source.MaxRecord)
	require.EqualValues(t, len(input), counts.Bytes)
}

func TestContextEndsNormalize(t *testing.T) {
	good, err := os.ReadFile("testdata/vulnerability.jsonl")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = New().Normalize(ctx, source.Object{Body: strings.NewReader(strings.Repeat(string(good), 1000))}, &sourcetest.Discard{})
	require.ErrorIs(t, err, ctx.Err())
}

func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json*")
	var seeds [][]byte
	for _, file := range files {
		if strings.HasSuffix(file, ".ocsf.jsonl") {
			continue
		}
		b, _ := os.ReadFile(file)
		seeds = append(seeds, b)
	}
	sourcetest.Fuzz(f, New(), seeds...)
}
