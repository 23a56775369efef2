package audit

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// buildChain appends n records (e1..en, one second apart) in batches of three (1-3, 4-6, …) and returns the
// store.
func buildChain(t *testing.T, newStore func(testing.TB) meta.Store, n int) meta.Store {
	t.Helper()
	store := newStore(t)
	l, _ := openTestLog(t, store)
	var groups [][]*Record
	for i := range n {
		if i%3 == 0 {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], rec(acctA, "Decrypt", testTime.Add(time.Duration(i)*time.Second)))
	}
	appendBatches(t, l, groups...)
	require.NoError(t, l.Close())
	return store
}

// rewriteJSON replaces the JSON of record seq in its batch, keeping (or, with rehash, recomputing without
// the key) its hash and MAC.
func rewriteJSON(t *testing.T, s meta.Store, seq uint64, from, to string, rehash bool) {
	t.Helper()
	prev := Hash{}
	if rehash && seq > 1 {
		prev = storedEntry(t, s, seq-1).hash
	}
	editEntry(t, s, seq, func(e *entry) {
		require.Contains(t, string(e.json), from)
		e.json = bytes.Replace(e.json, []byte(from), []byte(to), 1)
		if rehash {
			e.hash = chainHash(prev, seq, e.json)
		}
	})
}

// swapEntries swaps the entries of records a and b (in one batch or two).
func swapEntries(t *testing.T, s meta.Store, a, b uint64) {
	t.Helper()
	ka, _, _ := storedBatch(t, s, a)
	kb, _, _ := storedBatch(t, s, b)
	if ka == kb {
		editBatch(t, s, a, func(es []entry) []entry {
			i := slices.IndexFunc(es, func(e entry) bool { return e.seq == a })
			j := slices.IndexFunc(es, func(e entry) bool { return e.seq == b })
			es[i], es[j] = es[j], es[i]
			return es
		})
		return
	}
	ea, eb := storedEntry(t, s, a), storedEntry(t, s, b)
	editEntry(t, s, a, func(e *entry) { *e = eb })
	editEntry(t, s, b, func(e *entry) { *e = ea })
}

