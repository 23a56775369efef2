package jsonrec

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
)

// split returns the records of input as a Reader cuts them, with the reasons of the bad ones.
func split(t *testing.T, input string) (recs []string, bad []string) {
	r := NewReader(strings.NewReader(input), "Records")
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

// TestLongRecords reads records longer than the read buffer whole, and cuts one longer than source.MaxRecord
// to its first MaxRecord bytes, going on with the next.
func TestLongRecords(t *testing.T) {
	long := `{"eventName":"` + strings.Repeat("x", 3*readBuffer) + `"}`
	got, _ := split(t, `{"Records":[`+long+`,{"a":1}]}`)
	require.Len(t, got, 2)
	require.Equal(t, len(long), len(got[0]))
	require.Equal(t, long, got[0])

	huge := `{"eventName":"` + strings.Repeat("y", source.MaxRecord) + `"}`
	r := NewReader(strings.NewReader(`{"Records":[`+huge+`,{"a":1}]}`), "Records")
	require.True(t, r.Next())
	require.True(t, r.Truncated())
	require.Len(t, r.Record(), source.MaxRecord)
	require.True(t, r.Next())
	require.Equal(t, `{"a":1}`, string(r.Record()))
	require.False(t, r.Next())
}
