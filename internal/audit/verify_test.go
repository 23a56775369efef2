package audit

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// buildChain appends n records (e1..en) and returns the store.
func buildChain(t *testing.T, newStore func(testing.TB) meta.Store, n int) meta.Store {
	t.Helper()
	store := newStore(t)
	l, _ := openTestLog(t, store)
	for i := range n {
		l.AppendAsync(rec(acctA, "Decrypt", testTime.Add(time.Duration(i)*time.Second)))
	}
	require.NoError(t, l.Close())
	return store
}

// rewriteJSON replaces the JSON of record seq, keeping (or, with rehash, recomputing without the key) its
// hash and MAC.
func rewriteJSON(t *testing.T, s meta.Store, seq uint64, from, to string, rehash bool) {
	t.Helper()
	e, err := decodeEntry(rawGet(t, s, recordKey(seq)))
	require.NoError(t, err)
	require.Contains(t, string(e.json), from)
	e.json = bytes.Replace(e.json, []byte(from), []byte(to), 1)
	if rehash {
		prev := Hash{}
		if seq > 1 {
			p, err := decodeEntry(rawGet(t, s, recordKey(seq-1)))
			require.NoError(t, err)
			prev = p.hash
		}
		e.hash = chainHash(prev, seq, e.json)
	}
	rawPut(t, s, recordKey(seq), encodeEntry(e))
}

func TestVerify(t *testing.T) {
	const n = 10
	otherKey := macKey{key: bytes.Repeat([]byte{1}, 32)}
	cases := []struct {
		name   string
		tamper func(t *testing.T, s meta.Store)
		want   []Problem
	}{
		{name: "clean"},
		{
			name:   "record JSON changed",
			tamper: func(t *testing.T, s meta.Store) { rewriteJSON(t, s, 4, `"Decrypt"`, `"Encrypt"`, false) },
			want:   []Problem{{Kind: ProblemModified, Seq: 4, LastSeq: 4, EventID: "e4", Detail: "record JSON does not match its chain hash"}},
		},
		{
			name:   "record JSON and hash changed",
			tamper: func(t *testing.T, s meta.Store) { rewriteJSON(t, s, 4, `"e4"`, `"e44"`, true) },
			want:   []Problem{{Kind: ProblemModified, Seq: 4, LastSeq: 4, EventID: "e44", Detail: "entry MAC does not authenticate (hash rewritten, or another chain key)"}},
		},
		{
			name:   "record deleted",
			tamper: func(t *testing.T, s meta.Store) { rawDelete(t, s, recordKey(4)) },
			want:   []Problem{{Kind: ProblemMissing, Seq: 4, LastSeq: 4, Detail: "records deleted"}},
		},
		{
			name: "records swapped",
			tamper: func(t *testing.T, s meta.Store) {
				a, b := rawGet(t, s, recordKey(4)), rawGet(t, s, recordKey(5))
				rawPut(t, s, recordKey(4), b)
				rawPut(t, s, recordKey(5), a)
			},
			want: []Problem{
				{Kind: ProblemReordered, Seq: 4, LastSeq: 4, EventID: "e5", Detail: "holds the entry of record 5"},
				{Kind: ProblemReordered, Seq: 5, LastSeq: 5, EventID: "e4", Detail: "holds the entry of record 4"},
			},
		},
		{
			name: "entry corrupt",
			tamper: func(t *testing.T, s meta.Store) {
				b := rawGet(t, s, recordKey(6))
				b[0] = 7
				rawPut(t, s, recordKey(6), b)
			},
			want: []Problem{{Kind: ProblemCorrupt, Seq: 6, LastSeq: 6, Detail: "entry version 7: corrupt"}},
		},
		{
			name: "tail truncated",
			tamper: func(t *testing.T, s meta.Store) {
				rawDelete(t, s, recordKey(9))
				rawDelete(t, s, recordKey(10))
			},
			want: []Problem{{Kind: ProblemTruncated, Seq: 9, LastSeq: 10, Detail: "the head names record 10 but the records end at 8"}},
		},
		{
			name: "tail truncated and head forged",
			tamper: func(t *testing.T, s meta.Store) {
				e8, err := decodeEntry(rawGet(t, s, recordKey(8)))
				require.NoError(t, err)
				rawDelete(t, s, recordKey(9))
				rawDelete(t, s, recordKey(10))
				rawPut(t, s, keyHead, encodeHead(otherKey.sealHead(8, e8.hash)))
			},
			want: []Problem{{Kind: ProblemHeadInvalid, Seq: 8, LastSeq: 8, Detail: "head MAC does not authenticate (head rewritten, or another chain key)"}},
		},
		{
			name: "head rolled back",
			tamper: func(t *testing.T, s meta.Store) {
				e8, err := decodeEntry(rawGet(t, s, recordKey(8)))
				require.NoError(t, err)
				rawPut(t, s, keyHead, encodeHead(logKey.sealHead(8, e8.hash)))
			},
			want: []Problem{{Kind: ProblemUnanchored, Seq: 9, LastSeq: 10, Detail: "records after the head (record 8)"}},
		},
		{
			name: "head hash wrong",
			tamper: func(t *testing.T, s meta.Store) {
				rawPut(t, s, keyHead, encodeHead(logKey.sealHead(10, Hash{1})))
			},
			want: []Problem{{Kind: ProblemHeadMismatch, Seq: 10, LastSeq: 10, Detail: "the head's hash is not the chain hash of its record"}},
		},
		{
			name:   "head deleted",
			tamper: func(t *testing.T, s meta.Store) { rawDelete(t, s, keyHead) },
			want:   []Problem{{Kind: ProblemHeadInvalid, Detail: "the chain head is missing"}},
		},
		{
			name: "whole chain rewritten without the key",
			tamper: func(t *testing.T, s meta.Store) {
				prev := Hash{}
				for seq := uint64(1); seq <= n; seq++ {
					e, err := decodeEntry(rawGet(t, s, recordKey(seq)))
					require.NoError(t, err)
					e.json = bytes.Replace(e.json, []byte(`"Decrypt"`), []byte(`"Encrypt"`), 1)
					e = otherKey.sealEntry(prev, seq, e.json)
					prev = e.hash
					rawPut(t, s, recordKey(seq), encodeEntry(e))
				}
				rawPut(t, s, keyHead, encodeHead(otherKey.sealHead(n, prev)))
			},
			want: append(allModifiedByMAC(n), Problem{Kind: ProblemHeadInvalid, Seq: n, LastSeq: n, Detail: "head MAC does not authenticate (head rewritten, or another chain key)"}),
		},
	}
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				s := buildChain(t, newStore, n)
				clean, err := Verify(context.Background(), s, testChainKey)
				require.NoError(t, err)
				require.True(t, clean.OK(), clean.String())
				if tc.tamper != nil {
					tc.tamper(t, s)
				}
				rep, err := Verify(context.Background(), s, testChainKey)
				require.NoError(t, err)
				require.Equal(t, tc.want, rep.Problems, rep.String())
				if tc.want == nil {
					require.Equal(t, uint64(n), rep.Records)
					e, err := decodeEntry(rawGet(t, s, recordKey(n)))
					require.NoError(t, err)
					require.Equal(t, e.hash, rep.HeadHash)
					require.Contains(t, rep.String(), "audit chain OK: 10 records")
					return
				}
				require.Contains(t, rep.String(), "audit chain FAILED")
				if fm := rep.FirstModified(); fm != nil {
					require.Equal(t, tc.want[0], *fm)
				}
			})
		}
	})
}

