package jsonrec

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/source"
)

func TestTree(t *testing.T) {
	var tr Tree
	root, err := tr.Parse([]byte(` {"a": "x\"y\u00e9\ud83d\ude00", "n": -1.5e3, "b": [true, null, {}], "o": {"k": "v"}} `))
	require.NoError(t, err)
	require.Equal(t, Object, tr.Kind(root))
	require.Equal(t, "x\"yé😀", string(tr.Text(tr.Get(root, "a"))))
	require.Equal(t, "-1.5e3", string(tr.Raw(tr.Get(root, "n"))))
	require.Equal(t, Number, tr.Kind(tr.Get(root, "n")))
	b := tr.Members(tr.Get(root, "b"))
	require.Len(t, b, 3)
	require.Equal(t, Bool, tr.Kind(b[0].Val))
	require.Equal(t, Null, tr.Kind(b[1].Val))
	require.Equal(t, `{}`, string(tr.Raw(b[2].Val)))
	require.Equal(t, "v", string(tr.Text(tr.Get(tr.Get(root, "o"), "k"))))
	require.Equal(t, None, tr.Get(root, "missing"))
	require.Equal(t, None, tr.Get(tr.Get(root, "a"), "x"))
	require.Nil(t, tr.Text(None))
	require.Equal(t, Null, tr.Kind(None))

	for _, bad := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1 2]`, `01`, `1.`, `"\x"`, "\"a\x01\"", `tru`, `{} {}`,
		strings.Repeat("[", 100) + strings.Repeat("]", 100)} {
		_, err := tr.Parse([]byte(bad))
		require.Error(t, err, bad)
	}
}

// FuzzTree checks that Tree accepts exactly what encoding/json accepts (up to its nesting limit) and decodes
// strings as encoding/json does.
func FuzzTree(f *testing.F) {
	for _, s := range []string{`{"a":"\u00e9\n","b":[1,2.5e-3,true,null]}`, `"\ud83d\ude00"`, `[{}]`, `"\ud800"`, `-0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr Tree
		root, err := tr.Parse(data)
		valid := json.Valid(data)
		if err == errDepth {
			return
		}
		if (err == nil) != valid {
			t.Fatalf("Parse error %v, json.Valid %v", err, valid)
		}
		if err != nil || tr.Kind(root) != String {
			return
		}
		var want string
		require.NoError(t, json.Unmarshal(data, &want))
		if validUTF8(tr.Text(root)) != want {
			t.Fatalf("decoded %q, encoding/json %q", tr.Text(root), want)
		}
	})
}

// validUTF8 replaces each byte that is not UTF-8 with U+FFFD, as encoding/json does.
func validUTF8(b []byte) string {
	var out strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		out.WriteRune(r)
		b = b[n:]
	}
	return out.String()
}

// FuzzReader checks that a Reader never panics, makes progress, and keeps records within source.MaxRecord.
func FuzzReader(f *testing.F) {
	for _, s := range []string{`{"Records":[{"a":1},2,"x"]}`, "{\"a\":\n{\"b\":1}\n", `[{"a":[1,{"b":"]"}]}]`, "x\ny"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "Records")
		n := 0
		for r.Next() {
			n++
			if len(r.Record()) > source.MaxRecord || n > len(data)+1 {
				t.Fatalf("record %d of %d bytes", n, len(r.Record()))
			}
		}
		if r.Err() != nil || r.Bytes() != int64(len(data)) {
			t.Fatalf("err %v, %d bytes read of %d", r.Err(), r.Bytes(), len(data))
		}
	})
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderGivesUpOnAReaderThatReturnsNothing(t *testing.T) {
	r := NewReader(io.MultiReader(strings.NewReader(`{"a":1}`), zeroReader{}), "")
	require.True(t, r.Next())
	require.False(t, r.Next())
	require.ErrorIs(t, r.Err(), io.ErrNoProgress)
}
