package audit

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/sqlite"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
}

var testChainKey = bytes.Repeat([]byte{0x5a}, 32)

// storeKinds are the stores the store-backed tests run on.
var storeKinds = map[string]func(t testing.TB) meta.Store{"sqlite": newSQLite}

func newSQLite(t testing.TB) meta.Store {
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "meta.db"), sqlite.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// forEachStore runs fn once per store kind.
func forEachStore(t *testing.T, fn func(t *testing.T, newStore func(testing.TB) meta.Store)) {
	for name, open := range storeKinds {
		t.Run(name, func(t *testing.T) { fn(t, open) })
	}
}

// seqIDs returns a NewID that counts: e1, e2, …
func seqIDs() func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("e%d", n.Add(1)) }
}

// openTestLog opens a Log on store with a fake clock at testTime and counting event IDs, and closes it at
// the end of the test.
func openTestLog(t testing.TB, store meta.Store, edit ...func(*Config)) (*Log, *clock.Fake) {
	clk := clock.NewFake(testTime)
	cfg := Config{Store: store, Clock: clk, ChainKey: testChainKey, NewID: seqIDs()}
	for _, e := range edit {
		e(&cfg)
	}
	l, err := Open(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l, clk
}

// rec returns a minimal valid management event of account acct at time at.
func rec(acct, name string, at time.Time) *Record {
	return &Record{
		UserIdentity:       UserIdentity{Type: IdentityIAMUser, AccountID: acct, UserName: "alice", AccessKeyID: "AKIA" + acct},
		EventTime:          at,
		EventSource:        "kms.amazonaws.com",
		EventName:          name,
		AWSRegion:          "us-east-1",
		RecipientAccountID: acct,
	}
}

// hookStore wraps a store to observe and steer Update: before, if set, runs before each Update and may fail
// it.
type hookStore struct {
	meta.Store
	mu     sync.Mutex
	before func() error
}

func (s *hookStore) setBefore(fn func() error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.before = fn
}

func (s *hookStore) Update(ctx context.Context, fn func(meta.Tx) error) error {
	s.mu.Lock()
	before := s.before
	s.mu.Unlock()
	if before != nil {
		if err := before(); err != nil {
			return err
		}
	}
	return s.Store.Update(ctx, fn)
}

// countingStore counts the keys its transactions' scans visit and the Gets they make.
type countingStore struct {
	meta.Store
	scanned, gets atomic.Int64
}

func (s *countingStore) View(ctx context.Context, fn func(meta.Tx) error) error {
	return s.Store.View(ctx, func(tx meta.Tx) error { return fn(countingTx{tx, s}) })
}

type countingTx struct {
	meta.Tx
	s *countingStore
}

func (t countingTx) Get(table, key string) ([]byte, error) {
	t.s.gets.Add(1)
	return t.Tx.Get(table, key)
}

func (t countingTx) Scan(table string, r meta.Range, fn func(string, []byte) bool) error {
	return t.Tx.Scan(table, r, func(k string, v []byte) bool {
		t.s.scanned.Add(1)
		return fn(k, v)
	})
}

// rawPut writes value under key in the audit table, bypassing the Log (tampering).
func rawPut(t *testing.T, s meta.Store, key string, value []byte) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx meta.Tx) error { return tx.Put(Table, key, value) }))
}

// rawDelete deletes key from the audit table, bypassing the Log.
func rawDelete(t *testing.T, s meta.Store, key string) {
	t.Helper()
	require.NoError(t, s.Update(context.Background(), func(tx meta.Tx) error { return tx.Delete(Table, key) }))
}

// rawGet reads key from the audit table.
func rawGet(t *testing.T, s meta.Store, key string) []byte {
	t.Helper()
	var out []byte
	require.NoError(t, s.View(context.Background(), func(tx meta.Tx) error {
		b, err := tx.Get(Table, key)
		out = bytes.Clone(b)
		return err
	}))
	return out
}

// appendBatches appends each group of records as one commit, through the Log's own batch writer, so that
// tests know how the trail is laid out. The Log's writer goroutine stays idle.
func appendBatches(t testing.TB, l *Log, groups ...[]*Record) {
	t.Helper()
	for _, g := range groups {
		var recs []*item
		for _, r := range g {
			it, err := l.prepare(r)
			require.NoError(t, err)
			recs = append(recs, it)
		}
		p := l.plan(recs)
		require.NoError(t, l.cfg.Store.Update(context.Background(), func(tx meta.Tx) error { return l.writeBatch(tx, p) }))
	}
}

// encodeBatch lays out a batch row of entries with the given codec.
func encodeBatch(codec byte, entries []entry) []byte {
	var body []byte
	if codec == codecDeflate {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestSpeed)
		for _, e := range entries {
			_, _ = w.Write(e.json)
		}
		_ = w.Close()
		body = buf.Bytes()
	} else {
		for _, e := range entries {
			body = append(body, e.json...)
		}
	}
	return append(appendBatchHeader(nil, codec, entries), body...)
}

// storedBatch returns the key, codec and entries of the batch row that holds record seq.
func storedBatch(t *testing.T, s meta.Store, seq uint64) (string, byte, []entry) {
	t.Helper()
	var key string
	var codec byte
	var out []entry
	require.NoError(t, s.View(context.Background(), func(tx meta.Tx) error {
		var err error
		if key, err = batchBefore(tx, seq); err != nil {
			return err
		}
		b, err := tx.Get(Table, key)
		if err != nil {
			return err
		}
		bt, err := decodeBatch(b)
		if err != nil {
			return err
		}
		codec = bt.codec
		for i := range bt.len() {
			e, ok := bt.entry(i)
			require.True(t, ok, "record %d of the batch", i)
			e.json = bytes.Clone(e.json)
			out = append(out, e)
		}
		return nil
	}))
	return key, codec, out
}

// storedEntry returns record seq as stored.
func storedEntry(t *testing.T, s meta.Store, seq uint64) entry {
	t.Helper()
	_, _, es := storedBatch(t, s, seq)
	for _, e := range es {
		if e.seq == seq {
			return e
		}
	}
	t.Fatalf("record %d is not stored", seq)
	return entry{}
}

// editBatch rewrites the batch that holds record seq with edit's entries (bypassing the Log: tampering);
// no entries deletes the batch.
func editBatch(t *testing.T, s meta.Store, seq uint64, edit func([]entry) []entry) {
	t.Helper()
	key, codec, es := storedBatch(t, s, seq)
	es = edit(es)
	if len(es) == 0 {
		rawDelete(t, s, key)
		return
	}
	rawPut(t, s, key, encodeBatch(codec, es))
}

// editEntry rewrites record seq in its batch.
func editEntry(t *testing.T, s meta.Store, seq uint64, edit func(*entry)) {
	t.Helper()
	editBatch(t, s, seq, func(es []entry) []entry {
		for i := range es {
			if es[i].seq == seq {
				edit(&es[i])
			}
		}
		return es
	})
}

// deleteRecord cuts record seq out of its batch.
func deleteRecord(t *testing.T, s meta.Store, seq uint64) {
	t.Helper()
	editBatch(t, s, seq, func(es []entry) []entry {
		return slices.DeleteFunc(es, func(e entry) bool { return e.seq == seq })
	})
}
