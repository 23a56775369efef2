package cloudtrail

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
	require.Equal(t, "cloudtrail", info.Name)
	require.Equal(t, "CLOUD_TRAIL_MGMT", info.SecurityLake)
	require.Equal(t, []string{"cloud_trail_mgmt", "s3_data", "lambda_execution"}, info.Tables)
	require.Equal(t, []int32{6003, 3002, 3001}, info.Classes)
}

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.json*")...)
}