func TestVerify(t *testing.T) {
	const n = 10 // batches 1-3, 4-6, 7-9, 10
	otherKey := macKey{key: bytes.Repeat([]byte{1}, 32)}
	headMACBad := "head MAC does not authenticate (head rewritten, or another chain key)"
	cases := []struct {
		name   string
		tamper func(t *testing.T, s meta.Store)
		key    []byte // verify with this key instead of the chain's
		want   []Problem
	}{
		{name: "clean"},
		{
			name:   "record JSON changed",
			tamper: func(t *testing.T, s meta.Store) { rewriteJSON(t, s, 4, `"Decrypt"`, `"Encrypt"`, false) },
			want:   []Problem{{Kind: ProblemModified, Seq: 4, LastSeq: 4, EventID: "e4", Detail: "record JSON does not match its chain hash"}},
		},
		{
			name:   "record JSON changed inside a batch",
			tamper: func(t *testing.T, s meta.Store) { rewriteJSON(t, s, 5, `"Decrypt"`, `"Encrypt-longer"`, false) },
			want:   []Problem{{Kind: ProblemModified, Seq: 5, LastSeq: 5, EventID: "e5", Detail: "record JSON does not match its chain hash"}},
		},
		{
			name:   "record JSON and hash changed",
			tamper: func(t *testing.T, s meta.Store) { rewriteJSON(t, s, 4, `"e4"`, `"e44"`, true) },
			want:   []Problem{{Kind: ProblemModified, Seq: 4, LastSeq: 4, EventID: "e44", Detail: "entry MAC does not authenticate (hash rewritten, or another chain key)"}},
		},
		{
			name:   "record deleted from a batch",
			tamper: func(t *testing.T, s meta.Store) { deleteRecord(t, s, 5) },
			want:   []Problem{{Kind: ProblemMissing, Seq: 5, LastSeq: 5, Detail: "records deleted"}},
		},
		{
			name:   "first record of a batch deleted",
			tamper: func(t *testing.T, s meta.Store) { deleteRecord(t, s, 4) },
			want:   []Problem{{Kind: ProblemMissing, Seq: 4, LastSeq: 4, Detail: "records deleted"}},
		},
		{
			name:   "last record of a batch deleted",
			tamper: func(t *testing.T, s meta.Store) { deleteRecord(t, s, 6) },
			want:   []Problem{{Kind: ProblemMissing, Seq: 6, LastSeq: 6, Detail: "records deleted"}},
		},
		{
			name:   "batch deleted",
			tamper: func(t *testing.T, s meta.Store) { rawDelete(t, s, batchKey(4)) },
			want:   []Problem{{Kind: ProblemMissing, Seq: 4, LastSeq: 6, Detail: "records deleted"}},
		},
		{
			name:   "records swapped in a batch",
			tamper: func(t *testing.T, s meta.Store) { swapEntries(t, s, 4, 5) },
			want: []Problem{
				{Kind: ProblemReordered, Seq: 4, LastSeq: 4, EventID: "e5", Detail: "holds the entry of record 5"},
				{Kind: ProblemReordered, Seq: 5, LastSeq: 5, EventID: "e4", Detail: "holds the entry of record 4"},
			},
		},
		{
			name:   "records swapped across batches",
			tamper: func(t *testing.T, s meta.Store) { swapEntries(t, s, 6, 7) },
			want: []Problem{
				{Kind: ProblemReordered, Seq: 6, LastSeq: 6, EventID: "e7", Detail: "holds the entry of record 7"},
				{Kind: ProblemReordered, Seq: 7, LastSeq: 7, EventID: "e6", Detail: "holds the entry of record 6"},
			},
		},
		{
			name: "batch corrupt",
			tamper: func(t *testing.T, s meta.Store) {
				b := rawGet(t, s, batchKey(4))
				b[0] = 9
				rawPut(t, s, batchKey(4), b)
			},
			want: []Problem{{Kind: ProblemCorrupt, Seq: 4, LastSeq: 4, Detail: "batch version 9: corrupt"}},
		},
		{
			name: "last batch cut short",
			tamper: func(t *testing.T, s meta.Store) {
				b := rawGet(t, s, batchKey(10))
				rawPut(t, s, batchKey(10), b[:len(b)-1])
			},
			want: []Problem{{Kind: ProblemCorrupt, Seq: 10, LastSeq: 10, Detail: "batch body: unexpected EOF: corrupt"}},
		},
		{
			name:   "not a batch key",
			tamper: func(t *testing.T, s meta.Store) { rawPut(t, s, "b\x00\x01", []byte{1}) },
			want:   []Problem{{Kind: ProblemCorrupt, Detail: "key 620001 is not a batch key"}},
		},
		{
			name: "tail truncated",
			tamper: func(t *testing.T, s meta.Store) {
				deleteRecord(t, s, 9)
				rawDelete(t, s, batchKey(10))
			},
			want: []Problem{{Kind: ProblemTruncated, Seq: 9, LastSeq: 10, Detail: "the head names record 10 but the records end at 8"}},
		},
		{
			name: "tail truncated and head forged",
			tamper: func(t *testing.T, s meta.Store) {
				e8 := storedEntry(t, s, 8)
				deleteRecord(t, s, 9)
				rawDelete(t, s, batchKey(10))
				rawPut(t, s, keyHead, encodeHead(otherKey.sealHead(8, e8.hash)))
			},
			want: []Problem{{Kind: ProblemHeadInvalid, Seq: 8, LastSeq: 8, Detail: headMACBad}},
		},
		{
			name: "head rolled back",
			tamper: func(t *testing.T, s meta.Store) {
				rawPut(t, s, keyHead, encodeHead(logKey.sealHead(8, storedEntry(t, s, 8).hash)))
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
			name:   "head of the old layout",
			tamper: func(t *testing.T, s meta.Store) { b := rawGet(t, s, keyHead); b[0] = 1; rawPut(t, s, keyHead, b) },
			want:   []Problem{{Kind: ProblemHeadInvalid, Detail: "head of layout version 1 (this version reads 2): corrupt"}},
		},
		{
			name: "whole chain rewritten without the key",
			tamper: func(t *testing.T, s meta.Store) {
				prev := Hash{}
				m := otherKey.macer()
				for seq := uint64(1); seq <= n; seq++ {
					editEntry(t, s, seq, func(e *entry) {
						*e = m.seal(prev, seq, e.sec, bytes.Replace(e.json, []byte(`"Decrypt"`), []byte(`"Encrypt"`), 1))
						prev = e.hash
					})
				}
				rawPut(t, s, keyHead, encodeHead(otherKey.sealHead(n, prev)))
			},
			want: append(allModifiedByMAC(n), Problem{Kind: ProblemHeadInvalid, Seq: n, LastSeq: n, Detail: headMACBad}),
		},
		{
			name: "verified with another key",
			key:  otherKey.key,
			want: append(allModifiedByMAC(n), Problem{Kind: ProblemHeadInvalid, Seq: n, LastSeq: n, Detail: headMACBad}),
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
				key := testChainKey
				if tc.key != nil {
					key = tc.key
				}
				rep, err := Verify(context.Background(), s, key)
				require.NoError(t, err)
				require.Equal(t, tc.want, rep.Problems, rep.String())
				if tc.want == nil {
					require.Equal(t, uint64(n), rep.Records)
					require.Equal(t, storedEntry(t, s, n).hash, rep.HeadHash)
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

func TestVerifyEmptyAndExtraRecords(t *testing.T) {
	s := newSQLite(t)
	rep, err := Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.True(t, rep.OK())
	require.Zero(t, rep.Records)

	forged := func(prev Hash, seq uint64) entry {
		return logKey.macer().seal(prev, seq, testTime.Unix(), []byte(`{"eventID":"forged"}`))
	}
	// A batch added after the head, and a record added to the last batch: both lie beyond the head.
	s = buildChain(t, newSQLite, 3)
	rawPut(t, s, batchKey(4), encodeBatch(codecRaw, []entry{forged(storedEntry(t, s, 3).hash, 4)}))
	rep, err = Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.Equal(t, []Problem{{Kind: ProblemUnanchored, Seq: 4, LastSeq: 4, Detail: "records after the head (record 3)"}}, rep.Problems)

	s = buildChain(t, newSQLite, 3)
	editBatch(t, s, 3, func(es []entry) []entry { return append(es, forged(es[2].hash, 4)) })
	rep, err = Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.Equal(t, []Problem{{Kind: ProblemUnanchored, Seq: 4, LastSeq: 4, Detail: "records after the head (record 3)"}}, rep.Problems)
}

func TestVerifyAcrossChunks(t *testing.T) {
	defer func(n int) { verifyChunk = n }(verifyChunk)
	verifyChunk = 1 // one batch per transaction
	s := buildChain(t, newSQLite, 10)
	rep, err := Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.True(t, rep.OK(), rep.String())
	require.Equal(t, uint64(10), rep.Records)
	rewriteJSON(t, s, 7, `"e7"`, `"x7"`, false)
	deleteRecord(t, s, 3)
	rep, err = Verify(context.Background(), s, testChainKey)
	require.NoError(t, err)
	require.Equal(t, []ProblemKind{ProblemMissing, ProblemModified}, []ProblemKind{rep.Problems[0].Kind, rep.Problems[1].Kind})
	require.Equal(t, uint64(3), rep.Problems[0].Seq)
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
