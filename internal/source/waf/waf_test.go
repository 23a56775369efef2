package waf

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
	require.Equal(t, "waf", info.Name)
	require.Equal(t, "WAF", info.SecurityLake)
	require.Equal(t, []string{"waf"}, info.Tables)
	require.Equal(t, []int32{4002}, info.Classes)
}

const line = `{"timestamp":1709633746000,"action":"ALLOW","httpSourceName":"CF","httpSourceId":"E0A1","httpRequest":{"clientIp":"192.0.2.79","headers":[],"uri":"/","httpMethod":"GET"}}` + "\n"

// TestLongRecord sets aside a record longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) {
	long := `{"terminatingRuleId":"` + strings.Repeat("x", source.MaxRecord) + `"}` + "\n"
	input := line + long + line
	m, counts := sourcetest.Run(t, New(), source.Object{Name: "long", Body: strings.NewReader(input)})
	sourcetest.Check(t, New(), m, counts)
	require.EqualValues(t, 2, counts.Normalized)
	require.Len(t, m.SetAsides, 1)
	require.True(t, m.SetAsides[0].Truncated)
	require.Len(t, m.SetAsides[0].Raw, source.MaxRecord)
	require.EqualValues(t, 2, m.SetAsides[0].Record)
	require.EqualValues(t, len(input), counts.Bytes)
}

func TestContextEndsNormalize(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := New().Normalize(ctx, source.Object{Body: strings.NewReader(strings.Repeat(line, 2000))}, &sourcetest.Discard{})
	require.ErrorIs(t, err, ctx.Err())
}

func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.log")
	var seeds [][]byte
	for _, file := range files {
		b, _ := os.ReadFile(file)
		seeds = append(seeds, b)
	}
	sourcetest.Fuzz(f, New(), seeds...)
}
