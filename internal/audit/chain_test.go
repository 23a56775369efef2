package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
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
	require.Equal(t, chainHash(prev, 42, js), testKey.macer().chain(prev, 42, js), "the reused hash state computes chainHash")
}

func TestBatchRoundTrip(t *testing.T) {
	m := testKey.macer()
	e1 := m.seal(Hash{}, 1, testTime.Unix(), []byte(`{"eventID":"a"}`))
	e2 := m.seal(e1.hash, 2, -5, []byte(`{"eventID":"bb"}`))
	for _, codec := range []byte{codecRaw, codecDeflate} {
		bt, err := decodeBatch(encodeBatch(codec, []entry{e1, e2}))
		require.NoError(t, err)
		require.Equal(t, 2, bt.len())
		require.Equal(t, position{sec: -5, seq: 2}, bt.pos(1))
		for i, want := range []entry{e1, e2} {
			got, ok := bt.entry(i)
			require.True(t, ok)
			require.Equal(t, want, got)
		}
		require.NoError(t, bt.bodyErr)
	}
	require.True(t, m.entryMACValid(e2))
	got := e2
	got.json = []byte(`{"eventID":"b"}`)
	require.True(t, m.entryMACValid(got), "the MAC covers (seq, hash); the JSON is covered by the hash")
	got.seq = 3
	require.False(t, m.entryMACValid(got))
	require.False(t, macKey{key: []byte("other")}.macer().entryMACValid(e1))
	require.Equal(t, testKey.linkMAC(labelEntry, 2, e2.hash), e2.mac, "the reused MAC state computes linkMAC")
}

func TestCompressorChoosesTheSmallerBody(t *testing.T) {
	var c compressor
	similar := [][]byte{[]byte(strings.Repeat(`{"eventName":"Decrypt"}`, 20)), []byte(strings.Repeat(`{"eventName":"Decrypt"}`, 20))}
	codec, body := c.body(similar)
	require.Equal(t, codecDeflate, codec)
	require.Less(t, len(body), 100)
	codec, body = c.body([][]byte{[]byte("{}")})
	require.Equal(t, codecRaw, codec, "two bytes do not compress")
	require.Equal(t, "{}", string(body))
}

func TestDecodeBatchRejects(t *testing.T) {
	good := encodeBatch(codecRaw, []entry{testKey.macer().seal(Hash{}, 1, 0, []byte("{}"))})
	cases := map[string][]byte{
		"empty":           nil,
		"bad version":     append([]byte{9}, good[1:]...),
		"bad codec":       append([]byte{batchVersion, 7}, good[2:]...),
		"no count":        good[:2],
		"no records":      {batchVersion, codecRaw, 0},
		"count too large": append([]byte{batchVersion, codecRaw, 2}, good[3:]...),
	}
	for name, b := range cases {
		_, err := decodeBatch(b)
		require.ErrorIs(t, err, errCorrupt, name)
	}
}

// TestBatchBodyDamage checks that a damaged body still yields the records before the damage, and says why
// the others cannot be read.
func TestBatchBodyDamage(t *testing.T) {
	m := testKey.macer()
	var es []entry
	prev := Hash{}
	for i := range 3 {
		pad := sha256.Sum256([]byte{byte(i)}) // incompressible, so that cutting the stream's end hits the last record
		e := m.seal(prev, uint64(i+1), 0, []byte(fmt.Sprintf(`{"eventID":"e%d","pad":"%x"}`, i+1, pad)))
		prev = e.hash
		es = append(es, e)
	}
	cases := []struct {
		name  string
		row   func() []byte
		avail int
		err   string
	}{
		{"raw cut short", func() []byte { b := encodeBatch(codecRaw, es); return b[:len(b)-1] }, 2, "batch body ends after"},
		{"raw with extra bytes", func() []byte { return append(encodeBatch(codecRaw, es), 'x') }, 3, "1 bytes after its records"},
		{"compressed cut short", func() []byte { b := encodeBatch(codecDeflate, es); return b[:len(b)-12] }, 2, "unexpected EOF"},
		{"compressed with extra bytes", func() []byte { return append(encodeBatch(codecDeflate, es), 'x') }, 3, "1 bytes after its compressed body"},
		{"compressed garbage", func() []byte {
			b := encodeBatch(codecDeflate, es)
			h := len(appendBatchHeader(nil, codecDeflate, es))
			for i := h; i < len(b); i++ {
				b[i] = 0xff
			}
			return b
		}, 0, "corrupt"},
		{"compressed holds more", func() []byte {
			short := es[2]
			short.json = short.json[:10]
			b := appendBatchHeader(nil, codecDeflate, []entry{es[0], es[1], short})
			return append(b, encodeBatch(codecDeflate, es)[len(b):]...)
		}, 3, "holds more than its records"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bt, err := decodeBatch(tc.row())
			require.NoError(t, err)
			for i := range 3 {
				e, ok := bt.entry(i)
				require.Equal(t, i < tc.avail, ok, "record %d", i)
				if ok && tc.name != "compressed holds more" {
					require.Equal(t, es[i], e)
				}
			}
			require.ErrorIs(t, bt.bodyErr, errCorrupt)
			require.ErrorContains(t, bt.bodyErr, tc.err)
		})
	}
}

