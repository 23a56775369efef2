package seal

import (
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSealOpenRoundTripAndBinding(t *testing.T) {
	k, err := Generate(rand.Reader)
	require.NoError(t, err)
	sealed, err := k.Seal([]byte("secret"), []byte("accesskey/AKIA1"))
	require.NoError(t, err)
	require.NotContains(t, string(sealed), "secret")

	pt, err := k.Open(sealed, []byte("accesskey/AKIA1"))
	require.NoError(t, err)
	require.Equal(t, "secret", string(pt))

	_, err = k.Open(sealed, []byte("accesskey/AKIA2"))
	require.ErrorIs(t, err, ErrOpen, "a value must not open under other associated data")

	sealed[len(sealed)-1] ^= 1
	_, err = k.Open(sealed, []byte("accesskey/AKIA1"))
	require.ErrorIs(t, err, ErrOpen)

	other, err := Generate(rand.Reader)
	require.NoError(t, err)
	sealed2, _ := k.Seal([]byte("x"), nil)
	_, err = other.Open(sealed2, nil)
	require.ErrorIs(t, err, ErrOpen)
	_, err = k.Open([]byte{1, 2}, nil)
	require.ErrorIs(t, err, ErrOpen)
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "root.key")
	_, err := Load(path, rand.Reader)
	require.ErrorIs(t, err, ErrNoKey)

	k, err := Generate(rand.Reader)
	require.NoError(t, err)
	require.NoError(t, k.Save(path))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	require.Error(t, k.Save(path), "Save must not overwrite an existing key")

	l, err := Load(path, rand.Reader)
	require.NoError(t, err)
	require.True(t, l.Matches(k.Check()))
	require.Equal(t, k.Derive("audit chain"), l.Derive("audit chain"))
	require.NotEqual(t, k.Derive("audit chain"), k.Derive("other"))

	require.NoError(t, os.Chmod(path, 0o644))
	_, err = Load(path, rand.Reader)
	require.ErrorContains(t, err, "chmod 600")
}

func TestParse(t *testing.T) {
	k, err := Generate(rand.Reader)
	require.NoError(t, err)
	p, err := Parse(" "+k.Encode()+"\n", rand.Reader)
	require.NoError(t, err)
	require.True(t, p.Matches(k.Check()))
	_, err = Parse("c2hvcnQ=", rand.Reader)
	require.ErrorContains(t, err, "32 bytes")
	other, _ := Generate(rand.Reader)
	require.False(t, other.Matches(k.Check()))
	require.False(t, errors.Is(err, ErrOpen))
}

func FuzzOpen(f *testing.F) {
	k, _ := New(make([]byte, KeySize), rand.Reader)
	s, _ := k.Seal([]byte("hello"), []byte("aad"))
	f.Add(s, []byte("aad"))
	f.Fuzz(func(t *testing.T, sealed, aad []byte) {
		pt, err := k.Open(sealed, aad)
		if err == nil && string(pt) != "hello" && len(pt) > 0 {
			t.Fatalf("opened forged value to %q", pt)
		}
	})
}
