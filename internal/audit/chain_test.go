package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var testKey = macKey{key: bytes.Repeat([]byte{7}, 32)}

func TestChainHashIsSpecified(t *testing.T) {
	prev := Hash{1, 2, 3}
	js := []byte(`{"eventID":"x"}`)
	var buf []byte
	buf = append(buf, prev[:]...)
	buf = binary.BigEndian.AppendUint64(buf, 42)
	buf = append(buf, js...)
	require.Equal(t, Hash(sha256.Sum256(buf)), chainHash(prev, 42, js))
}

func TestEntryRoundTrip(t *testing.T) {
	js := []byte(`{"eventID":"a"}`)
	e := testKey.sealEntry(Hash{}, 1, js)
	got, err := decodeEntry(encodeEntry(e))
	require.NoError(t, err)
	require.Equal(t, e, got)
	require.True(t, testKey.entryMACValid(got))
	got.json = []byte(`{"eventID":"b"}`)
	require.True(t, testKey.entryMACValid(got), "the MAC covers (seq, hash); the JSON is covered by the hash")
	got.seq = 2
	require.False(t, testKey.entryMACValid(got))
	require.False(t, macKey{key: []byte("other")}.entryMACValid(e))
}

func TestDecodeEntryRejects(t *testing.T) {
	good := encodeEntry(testKey.sealEntry(Hash{}, 1, []byte("{}")))
	cases := map[string][]byte{
		"empty":       nil,
		"header only": good[:entryHeaderLen],
		"bad version": append([]byte{9}, good[1:]...),
	}
	for name, b := range cases {
		_, err := decodeEntry(b)
		require.ErrorIs(t, err, errCorrupt, name)
	}
}

func TestHeadRoundTrip(t *testing.T) {
	h := testKey.sealHead(9, Hash{4})
	got, err := decodeHead(encodeHead(h))
	require.NoError(t, err)
	require.Equal(t, h, got)
	require.True(t, testKey.headMACValid(got))
	e := testKey.sealEntry(Hash{}, 9, []byte("{}"))
	require.False(t, testKey.headMACValid(head{seq: 9, hash: e.hash, mac: e.mac}), "an entry MAC is not a head MAC")
	_, err = decodeHead(encodeHead(h)[:headLen-1])
	require.ErrorIs(t, err, errCorrupt)
}

func TestIndexKeysSortByTimeThenSeq(t *testing.T) {
	keys := []string{
		position{sec: -5, seq: 9}.suffix(),
		position{sec: 0, seq: 1}.suffix(),
		position{sec: 0, seq: 2}.suffix(),
		position{sec: testTime.Unix(), seq: 1}.suffix(),
	}
	for i := 1; i < len(keys); i++ {
		require.Less(t, keys[i-1], keys[i])
	}
	require.Less(t, timeBound(0), keys[1])
	require.Less(t, keys[0], timeBound(0))
	p, err := indexPosition(attrPrefix("1", attrEventName, "x") + keys[3])
	require.NoError(t, err)
	require.Equal(t, position{sec: testTime.Unix(), seq: 1}, p)
	// Length prefixes keep one value from being a prefix of another's keys.
	require.False(t, bytes.HasPrefix([]byte(attrPrefix("1", attrEventName, "Decrypt2")), []byte(attrPrefix("1", attrEventName, "Decrypt"))))
	seq, err := parseRecordKey(recordKey(1 << 40))
	require.NoError(t, err)
	require.Equal(t, uint64(1<<40), seq)
}

func TestTokenRoundTrip(t *testing.T) {
	start := testTime
	b := queryBinding("111122223333", &LookupAttribute{AttrEventName, "Decrypt"}, &start, nil, "")
	p := position{sec: testTime.Unix(), seq: 77}
	tok := testKey.encodeToken(b, p)
	got, err := testKey.decodeToken(b, tok)
	require.NoError(t, err)
	require.Equal(t, p, got)

	later := start.Add(time.Nanosecond)
	others := []Hash{
		queryBinding("444455556666", &LookupAttribute{AttrEventName, "Decrypt"}, &start, nil, ""),
		queryBinding("111122223333", &LookupAttribute{AttrEventName, "Encrypt"}, &start, nil, ""),
		queryBinding("111122223333", &LookupAttribute{AttrEventSource, "Decrypt"}, &start, nil, ""),
		queryBinding("111122223333", &LookupAttribute{AttrEventName, "Decrypt"}, &later, nil, ""),
		queryBinding("111122223333", &LookupAttribute{AttrEventName, "Decrypt"}, nil, &start, ""),
		queryBinding("111122223333", nil, &start, nil, ""),
	}
	for i, o := range others {
		_, err := testKey.decodeToken(o, tok)
		require.ErrorIs(t, err, errCorrupt, "binding %d", i)
	}
	raw := []byte(tok)
	raw[3] ^= 1
	_, err = testKey.decodeToken(b, string(raw))
	require.ErrorIs(t, err, errCorrupt)
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add(encodeEntry(testKey.sealEntry(Hash{}, 1, []byte(`{"eventID":"a"}`))))
	f.Add([]byte{1})
	f.Add(encodeHead(testKey.sealHead(3, Hash{})))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err == nil {
			require.Equal(t, b, encodeEntry(e))
			_ = testKey.entryMACValid(e)
			_ = eventIDOf(e.json)
		}
		h, err := decodeHead(b)
		if err == nil {
			require.Equal(t, b, encodeHead(h))
		}
		v := newVerifier(testKey)
		v.entry(recordKey(1), b)
		v.entry(string(b), b)
	})
}

func FuzzDecodeToken(f *testing.F) {
	b := queryBinding("1", nil, nil, nil, "")
	f.Add(testKey.encodeToken(b, position{sec: 1, seq: 2}))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := testKey.decodeToken(b, s)
		if err == nil {
			require.Equal(t, s, testKey.encodeToken(b, p), "only tokens we issued verify")
		}
	})
}
