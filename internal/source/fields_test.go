package source

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFields(t *testing.T) {
	f, err := DecodeFields([]byte(`{"s":"x","n":1e3,"ns":"42","big":"70000","ip":"10.0.0.1","t":"2024-03-05 10:00:00",
		"o":{"a":"1","b":{"c":[1,2]}},"arr":[{"k":"v","z":true},{"k":"w"}],"one":{"k":"u"},"strs":["a","b"],"left":null}`))
	require.NoError(t, err)
	require.Equal(t, "x", f.String("s"))
	n, ok := f.Int("n", 0, 10000)
	require.True(t, ok)
	require.EqualValues(t, 1000, n)
	n, ok = f.Int("ns", 0, 100)
	require.True(t, ok)
	require.EqualValues(t, 42, n)
	_, ok = f.Int("missing", 0, 1)
	require.False(t, ok)
	require.Equal(t, "10.0.0.1", f.IP("ip"))
	ms, ok := f.Time("t")
	require.True(t, ok)
	require.EqualValues(t, 1709632800000, ms)
	o, ok := f.Object("o")
	require.True(t, ok)
	require.Equal(t, "1", o.String("a"))
	arr := f.Objects("arr")
	require.Len(t, arr, 2)
	require.Equal(t, "v", arr[0].String("k"))
	require.Len(t, f.Objects("one"), 1)
	require.Equal(t, []string{"a", "b"}, f.Strings("strs"))
	require.Empty(t, f.Problem())
	m := o.Rest(nil)
	m = arr[0].Rest(m)
	m = f.Rest(m)
	require.Equal(t, map[string]string{"o.b.c[]": "1,2", "arr[].z": "true", "big": "70000"}, m)

	_, ok = f.Int("big", 0, 65535)
	require.False(t, ok)
	require.Equal(t, "big 70000 is not from 0 to 65535", f.Problem())
	f2, _ := DecodeFields([]byte(`{"port":"70000","ip":"nope"}`))
	_, ok = f2.Int("port", 0, 65535)
	require.False(t, ok)
	require.Equal(t, "port 70000 is not from 0 to 65535", f2.Problem())
	f2.IP("ip")
	require.Equal(t, "port 70000 is not from 0 to 65535", f2.Problem(), "the first problem is kept")

	for _, bad := range []string{`[1]`, `"x"`, `{"a":`, `{} {}`, ``} {
		_, err := DecodeFields([]byte(bad))
		require.Error(t, err, bad)
	}
}
