package route53

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
	require.Equal(t, "route53", info.Name)
	require.Equal(t, "ROUTE53", info.SecurityLake)
	require.Equal(t, []string{"route53"}, info.Tables)
	require.Equal(t, []int32{4003}, info.Classes)
}

const line = `{"version":"1.100000","account_id":"111122223333","region":"us-east-1","query_timestamp":"2024-03-05T13:00:00Z","query_name":"a.example.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.4.15","srcport":"1053","transport":"UDP"}` + "\n"

// TestLongRecord sets aside a record longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) { sourcetest.LongJSONRecord(t, New(), line) }

func TestContextEndsNormalize(t *testing.T) { sourcetest.ContextEnds(t, New(), line) }

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.log", "testdata/*.json")...)
}

// TestMutations runs the fuzz target's check over inputs made by mutating the golden ones.
func TestMutations(t *testing.T) {
	sourcetest.Mutations(t, New(), sourcetest.Seeds("testdata/*.log", "testdata/*.json"), 1000)
}
