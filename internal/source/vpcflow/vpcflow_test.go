package vpcflow

import (
	"bytes"
	"os"
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
	require.Equal(t, "vpcflow", info.Name)
	require.Equal(t, "VPC_FLOW", info.SecurityLake)
	require.Equal(t, "2.0", info.Version)
	require.Equal(t, []string{"vpc_flow"}, info.Tables)
	require.Equal(t, []int32{4001}, info.Classes)
}

// TestLongLine sets aside a line longer than source.MaxRecord with its first MaxRecord bytes, and goes on.
func TestLongLine(t *testing.T) {
	good := "2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.7 49152 443 6 12 4811 1700000000 1700000060 ACCEPT OK\n"
	input := good + strings.Repeat("x", source.MaxRecord+10) + "\n" + good
	m, counts := sourcetest.Run(t, New(), source.Object{Name: "long", Body: strings.NewReader(input)})
	sourcetest.Check(t, New(), m, counts)
	require.EqualValues(t, 2, counts.Normalized)
	require.Len(t, m.SetAsides, 1)
	require.True(t, m.SetAsides[0].Truncated)
	require.Len(t, m.SetAsides[0].Raw, source.MaxRecord)
	require.EqualValues(t, 2, m.SetAsides[0].Record)
	require.Equal(t, "long", m.SetAsides[0].Object)
	require.EqualValues(t, len(input), counts.Bytes)
}

func TestCorruptGzipIsAnError(t *testing.T) {
	gz, err := os.ReadFile("testdata/two-members.log.gz")
	require.NoError(t, err)
	m := &sourcetest.Memory{}
	_, err = New().Normalize(t.Context(), source.Object{Name: "x.gz", Body: bytes.NewReader(gz[:len(gz)-5])}, m)
	require.ErrorContains(t, err, "x.gz")
}

func TestBadFormatIsAnError(t *testing.T) {
	_, err := New().Normalize(t.Context(), source.Object{Body: strings.NewReader(""), Format: "${version} ${Account}"}, &sourcetest.Memory{})
	require.ErrorContains(t, err, `"${Account}" is not a flow log field name`)
}

func TestContextEndsNormalize(t *testing.T) {
	line := "2 111122223333 eni-0a1b2c3d4e5f60001 10.0.1.15 198.51.100.7 49152 443 6 12 4811 1700000000 1700000060 ACCEPT OK\n"
	ctx, cancel := contextCancelled(t)
	defer cancel()
	_, err := New().Normalize(ctx, source.Object{Body: strings.NewReader(strings.Repeat(line, 2000))}, &sourcetest.Discard{})
	require.ErrorIs(t, err, ctx.Err())
}

func FuzzNormalize(f *testing.F) {
	sourcetest.Fuzz(f, New(), sourcetest.Seeds("testdata/*.log")...)
}
