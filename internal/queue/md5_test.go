package queue

import (
	"testing"
	"time"

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

// Messages sent in the same instant whose IDs share a prefix still get keys of their own (a fake clock and
// 200,000 messages once lost four to shared keys when only 8 hex digits of the ID were used).
func TestStandardSeqUnique(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a := standardSeq(now, "0123abcd-0000-4000-8000-000000000001")
	b := standardSeq(now, "0123abcd-0000-4000-8000-000000000002")
	require.NotEqual(t, a, b)
	require.Less(t, standardSeq(now, "ffffffff-ffff-4fff-bfff-ffffffffffff"), standardSeq(now.Add(time.Nanosecond), "00000000-0000-4000-8000-000000000000"),
		"keys sort by send time first")
}
