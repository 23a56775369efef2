package audit

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/meta"
)

// eventIDs returns the eventIDs of stored records, checking that their sequence numbers count up from first.
func eventIDs(t *testing.T, recs []Stored, first uint64) []string {
	t.Helper()
	var out []string
	for i, r := range recs {
		require.Equal(t, first+uint64(i), r.Seq)
		var v struct {
			EventID string `json:"eventID"`
		}
		require.NoError(t, json.Unmarshal(r.JSON, &v))
		out = append(out, v.EventID)
	}
	return out
}

func TestReadFollowsTheChain(t *testing.T) {
	forEachStore(t, func(t *testing.T, newStore func(testing.TB) meta.Store) {
		ctx := context.Background()
		store := buildChain(t, newStore, 7)
		l, _ := openTestLog(t, store)
		last, err := l.LastSeq(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(7), last)
		cases := []struct {
			after uint64
			limit int
			want  []string
		}{
			{after: 0, limit: 3, want: []string{"e1", "e2", "e3"}},
			{after: 3, limit: 3, want: []string{"e4", "e5", "e6"}},
			{after: 6, limit: 3, want: []string{"e7"}},
			{after: 7, limit: 3},
			{after: 0, limit: 100, want: []string{"e1", "e2", "e3", "e4", "e5", "e6", "e7"}},
			{after: 2, limit: 0},
			{after: 50, limit: 3},
		}
		for _, tc := range cases {
			got, err := l.Read(ctx, tc.after, tc.limit)
			require.NoError(t, err, "after %d", tc.after)
			require.Equal(t, tc.want, eventIDs(t, got, tc.after+1), "after %d limit %d", tc.after, tc.limit)
		}
	})
}

func TestReadRefusesATamperedTrail(t *testing.T) {
	// The trail holds records 1-3, 4-6 and 7 in three batches.
	cases := []struct {
		name   string
		tamper func(t *testing.T, s meta.Store)
		after  uint64
		want   string
	}{
		{name: "JSON changed", tamper: func(t *testing.T, s meta.Store) { rewriteJSON(t, s, 4, `"Decrypt"`, `"Encrypt"`, false) },
			want: "record 4 does not match its chain hash"},
		{name: "JSON changed and rehashed without the key", tamper: func(t *testing.T, s meta.Store) { rewriteJSON(t, s, 5, `"e5"`, `"e55"`, true) },
			after: 2, want: "the entry of record 5 does not authenticate"},
		{name: "record deleted", tamper: func(t *testing.T, s meta.Store) { deleteRecord(t, s, 3) },
			want: "record 3 is missing"},
		{name: "batch deleted", tamper: func(t *testing.T, s meta.Store) { rawDelete(t, s, batchKey(4)) },
			after: 1, want: "record 4 is missing"},
		{name: "cursor record deleted", tamper: func(t *testing.T, s meta.Store) { deleteRecord(t, s, 2) },
			after: 2, want: "record 2 is missing"},
		{name: "first batch deleted", tamper: func(t *testing.T, s meta.Store) { rawDelete(t, s, batchKey(1)) },
			after: 2, want: "record 2 is missing"},
		{name: "tail truncated at the cursor", tamper: func(t *testing.T, s meta.Store) {
			deleteRecord(t, s, 6)
			deleteRecord(t, s, 5)
			rawDelete(t, s, batchKey(7))
		}, after: 5, want: "record 5 is missing"},
		{name: "entry moved", tamper: func(t *testing.T, s meta.Store) {
			e4 := storedEntry(t, s, 4)
			editEntry(t, s, 5, func(e *entry) { *e = e4 })
		}, after: 3, want: "the entry of record 5 does not authenticate"},
		{name: "batch corrupt", tamper: func(t *testing.T, s meta.Store) { rawPut(t, s, batchKey(4), []byte{1, 0}) },
			after: 3, want: "batch after record 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := buildChain(t, newSQLite, 7)
			tc.tamper(t, store)
			l, _ := openTestLog(t, store)
			_, err := l.Read(context.Background(), tc.after, 10)
			require.ErrorIs(t, err, ErrBroken)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestReadSeesNewRecordsAfterACursor(t *testing.T) {
	ctx := context.Background()
	l, _ := openTestLog(t, newSQLite(t))
	last, err := l.LastSeq(ctx)
	require.NoError(t, err)
	require.Zero(t, last)
	for _, name := range []string{"Encrypt", "Decrypt"} {
		require.NoError(t, l.Append(ctx, rec(acctA, name, testTime)))
	}
	got, err := l.Read(ctx, 0, 10)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.NoError(t, l.Append(ctx, rec(acctA, "GenerateDataKey", testTime)))
	got, err = l.Read(ctx, got[1].Seq, 10)
	require.NoError(t, err)
	require.Equal(t, []string{"e3"}, eventIDs(t, got, 3))
}
