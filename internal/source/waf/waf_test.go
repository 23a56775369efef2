package waf

import (
	"testing"

	"github.com/stretchr/testify/require"

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
func TestLongRecord(t *testing.T) { sourcetest.LongJSONRecord(t, New(), line) }

func TestContextEndsNormalize(t *testing.T) { sourcetest.ContextEnds(t, New(), line) }

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.log")...)
}

// TestMutations runs the fuzz target's check over inputs made by mutating the golden ones.
func TestMutations(t *testing.T) {
	sourcetest.Mutations(t, New(), sourcetest.Seeds("testdata/*.log"), 1000)
}