func TestIndexValueRoundTrip(t *testing.T) {
	for _, v := range []indexValue{
		{min: -1, idx: []int{0, 7, 300}, rows: []int{0}},
		{min: 5, idx: []int{3}, rows: []int{0, 2, 90}},
		{min: -7, idx: []int{1, 4}, rows: []int{0}, times: []int64{-5, -7}},
	} {
		got, err := decodeIndexValue(v.encode())
		require.NoError(t, err)
		require.Equal(t, v, got)
	}
	b := indexValue{min: 1, idx: []int{1}, rows: []int{0}}.encode()
	for _, bad := range [][]byte{nil, b[:8], append(bytes.Clone(b), 1), {indexVersion, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1}} {
		_, err := decodeIndexValue(bad)
		require.ErrorIs(t, err, errCorrupt)
	}
}

func TestPlanIndexClusters(t *testing.T) {
	r := func(acct string, sec int64, attrs ...attrValue) *indexed {
		return &indexed{mgmt: true, account: acct, sec: sec, attrs: attrs}
	}
	n := attrValue{attrEventName, "Decrypt"}
	recs := []*indexed{
		r("1", 100, n), r("1", 100+eventSpan, n), r("2", 100, n), r("1", 100+eventSpan+1, n), // 0-3
		{account: "1", sec: 100, attrs: []attrValue{n}}, // a data event: in its name's posting only
		r("1", 40, n),
		{mgmt: true, account: "1", sec: 100, idMS: 5000, hasIDMS: true},
		{mgmt: true, account: "2", sec: 100, idMS: 5000 + idSpan + 1, hasIDMS: true},
	}
	type row struct {
		key      string
		min, max int64
		idx      []int
		times    []int64
	}
	var got []row
	for _, ir := range planIndex(recs, []int{0, 4}) {
		v, err := decodeIndexValue(ir.value)
		require.NoError(t, err)
		require.Equal(t, []int{0, 4}, v.rows)
		got = append(got, row{ir.key(9), v.min, ir.max, v.idx, v.times})
	}
	k := func(prefix string, max int64) string { return prefix + position{sec: max, seq: 9}.suffix() }
	t1, n1, t2, n2 := timePrefix("1"), attrPrefix("1", attrEventName, "Decrypt"), timePrefix("2"), attrPrefix("2", attrEventName, "Decrypt")
	require.Equal(t, []row{
		// Account 1's times 40, 100, 100 | 160, 161: a cluster starts where the span would exceed eventSpan.
		{k(t1, 100), 40, 100, []int{0, 5, 6}, nil},
		{k(t1, 100+eventSpan+1), 100 + eventSpan, 100 + eventSpan + 1, []int{1, 3}, nil},
		{k(n1, 100), 40, 100, []int{0, 4, 5}, nil}, // the data event (4) too: it is found by its name
		{k(n1, 100+eventSpan+1), 100 + eventSpan, 100 + eventSpan + 1, []int{1, 3}, nil},
		{k(t2, 100), 100, 100, []int{2, 7}, nil},
		{k(n2, 100), 100, 100, []int{2}, nil},
		// Event-ID rows carry each event's milliseconds.
		{k(prefixEventID, 5000), 5000, 5000, []int{6}, []int64{5000}},
		{k(prefixEventID, 5000+idSpan+1), 5000 + idSpan + 1, 5000 + idSpan + 1, []int{7}, []int64{5000 + idSpan + 1}},
	}, got)
}

func TestHeadRoundTrip(t *testing.T) {
	h := testKey.sealHead(9, Hash{4})
	got, err := decodeHead(encodeHead(h))
	require.NoError(t, err)
	require.Equal(t, h, got)
	require.True(t, testKey.headMACValid(got))
	e := testKey.macer().seal(Hash{}, 9, 0, []byte("{}"))
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
	seq, err := parseBatchKey(batchKey(1 << 40))
	require.NoError(t, err)
	require.Equal(t, uint64(1<<40), seq)
	_, err = parseBatchKey(timePrefix("1"))
	require.ErrorIs(t, err, errCorrupt)
}

