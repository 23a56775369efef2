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

// split returns the records of input as the source cuts them, with the reasons of the bad ones.
func split(t *testing.T, input string) (recs []string, bad []string) {
	r := newRecords(strings.NewReader(input))
	for r.Next() {
		require.EqualValues(t, len(recs)+1, r.Number())
		recs = append(recs, string(r.Record()))
		bad = append(bad, r.Bad())
	}
	require.NoError(t, r.Err())
	require.EqualValues(t, len(input), r.Bytes())
	return recs, bad
}

func TestRecordsLayouts(t *testing.T) {
	for _, c := range []struct {
		name, input string
		want        []string
	}{
		{"log file", `{"Records":[{"a":1},{"b":"]}"}]}`, []string{`{"a":1}`, `{"b":"]}"}`}},
		{"pretty log file", "\ufeff{\n  \"Records\" : [\n    {\"a\": [1, {\"x\": \"\\\"{\"}]},\n    {}\n  ]\n}\n", []string{`{"a": [1, {"x": "\"{"}]}`, `{}`}},
		{"lines", "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}", []string{`{"a":1}`, `{"b":2}`, `{"c":3}`}},
		{"array", `[{"a":1}, {"b":2}]`, []string{`{"a":1}`, `{"b":2}`}},
		{"records not first", `{"x":1,"Records":[{"a":1}]}`, []string{`{"x":1,"Records":[{"a":1}]}`}},
		{"empty", "  \n", nil},
		{"log files one after the other", `{"Records":[{"a":1}]}{"Records":[]}{"Records":[{"b":2}]}`, []string{`{"a":1}`, `{"b":2}`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, bad := split(t, c.input)
			require.Equal(t, c.want, got)
			for _, b := range bad {
				require.Empty(t, b)
			}
		})
	}
}

func TestRecordsBad(t *testing.T) {
	got, bad := split(t, "hello\n{\"a\":1}\n{\"b\":\n{\"c\":3}\n[1, \"x\", {\"d\":4}]\n{\"e\":")
	require.Equal(t, []string{"hello", `{"a":1}`, "{\"b\":\n", `{"c":3}`, "1", `"x"`, `{"d":4}`, `{"e":`}, got)
	require.Equal(t, []string{"not a JSON object", "", "the record ends before it closes (a line beginning with { follows)",
		"", "not a JSON object", "not a JSON object", "", "the input ends inside the record"}, bad)
}

// TestLongRecords reads records longer than the read buffer whole, and sets aside one longer than
// source.MaxRecord with its first MaxRecord bytes, going on with the next.
func TestLongRecords(t *testing.T) {
	long := `{"eventName":"` + strings.Repeat("x", 3*readBuffer) + `"}`
	got, _ := split(t, `{"Records":[`+long+`,{"a":1}]}`)
	require.Len(t, got, 2)
	require.Equal(t, len(long), len(got[0]))
	require.Equal(t, long, got[0])

	huge := `{"eventName":"` + strings.Repeat("y", source.MaxRecord) + `"}`
	r := newRecords(strings.NewReader(`{"Records":[` + huge + `,{"a":1}]}`))
	require.True(t, r.Next())
	require.True(t, r.Truncated())
	require.Len(t, r.Record(), source.MaxRecord)
	require.True(t, r.Next())
	require.Equal(t, `{"a":1}`, string(r.Record()))
	require.False(t, r.Next())

	m, counts := sourcetest.Run(t, New(), source.Object{Name: "huge", Body: strings.NewReader(`[` + huge + `]`)})
	require.EqualValues(t, 1, counts.SetAside)
	require.True(t, m.SetAsides[0].Truncated)
	require.Contains(t, m.SetAsides[0].Reason, "longer than")
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
