package cloudtrail

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source/sourcetest"
)

func TestGolden(t *testing.T) {
	sourcetest.Golden(t, New(), "testdata")
}

func TestInfo(t *testing.T) {
	info := New().Info()
	require.Equal(t, "cloudtrail", info.Name)
	require.Equal(t, "CLOUD_TRAIL_MGMT", info.SecurityLake)
	require.Equal(t, []string{"cloud_trail_mgmt", "s3_data", "lambda_execution"}, info.Tables)
	require.Equal(t, []int32{6003, 3002, 3001}, info.Classes)
}

func FuzzNormalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json*")
	var seeds [][]byte
	for _, file := range files {
		b, _ := os.ReadFile(file)
		seeds = append(seeds, b)
	}
	sourcetest.Fuzz(f, New(), seeds...)
}
