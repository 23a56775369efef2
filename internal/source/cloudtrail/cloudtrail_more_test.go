package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/sourcetest"
)

// TestHugeRecordIsSetAside sets aside a record longer than source.MaxRecord with its first MaxRecord bytes.
func TestHugeRecordIsSetAside(t *testing.T) {
	huge := `{"eventName":"` + strings.Repeat("y", source.MaxRecord) + `"}`
	m, counts := sourcetest.Run(t, New(), source.Object{Name: "huge", Body: strings.NewReader(`[` + huge + `,{"x":1}]`)})
	require.EqualValues(t, 2, counts.SetAside)
	require.True(t, m.SetAsides[0].Truncated)
	require.Len(t, m.SetAsides[0].Raw, source.MaxRecord)
	require.Contains(t, m.SetAsides[0].Reason, "longer than")
	require.EqualValues(t, 2, m.SetAsides[1].Record)
}

func TestCorruptGzipIsAnError(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write(logFile(t, 100))
	require.NoError(t, w.Close())
	_, err := New().Normalize(t.Context(), source.Object{Name: "x.gz", Body: bytes.NewReader(gz.Bytes()[:gz.Len()-9])}, &sourcetest.Discard{})
	require.ErrorContains(t, err, "x.gz")
}

func TestContextEndsNormalize(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := New().Normalize(ctx, source.Object{Body: bytes.NewReader(logFile(t, 2000))}, &sourcetest.Discard{})
	require.ErrorIs(t, err, ctx.Err())
}

func TestClassify(t *testing.T) {
	for name, want := range map[string]int32{"DescribeInstances": 2, "CreateBucket": 1, "PutObject": 3,
		"DeleteBucket": 4, "Getaway": 99, "Get": 2, "ListObjectsV2": 2, "TerminateInstances": 4, "Frobnicate": 99} {
		require.Equal(t, want, apiActivity(name), name)
	}
	require.Equal(t, kindOf{3002, 1}, classify("sts.amazonaws.com", "AssumeRole", TableManagement))
	require.Equal(t, kindOf{6003, 99}, classify("iam.amazonaws.com", "AssumeRole", TableManagement))
	require.Equal(t, kindOf{3001, 7}, classify("iam.amazonaws.com", "AttachRolePolicy", TableManagement))
	require.Equal(t, kindOf{6003, 1}, classify("iam.amazonaws.com", "CreateUser", TableS3))
}
