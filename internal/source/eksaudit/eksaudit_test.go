package eksaudit

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
	require.Equal(t, "eksaudit", info.Name)
	require.Equal(t, "EKS_AUDIT", info.SecurityLake)
	require.Equal(t, []string{"eks_audit"}, info.Tables)
	require.Equal(t, []int32{6003}, info.Classes)
}

func TestAddress(t *testing.T) {
	for in, want := range map[string]string{"12.000.22.33": "12.0.22.33", "10.0.0.1": "10.0.0.1", "2001:db8::1": "2001:db8::1",
		"256.0.0.1": "", "1.2.3": "", "1.2.3.4.5": "", "a.b.c.d": "", "": "", "1..2.3": "", "0001.2.3.4": ""} {
		got, ok := address([]byte(in))
		require.Equal(t, want != "", ok, in)
		require.Equal(t, want, string(got), in)
	}
}

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.json*")...)
}
