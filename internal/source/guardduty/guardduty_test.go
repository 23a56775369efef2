package guardduty

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
	require.Equal(t, "guardduty", info.Name)
	require.Empty(t, info.SecurityLake)
	require.Equal(t, []string{"guardduty"}, info.Tables)
	require.Equal(t, []int32{2004}, info.Classes)
}

const line = `{"schemaVersion":"2.0","accountId":"111122223333","region":"us-east-1","id":"f-1","type":"Recon:IAMUser/UserPermissions","severity":5,"createdAt":"2024-05-08T00:00:00Z","updatedAt":"2024-05-08T00:00:00Z","title":"t","description":"d"}` + "\n"

// TestLongRecord sets aside a record longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) { sourcetest.LongJSONRecord(t, New(), line) }

func TestContextEndsNormalize(t *testing.T) { sourcetest.ContextEnds(t, New(), line) }

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.json*")...)
}

// TestMutations runs the fuzz target's check over inputs made by mutating the golden ones.
func TestMutations(t *testing.T) {
	sourcetest.Mutations(t, New(), sourcetest.Seeds("testdata/*.json*"), 1000)
}
