package securityhub

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

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

// TestLongRecord sets aside a record longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) { sourcetest.LongJSONRecord(t, New(), goodFinding(t)) }

func TestContextEndsNormalize(t *testing.T) { sourcetest.ContextEnds(t, New(), goodFinding(t)) }

func goodFinding(t *testing.T) string {
	b, err := os.ReadFile("testdata/vulnerability.jsonl")
	require.NoError(t, err)
	return string(b)
}

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.json*")...)
}

// TestMutations runs the fuzz target's check over inputs made by mutating the golden ones.
func TestMutations(t *testing.T) {
	sourcetest.Mutations(t, New(), sourcetest.Seeds("testdata/*.json*"), 1000)
}