func TestTokenRoundTrip(t *testing.T) {
	start := testTime
	b := queryBinding("111122223333", &LookupAttribute{AttrEventName, "Decrypt"}, &start, nil, "")
	states := []resume{
		{cursor: position{sec: testTime.Unix(), seq: 77}, scan: scanBelow, from: position{sec: 5, seq: 9},
			rows: []position{{sec: 9, seq: 1}, {sec: -3, seq: 2}}},
		{cursor: top, scan: scanAtOrBelow, from: top},
		{cursor: position{sec: -1, seq: 1}, scan: scanDone},
	}
	for _, r := range states {
		tok := testKey.encodeToken(b, r)
		got, err := testKey.decodeToken(b, tok)
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
	tok := testKey.encodeToken(b, states[0])

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
	_, err := testKey.decodeToken(b, string(raw))
	require.ErrorIs(t, err, errCorrupt)
}

func FuzzDecodeBatch(f *testing.F) {
	m := testKey.macer()
	e1 := m.seal(Hash{}, 1, testTime.Unix(), []byte(`{"eventID":"a"}`))
	e2 := m.seal(e1.hash, 2, 0, []byte(`{"eventID":"a","x":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}`))
	f.Add(encodeBatch(codecRaw, []entry{e1}))
	f.Add(encodeBatch(codecDeflate, []entry{e1, e2}))
	f.Add([]byte{1})
	f.Add(encodeHead(testKey.sealHead(3, Hash{})))
	f.Fuzz(func(t *testing.T, b []byte) {
		bt, err := decodeBatch(b)
		if err == nil {
			var es []entry
			for i := range bt.len() {
				e, ok := bt.entry(i)
				if !ok {
					require.Error(t, bt.bodyErr)
					break
				}
				_ = m.entryMACValid(e)
				_ = eventIDOf(e.json)
				es = append(es, e)
			}
			if len(es) == bt.len() && bt.bodyErr == nil && bt.codec == codecRaw {
				require.Equal(t, b, encodeBatch(codecRaw, es), "a raw batch that decodes re-encodes to the same bytes")
			}
			if len(es) > 0 {
				again, err := decodeBatch(encodeBatch(codecDeflate, es))
				require.NoError(t, err)
				for i, e := range es {
					got, ok := again.entry(i)
					require.True(t, ok)
					require.Equal(t, e, got)
				}
			}
		}
		h, err := decodeHead(b)
		if err == nil {
			require.Equal(t, b, encodeHead(h))
		}
		v := newVerifier(testKey)
		v.row(batchKey(1), b)
		v.row(string(b), b)
		v.check(3, true)
		rd := &reader{m: m, after: 1, expect: 1, limit: 10}
		_, _ = rd.batch("", b)
	})
}

func FuzzDecodeIndexValue(f *testing.F) {
	f.Add(indexValue{min: 5, idx: []int{0, 9}, rows: []int{0, 3}}.encode())
	f.Add(indexValue{min: 5, idx: []int{0, 9}, rows: []int{0}, times: []int64{7, 5}}.encode())
	f.Add([]byte{indexVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeIndexValue(b)
		if err != nil {
			return
		}
		require.Equal(t, b, v.encode(), "a value that decodes re-encodes to the same bytes")
	})
}

func FuzzDecodeToken(f *testing.F) {
	b := queryBinding("1", nil, nil, nil, "")
	f.Add(testKey.encodeToken(b, resume{cursor: position{sec: 1, seq: 2}, scan: scanBelow, rows: []position{{sec: 3, seq: 4}}}))
	f.Add(testKey.encodeToken(b, resume{cursor: top}))
	f.Add("")
	f.Add("AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := testKey.decodeToken(b, s)
		if err == nil {
			require.Equal(t, s, testKey.encodeToken(b, r), "only tokens we issued verify")
		}
	})
}

func FuzzUUIDv7Millis(f *testing.F) {
	f.Add(newUUIDv7(testTime))
	f.Add("e1")
	f.Fuzz(func(t *testing.T, s string) {
		ms, ok := uuidV7Millis(s)
		if ok {
			require.Len(t, s, 36)
			require.GreaterOrEqual(t, ms, int64(0))
			require.Less(t, ms, int64(1)<<48)
		}
	})
}
