package route53

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
	require.Equal(t, "route53", info.Name)
	require.Equal(t, "ROUTE53", info.SecurityLake)
	require.Equal(t, []string{"route53"}, info.Tables)
	require.Equal(t, []int32{4003}, info.Classes)
}

const line = `{"version":"1.100000","account_id":"111122223333","region":"us-east-1","query_timestamp":"2024-03-05T13:00:00Z","query_name":"a.example.com.","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.4.15","srcport":"1053","transport":"UDP"}` + "\n"

// TestLongRecord sets aside a record longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongRecord(t *testing.T) {
	long := `{"query_name":"` + strings.Repeat("x", source.MaxRecord) + `"}` + "\n"
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
