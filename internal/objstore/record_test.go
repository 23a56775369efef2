package objstore

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func recordSample() *Object {
	return &Object{Bucket: "lake", Key: "a/b.json", ETag: `"abc"`, LastModified: time.Date(2026, 11, 22, 13, 0, 0, 0, time.UTC),
		StorageClass: "STANDARD", Tags: []Tag{{Key: "k", Value: "v"}},
		Blobs: []dataBlob{
			{Inline: bytes.Repeat([]byte{0, '{', 0xff}, 1400), Size: 4096, Salt: []byte("salt-1"), Number: 1},
			{Blob: "objects/ab/abcdef", Size: 8 << 20, Salt: []byte("salt-2"), Number: 2},
			{Inline: []byte{}, Size: 0, Salt: []byte("salt-3"), Number: 3},
			{Inline: []byte("tail"), Size: 4, Salt: []byte("salt-4"), Number: 4},
		}}
}

func TestObjectRecordRoundTrip(t *testing.T) {
	o := recordSample()
	v, err := encodeObject(o)
	require.NoError(t, err)
	require.Equal(t, byte(objectRecordBinary), v[0], "a record with inline bodies is stored in the binary form")
	require.NotContains(t, string(v), `"Inline"`, "inline bodies are not in the JSON part")

	var got Object
	require.NoError(t, decodeObject(v, &got, true))
	require.Equal(t, *o, got)

	var meta Object
	require.NoError(t, decodeObject(v, &meta, false))
	for i, b := range meta.Blobs {
		require.Nil(t, b.Inline, "blob %d: a listing does not decode bodies", i)
		b.Inline = o.Blobs[i].Inline
		require.Equal(t, o.Blobs[i], b)
	}

	// The decoded bodies do not alias the stored bytes.
	clear(v)
	require.Equal(t, *o, got)
}

func TestObjectRecordWithoutInlineBodiesIsJSON(t *testing.T) {
	o := recordSample()
	o.Blobs = o.Blobs[1:2]
	v, err := encodeObject(o)
	require.NoError(t, err)
	require.Equal(t, byte('{'), v[0])
	var got Object
	require.NoError(t, decodeObject(v, &got, true))
	require.Equal(t, *o, got)
}

func TestObjectRecordReadsTheJSONForm(t *testing.T) {
	o := recordSample()
	o.Blobs[2].Inline = nil   // omitempty: the JSON form cannot tell an empty inline body from none
	v, err := json.Marshal(o) // how records were written before the binary form
	require.NoError(t, err)
	var got Object
	require.NoError(t, decodeObject(v, &got, true))
	require.Equal(t, *o, got)
	var meta Object
	require.NoError(t, decodeObject(v, &meta, false))
	require.Nil(t, meta.Blobs[0].Inline)
}

func TestObjectRecordRefusesCorruptRecords(t *testing.T) {
	v, err := encodeObject(recordSample())
	require.NoError(t, err)
	for name, bad := range map[string][]byte{
		"empty":              {},
		"unknown form":       {0x07, 0x00},
		"metadata too long":  {objectRecordBinary, 0xff, 0x01, '{', '}'},
		"truncated body":     v[:len(v)-1],
		"blob index too big": append(append([]byte{objectRecordBinary, 2, '{', '}'}, 0x05), 0x00),
	} {
		var o Object
		require.Error(t, decodeObject(bad, &o, true), name)
	}
}

func FuzzDecodeObject(f *testing.F) {
	v, err := encodeObject(recordSample())
	require.NoError(f, err)
	f.Add(v)
	j, err := json.Marshal(recordSample())
	require.NoError(f, err)
	f.Add(j)
	f.Add([]byte{objectRecordBinary, 2, '{', '}', 0, 1, 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		var o Object
		if decodeObject(data, &o, true) != nil {
			return
		}
		// Whatever decodes encodes again and decodes to the same object.
		again, err := encodeObject(&o)
		if err != nil {
			t.Fatal(err)
		}
		var o2 Object
		if err := decodeObject(again, &o2, true); err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		a, _ := json.Marshal(o)
		b, _ := json.Marshal(o2)
		if !bytes.Equal(a, b) {
			t.Fatalf("round trip changed the object:\n%s\n%s", a, b)
		}
	})
}
