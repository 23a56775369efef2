package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// ErrBroken is wrapped by Read when a stored record does not verify: it is missing from the middle of the
// chain, its entry does not authenticate, or its JSON does not hash to its chain hash. Verify tells the
// whole story.
var ErrBroken = errors.New("audit: the trail does not verify (run seclake audit verify)")

// Stored is a committed record as the trail holds it: its sequence number and its JSON exactly as chained.
type Stored struct {
	Seq  uint64
	JSON []byte
}

// batchScanChunk is how many batch rows one Scan reads (batches can be large; this bounds memory).
const batchScanChunk = 8

// scanBatches calls fn with the batch rows from key start on, in key order, until fn returns false or an
// error, or max rows have been passed (max ≤ 0: no limit). It returns the key to continue from, or "" when
// no rows are left.
func scanBatches(tx meta.Tx, start string, max int, fn func(k string, v []byte) (bool, error)) (string, error) {
	seen := 0
	for {
		n := batchScanChunk
		if max > 0 {
			n = min(n, max-seen)
		}
		got, more, stop := 0, true, false
		var ferr error
		err := tx.Scan(Table, meta.Range{Prefix: prefixBatch, Start: start, Limit: n}, func(k string, v []byte) bool {
			got++
			start = k + "\x00"
			more, ferr = fn(k, v)
			stop = !more || ferr != nil
			return !stop
		})
		if err == nil {
			err = ferr
		}
		if err != nil {
			return "", fmt.Errorf("scan batches: %w", err)
		}
		seen += got
		switch {
		case stop:
			return start, nil
		case got < n:
			return "", nil
		case max > 0 && seen >= max:
			return start, nil
		}
	}
}

// Read returns up to limit committed records whose sequence numbers follow after, in chain order, for
// readers that follow the trail with a cursor (trails delivering to buckets). Every record returned is
// checked against the chain: its entry's MAC and its link to the record before it, so a reader never passes
// on a record that was changed in the store; such a record yields an error wrapping ErrBroken. Read does
// not wait for queued records (Flush does).
func (l *Log) Read(ctx context.Context, after uint64, limit int) ([]Stored, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []Stored
	err := l.cfg.Store.View(ctx, func(tx meta.Tx) error {
		rd := &reader{m: l.mac.macer(), after: after, expect: after, limit: limit, found: after == 0}
		if after == 0 {
			rd.expect = 1
		}
		start, err := batchBefore(tx, after)
		if err == nil {
			_, err = scanBatches(tx, start, 0, rd.batch)
		}
		if err == nil && !rd.found {
			err = l.afterExists(tx, after)
		}
		out = rd.out
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: read after %d: %w", after, err)
	}
	return out, nil
}

// batchBefore returns the key of the batch that holds record seq (the last batch whose key is at or before
// it), or the start of the batches if there is none.
func batchBefore(tx meta.Tx, seq uint64) (string, error) {
	start := prefixBatch
	if seq == 0 {
		return start, nil
	}
	err := tx.Scan(Table, meta.Range{Prefix: prefixBatch, End: batchKey(seq) + "\x00", Reverse: true, Limit: 1}, func(k string, _ []byte) bool {
		start = k
		return false
	})
	if err != nil {
		return "", fmt.Errorf("find the batch of record %d: %w", seq, err)
	}
	return start, nil
}

// reader checks the records of a Read in chain order.
type reader struct {
	m      *macer
	after  uint64
	expect uint64 // the record to see next
	found  bool   // record after (or the start of the chain) has been seen: prev is its hash
	prev   Hash
	limit  int
	out    []Stored
}

// batch checks and collects the records of one batch row.
func (rd *reader) batch(_ string, v []byte) (bool, error) {
	bt, err := decodeBatch(v)
	if err != nil {
		return false, fmt.Errorf("%w: batch after record %d: %v", ErrBroken, rd.expect-1, err)
	}
	for i := range bt.len() {
		e := bt.chain(i)
		if !rd.found && e.seq < rd.after {
			continue // before the cursor
		}
		switch {
		case e.seq > rd.expect:
			return false, fmt.Errorf("%w: record %d is missing", ErrBroken, rd.expect)
		case e.seq < rd.expect || !rd.m.entryMACValid(e):
			return false, fmt.Errorf("%w: the entry of record %d does not authenticate", ErrBroken, rd.expect)
		}
		rd.expect++
		if !rd.found {
			rd.found, rd.prev = true, e.hash
			continue
		}
		js, ok := bt.json(i)
		if !ok {
			return false, fmt.Errorf("%w: record %d cannot be read: %v", ErrBroken, e.seq, bt.bodyErr)
		}
		e.json = js
		if rd.m.chain(rd.prev, e.seq, e.json) != e.hash {
			return false, fmt.Errorf("%w: record %d does not match its chain hash", ErrBroken, e.seq)
		}
		rd.prev = e.hash
		rd.out = append(rd.out, Stored{Seq: e.seq, JSON: e.json})
		if len(rd.out) == rd.limit {
			return false, nil
		}
	}
	return true, nil
}

// afterExists reports ErrBroken when the cursor's own record is gone while the head lies beyond it (a scan
// that found nothing from the cursor on is only the end of the trail if the head says so).
func (l *Log) afterExists(tx meta.Tx, after uint64) error {
	h, err := l.readHead(tx)
	if err != nil {
		return err
	}
	if h.seq >= after {
		return fmt.Errorf("%w: record %d is missing", ErrBroken, after)
	}
	return nil
}

// LastSeq returns the sequence number of the newest committed record (0 for an empty trail). A reader that
// starts following the trail now reads after it.
func (l *Log) LastSeq(ctx context.Context) (uint64, error) {
	var h head
	err := l.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		h, err = l.readHead(tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("audit: last sequence number: %w", err)
	}
	return h.seq, nil
}
