package source

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type valueRec struct {
	text       string
	incomplete bool
}

func values(t *testing.T, input string, unwrap ...string) []valueRec {
	t.Helper()
	v := NewValues(strings.NewReader(input), unwrap...)
	var out []valueRec
	for v.Next() {
		out = append(out, valueRec{string(v.Value()), v.Incomplete()})
		require.EqualValues(t, len(out), v.Number())
	}
	require.NoError(t, v.Err())
	require.EqualValues(t, len(input), v.Bytes())
	return out
}

func TestValuesJSONLines(t *testing.T) {
	got := values(t, "{\"a\":\"x}\\\"{\"}\n\n{\"b\":[1,{\"c\":2}]}\r\nnot json\n{\"d\":\n{\"e\":1}\n[1,2]")
	require.Equal(t, []valueRec{
		{`{"a":"x}\"{"}`, false}, {`{"b":[1,{"c":2}]}`, false}, {"not json", false},
		{`{"d":`, true}, {`{"e":1}`, false}, {"1", false}, {"2", false},
	}, got)
}

func TestValuesCloudWatchExport(t *testing.T) {
	got := values(t, "2024-03-05T10:15:42.000Z {\"a\":1}\n2024-03-05T10:15:43Z  {\"b\":2}\n2024-03-05 nope\n12345\n2024-03-05T10:15:44Z x\n")
	require.Equal(t, []valueRec{{`{"a":1}`, false}, {`{"b":2}`, false}, {"2024-03-05 nope", false}, {"12345", false},
		{"2024-03-05T10:15:44Z x", false}}, got)
}

func TestValuesPrettyPrinted(t *testing.T) {
	got := values(t, "{\n  \"a\": 1,\n  \"b\": {\"c\": [\n 2]}\n}\n{\n \"d\": \"e\"\n}\n")
	require.Equal(t, []valueRec{{"{\n  \"a\": 1,\n  \"b\": {\"c\": [\n 2]}\n}", false}, {"{\n \"d\": \"e\"\n}", false}}, got)
}

func TestValuesUnwrap(t *testing.T) {
	input := `{"Findings": [{"Id":"1"}, {"Id":"2","x":[3]} ,"s\"", 7], "NextToken": {"a":"]"}}` + "\n" +
		`{"Other":[1]}` + "\n" + `[{"Id":"3"}]` + "\n" + `{"Findings":[]}` + "\n" + `{"Id":"4"}`
	got := values(t, input, "Findings")
	require.Equal(t, []valueRec{
		{`{"Id":"1"}`, false}, {`{"Id":"2","x":[3]}`, false}, {`"s\""`, false}, {"7", false},
		{`{"Other":[1]}`, false}, {`{"Id":"3"}`, false}, {`{"Id":"4"}`, false},
	}, got)
	// Without unwrap keys, a wrapper is one record.
	require.Len(t, values(t, `{"Findings":[{"Id":"1"},{"Id":"2"}]}`), 1)
}

func TestValuesIncompleteAtEnd(t *testing.T) {
	require.Equal(t, []valueRec{{`{"a":"b`, true}}, values(t, `{"a":"b`))
	require.Equal(t, []valueRec{{`{"a":"b`, true}, {`{"c":1}`, false}}, values(t, "{\"a\":\"b\n{\"c\":1}"))
}

func TestValuesLongRecord(t *testing.T) {
	long := `{"a":"` + strings.Repeat("x", MaxRecord) + `"}`
	v := NewValues(strings.NewReader(long + "\n{}\n"))
	require.True(t, v.Next())
	require.True(t, v.Truncated())
	require.Len(t, v.Value(), MaxRecord)
	require.True(t, v.Next())
	require.Equal(t, "{}", string(v.Value()))
	require.False(t, v.Truncated())
	require.False(t, v.Next())
}

func TestValuesReportReadErrors(t *testing.T) {
	v := NewValues(io.MultiReader(strings.NewReader("{}\n"), failing{}))
	require.True(t, v.Next())
	for v.Next() {
	}
	require.ErrorContains(t, v.Err(), "disk on fire")
}

// FuzzValues checks that reading any bytes as JSON records never panics, ends (no more records than bytes),
// and keeps records within MaxRecord.
func FuzzValues(f *testing.F) {
	for _, seed := range []string{`{"a":1}`, "[1,2]", `{"Findings":[{}]}`, "{\n\"a\"\n:\n[\n]\n}", `"x`, "", "2024-03-05T10:15:42Z {\"a\":1}\n"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v := NewValues(bytes.NewReader(data), "Findings")
		n := 0
		for v.Next() {
			n++
			if len(v.Value()) > MaxRecord {
				t.Fatalf("record of %d bytes", len(v.Value()))
			}
			if n > len(data) {
				t.Fatalf("%d records from %d bytes", n, len(data))
			}
		}
		if v.Err() != nil {
			t.Fatal(v.Err())
		}
	})
}
