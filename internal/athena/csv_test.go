package athena

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func strp(s string) *string { return &s }

func readAll(t testing.TB, data string) ([][]*string, error) {
	t.Helper()
	r := newCSVReader(strings.NewReader(data))
	var rows [][]*string
	for {
		row, err := r.next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

// TestCSVIsAthenasAndReadsBack: values quoted with quotes doubled, NULL an empty unquoted field, and the reader
// tells NULL from "" and counts the bytes it consumed.
func TestCSVIsAthenasAndReadsBack(t *testing.T) {
	rows := [][]*string{
		{strp("a"), strp("b"), strp("c")},
		{strp(`say "hi", twice`), nil, strp("")},
		{nil, nil, nil},
		{strp("line\nbreak"), strp("x"), nil},
		{nil},
	}
	var buf bytes.Buffer
	w := newCSVWriter(&buf)
	for _, r := range rows {
		require.NoError(t, w.write(r))
	}
	require.NoError(t, w.flush())
	require.Equal(t, "\"a\",\"b\",\"c\"\n\"say \"\"hi\"\", twice\",,\"\"\n,,\n\"line\nbreak\",\"x\",\n\n", buf.String())

	got, err := readAll(t, buf.String())
	require.NoError(t, err)
	require.Equal(t, rows, got)

	r := newCSVReader(strings.NewReader(buf.String()))
	_, err = r.next()
	require.NoError(t, err)
	require.EqualValues(t, len("\"a\",\"b\",\"c\"\n"), r.read)

	got, err = readAll(t, "\"a\",\"b\"\r\n\"c\",\r\n\"d\",\"e\"")
	require.NoError(t, err)
	require.Equal(t, [][]*string{{strp("a"), strp("b")}, {strp("c"), nil}, {strp("d"), strp("e")}}, got)

	for _, bad := range []string{"a,b\n", "\"a\"b\n", "\"open\n"} {
		_, err := readAll(t, bad)
		require.ErrorIs(t, err, errBadCSV, bad)
	}
}

// FuzzCSVReader: the reader never panics, and what the writer writes reads back the same, at every offset the
// reader reports.
func FuzzCSVReader(f *testing.F) {
	f.Add("\"a\",,\"\"\n,\n\"x\"\"y\"\n")
	f.Add("\"a\"\r\n")
	f.Add(",,,")
	f.Fuzz(func(t *testing.T, data string) {
		rows, err := readAll(t, data)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		w := newCSVWriter(&buf)
		for _, r := range rows {
			if err := w.write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		again, err := readAll(t, buf.String())
		if err != nil {
			t.Fatalf("reading what was written: %v", err)
		}
		if len(again) != len(rows) {
			t.Fatalf("%d rows read back, want %d", len(again), len(rows))
		}
		for i := range rows {
			require.Equal(t, rows[i], again[i])
		}
	})
}

// FuzzOpenToken: a NextToken from a client never panics the decoder, and only tokens the service made open.
func FuzzOpenToken(f *testing.F) {
	s := &Service{tokenKey: []byte("0123456789abcdef0123456789abcdef")}
	f.Add(s.sealToken("id\x00123"))
	f.Add("x.y")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		p, err := s.openToken(token)
		if err == nil && s.sealToken(p) != token {
			t.Fatalf("token %q opened to %q but is not the service's", token, p)
		}
	})
}
