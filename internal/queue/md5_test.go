package queue

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The digests below were computed by an independent implementation (moto's SQS Message.attribute_md5 and
// body_md5, run with python3), not by this package. The AWS SDK for Go checks the same digests on every send
// and receive in the e2e tests.
func TestMD5Golden(t *testing.T) {
	require.Equal(t, "87b08f317cd99944bcf080ad22d4ff9b", MD5OfBody("body é"))
	require.Equal(t, "3a734e6fc44468814b287b503a526bff", MD5OfAttributes(map[string]Attribute{"n": {DataType: "Number", StringValue: "7"}}))
	require.Equal(t, "b165d6a13893b8b4db716e873698c403", MD5OfAttributes(map[string]Attribute{
		"b":   {DataType: "Binary", BinaryValue: []byte{0, 1, 0xff}},
		"a":   {DataType: "String", StringValue: "héllo"},
		"c.x": {DataType: "String.custom", StringValue: "v"},
	}))
	require.Equal(t, "", MD5OfAttributes(nil))
}

func TestHandleRoundTrip(t *testing.T) {
	h := handle{qid: "q1", seq: "0000000000000001", receipt: "abc"}
	got, ok := parseHandle(h.encode())
	require.True(t, ok)
	require.Equal(t, h, got)
	for _, bad := range []string{"", "x", "AQ", h.encode() + "A"} {
		_, ok := parseHandle(bad)
		require.False(t, ok, bad)
	}
}

func FuzzParseHandle(f *testing.F) {
	f.Add(handle{qid: "q", seq: "s", receipt: "r"}.encode())
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		h, ok := parseHandle(s)
		if ok {
			again, ok2 := parseHandle(h.encode())
			if !ok2 || again != h {
				t.Fatalf("handle %q does not round-trip", s)
			}
		}
	})
}