// logKey is the MAC key of the tests' Logs.
var logKey = macKey{key: testChainKey}

func allModifiedByMAC(n int) []Problem {
	var out []Problem
	for seq := uint64(1); seq <= uint64(n); seq++ {
		out = append(out, Problem{Kind: ProblemModified, Seq: seq, LastSeq: seq, EventID: fmt.Sprintf("e%d", seq), Detail: "entry MAC does not authenticate (hash rewritten, or another chain key)"})
	}
	return out
}

func TestVerifyEmptyAndExtraRecord(t *testing.T) {
	s := newSQLite(t)
	rep, err := Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.True(t, rep.OK())
	require.Zero(t, rep.Records)

	s = buildChain(t, newSQLite, 3)
	e3, err := decodeEntry(rawGet(t, s, recordKey(3)))
	require.NoError(t, err)
	rawPut(t, s, recordKey(4), encodeEntry(logKey.sealEntry(e3.hash, 4, []byte(`{"eventID":"forged"}`))))
	rep, err = Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.Equal(t, []Problem{{Kind: ProblemUnanchored, Seq: 4, LastSeq: 4, Detail: "records after the head (record 3)"}}, rep.Problems)
}

func TestVerifyAcrossChunks(t *testing.T) {
	defer func(n int) { verifyChunk = n }(verifyChunk)
	verifyChunk = 3
	s := buildChain(t, newSQLite, 10)
	rep, err := Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.True(t, rep.OK(), rep.String())
	require.Equal(t, uint64(10), rep.Records)
	rewriteJSON(t, s, 7, `"e7"`, `"x7"`, false)
	rawDelete(t, s, recordKey(3))
	rep, err = Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.Equal(t, []ProblemKind{ProblemMissing, ProblemModified}, []ProblemKind{rep.Problems[0].Kind, rep.Problems[1].Kind})
	require.Equal(t, uint64(7), rep.Problems[1].Seq)
}

func TestVerifyCapsProblems(t *testing.T) {
	s := buildChain(t, newSQLite, MaxProblems+5)
	for seq := uint64(1); seq <= MaxProblems+5; seq++ {
		rewriteJSON(t, s, seq, `"Decrypt"`, `"Encrypt"`, false)
	}
	rep, err := Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.Len(t, rep.Problems, MaxProblems)
	require.Equal(t, 5, rep.ProblemsOmitted)
	require.Contains(t, rep.String(), "and 5 more")
}
