package suricata

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
	require.Equal(t, "suricata", info.Name)
	require.Empty(t, info.SecurityLake)
	require.Equal(t, []string{"suricata"}, info.Tables)
	require.Equal(t, []int32{2004, 4001, 4003, 4002}, info.Classes)
}

const line = `{"timestamp":"2024-05-08T10:00:00.000000+0000","flow_id":1,"event_type":"alert","src_ip":"192.0.2.1","src_port":1,"dest_ip":"192.0.2.2","dest_port":2,"proto":"TCP","alert":{"action":"allowed","gid":1,"signature_id":7,"rev":1,"signature":"s","category":"c","severity":3}}` + "\n"

// TestLongRecord sets aside a record longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) { sourcetest.LongJSONRecord(t, New(), line) }

func TestContextEndsNormalize(t *testing.T) { sourcetest.ContextEnds(t, New(), line) }

// TestMutations runs the fuzz target's check over mutated golden inputs.
func TestMutations(t *testing.T) {
	sourcetest.Mutations(t, New(), sourcetest.Seeds("testdata/*.json"), 500) // the seeds hold 40 records
}

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.json")...)
}
