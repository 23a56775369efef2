package kms

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	testMaterial = newMaterialKey(bytes.Repeat([]byte{7}, 32))
	testHeader   = blobHeader{account: "000000000042", region: "ap-northeast-1", keyID: "1234abcd-12ab-34cd-56ef-1234567890ab", version: 3}
	testRandom   = bytes.Repeat([]byte{9}, blobSaltSize+blobNonceSize)
)

func TestBlobRoundTrip(t *testing.T) {
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::lake", "b": "2", "a": "1"}
	b, err := sealBlob(testMaterial, testHeader, testRandom, ec, []byte("secret"))
	require.NoError(t, err)
	require.Len(t, b, blobOverhead+len(testHeader.region)+len("secret"))

	p, err := parseBlob(b)
	require.NoError(t, err)
	require.Equal(t, testHeader, p.blobHeader)

	// The context's order does not matter; its content does.
	pt, err := openBlob(testMaterial, p, map[string]string{"a": "1", "b": "2", "aws:s3:arn": "arn:aws:s3:::lake"})
	require.NoError(t, err)
	require.Equal(t, "secret", string(pt))
	for name, bad := range map[string]map[string]string{
		"missing pair": {"a": "1", "b": "2"},
		"other value":  {"a": "1", "b": "3", "aws:s3:arn": "arn:aws:s3:::lake"},
		"key case":     {"A": "1", "b": "2", "aws:s3:arn": "arn:aws:s3:::lake"},
		"extra pair":   {"a": "1", "b": "2", "aws:s3:arn": "arn:aws:s3:::lake", "c": ""},
		"none":         nil,
	} {
		_, err := openBlob(testMaterial, p, bad)
		require.ErrorIs(t, err, errBadBlob, name)
	}
	_, err = openBlob(newMaterialKey(bytes.Repeat([]byte{8}, 32)), p, ec)
	require.ErrorIs(t, err, errBadBlob, "other material")
}

func TestBlobTamperedHeaderFails(t *testing.T) {
	b, err := sealBlob(testMaterial, testHeader, testRandom, nil, []byte("secret"))
	require.NoError(t, err)
	for i := range b {
		c := bytes.Clone(b)
		c[i] ^= 0x01
		p, err := parseBlob(c)
		if err != nil {
			continue // the header no longer parses
		}
		_, err = openBlob(testMaterial, p, nil)
		require.Error(t, err, "byte %d flipped", i)
	}
}

func TestContextEncodingIsUnambiguous(t *testing.T) {
	// Plain concatenation of sorted key+value would make these equal.
	cases := []map[string]string{
		{"ab": "c"},
		{"a": "bc"},
		{"a": "b", "c": ""},
		{"abc": ""},
		{},
		{"": "abc"},
	}
	seen := map[string]int{}
	for i, ec := range cases {
		enc := string(appendContext(nil, ec))
		j, dup := seen[enc]
		require.False(t, dup, "contexts %v and %v encode the same", cases[j], ec)
		seen[enc] = i
	}
}

func TestParseBlobRejects(t *testing.T) {
	good, err := sealBlob(testMaterial, testHeader, testRandom, nil, []byte("x"))
	require.NoError(t, err)
	cases := map[string][]byte{
		"empty":          nil,
		"short":          good[:20],
		"version":        append([]byte{2}, good[1:]...),
		"account range":  append(append([]byte{1}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), good[9:]...),
		"region length":  append(append([]byte(nil), good[:9]...), append([]byte{0}, good[10:]...)...),
		"region char":    append(append([]byte(nil), good[:10]...), append([]byte{'A'}, good[11:]...)...),
		"no tag":         good[:blobOverhead+len(testHeader.region)-blobTagSize-1],
		"zero version":   zeroVersion(good),
		"region too big": append(append([]byte(nil), good[:9]...), append([]byte{64}, good[10:]...)...),
	}
	for name, b := range cases {
		_, err := parseBlob(b)
		require.ErrorIs(t, err, errBadBlob, name)
	}
}

func zeroVersion(b []byte) []byte {
	c := bytes.Clone(b)
	p := 10 + len(testHeader.region) + 16
	copy(c[p:p+4], []byte{0, 0, 0, 0})
	return c
}

func TestUUIDRoundTrip(t *testing.T) {
	id, ok := parseUUID(testHeader.keyID)
	require.True(t, ok)
	require.Equal(t, testHeader.keyID, formatUUID(id[:]))
	_, ok = parseUUID("1234ABCD-12ab-34cd-56ef-1234567890ab")
	require.False(t, ok, "key IDs are lowercase")
}

// FuzzParseBlob feeds arbitrary bytes to the ciphertext decoder: it must never panic, must accept only what
// re-encodes to the same header, and must never open a blob that was not sealed under the material.
func FuzzParseBlob(f *testing.F) {
	good, _ := sealBlob(testMaterial, testHeader, testRandom, map[string]string{"k": "v"}, []byte("plaintext"))
	f.Add(good)
	f.Add([]byte{1})
	f.Add(bytes.Repeat([]byte{1}, 80))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseBlob(b)
		if err != nil {
			return
		}
		hdr, err := appendHeader(nil, p.blobHeader)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(b, hdr), "header does not re-encode to its input")
		pt, err := openBlob(testMaterial, p, map[string]string{"k": "v"})
		if err == nil {
			require.Equal(t, good, b, "opened a blob that was not sealed")
			require.Equal(t, "plaintext", string(pt))
		}
	})
}
