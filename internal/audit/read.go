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
		out = out[:0]
		var prev Hash // the chain hash of record after (zero for the start of the chain)
		expect, start := after, recordKey(after)
		if after == 0 {
			expect, start = 1, recordKey(1)
		}
		var ierr error
		err := tx.Scan(Table, meta.Range{Prefix: prefixRecord, Start: start, Limit: limit + 1}, func(k string, v []byte) bool {
			var e entry
			e, ierr = l.checkedEntry(k, v, expect)
			if ierr != nil {
				return false
			}
			expect++
			if e.seq > after {
				if chainHash(prev, e.seq, e.json) != e.hash {
					ierr = fmt.Errorf("%w: record %d does not match its chain hash", ErrBroken, e.seq)
					return false
				}
				out = append(out, Stored{Seq: e.seq, JSON: e.json})
			}
			prev = e.hash
			return len(out) < limit
		})
		if err == nil {
			err = ierr
		}
		if err == nil && after > 0 && expect == after {
			err = l.afterExists(tx, after)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: read after %d: %w", after, err)
	}
	return out, nil
}

// checkedEntry decodes the entry stored under k, which should be record seq, and checks its MAC.
func (l *Log) checkedEntry(k string, v []byte, seq uint64) (entry, error) {
	got, err := parseRecordKey(k)
	if err == nil && got != seq {
		return entry{}, fmt.Errorf("%w: record %d is missing", ErrBroken, seq)
	}
	var e entry
	if err == nil {
		e, err = decodeEntry(v)
	}
	if err != nil {
		return entry{}, fmt.Errorf("%w: record %d: %v", ErrBroken, seq, err)
	}
	if e.seq != seq || !l.mac.entryMACValid(e) {
		return entry{}, fmt.Errorf("%w: the entry of record %d does not authenticate", ErrBroken, seq)
	}
	return e, nil
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
