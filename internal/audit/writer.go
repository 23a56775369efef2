package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// run is the writer goroutine: it commits batches until Close, then drains the queue and stops.
func (l *Log) run() {
	defer close(l.exited)
	for {
		batch, closing := l.nextBatch()
		if len(batch) == 0 {
			if closing {
				return
			}
			continue
		}
		l.commit(batch, closing)
	}
}

// nextBatch waits for queued records and takes up to MaxBatch of them. It reports whether Close has been
// called; once it has, it returns at once (an empty batch then means the queue is drained).
func (l *Log) nextBatch() ([]*item, bool) {
	for {
		batch, closing := l.take(l.cfg.MaxBatch)
		if len(batch) > 0 || closing {
			if !closing && l.cfg.MaxDelay > 0 && len(batch) < l.cfg.MaxBatch && asyncOnly(batch) {
				l.waitToGrow()
				more, c := l.take(l.cfg.MaxBatch - len(batch))
				batch, closing = append(batch, more...), c
			}
			return batch, closing
		}
		select {
		case <-l.wake:
		case <-l.closing:
		}
	}
}

// take removes up to n records from the head of the queue.
func (l *Log) take(n int) ([]*item, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n = min(n, len(l.queue))
	batch := make([]*item, n)
	copy(batch, l.queue)
	clear(l.queue[:n])
	l.queue = l.queue[n:]
	if len(l.queue) == 0 {
		l.queue = nil // let the backing array go
	}
	return batch, l.closed
}

// waitToGrow waits MaxDelay for more records, or less if an Append caller arrives, a full batch is queued
// or the Log is closing.
func (l *Log) waitToGrow() {
	select {
	case <-l.cfg.Clock.After(l.cfg.MaxDelay):
	case <-l.urgent:
	case <-l.closing:
	}
}

func asyncOnly(batch []*item) bool {
	for _, it := range batch {
		if it.done != nil {
			return false
		}
	}
	return true
}

// commit writes batch in one transaction and wakes its Append callers. A batch of only Flush barriers needs
// no transaction: everything queued before them is already settled. A failed batch is handled by failed.
func (l *Log) commit(batch []*item, closing bool) {
	n := records(batch)
	var err error
	if n > 0 {
		err = l.cfg.Store.Update(context.Background(), func(tx meta.Tx) error {
			return l.writeBatch(tx, batch)
		})
	}
	if err != nil {
		l.failed(batch, closing, fmt.Errorf("audit: commit %d records: %w", n, err))
		return
	}
	if n > 0 {
		l.batches.Add(1)
		l.committed.Add(uint64(n))
	}
	for _, it := range batch {
		if it.done != nil {
			it.done <- nil
		}
		<-l.slots
	}
}

// failed settles the items of a batch whose commit failed with err. Each item that may try again goes back
// to the head of the queue, in order: every item after a conflict (another node advanced the chain head
// first, and the store gave up retrying), and AppendAsync records after any failure unless the Log is
// closing; both up to MaxAttempts commits. The others fail: an Append caller gets err, an AppendAsync record
// is logged as lost. After a failure other than a conflict the writer pauses RetryBackoff (less if an Append
// caller arrives or the Log closes) before it tries again.
func (l *Log) failed(batch []*item, closing bool, err error) {
	conflict := errors.Is(err, meta.ErrConflict)
	var retry []*item
	lost := 0
	for _, it := range batch {
		it.tries++
		again := it.tries < l.cfg.MaxAttempts && (conflict || (it.done == nil && !closing))
		switch {
		case again:
			retry = append(retry, it)
			continue
		case it.done != nil:
			it.done <- err
		default:
			lost++
			l.dropped.Add(1)
			l.cfg.Logger.Error("audit record lost", "eventID", it.eventID, "attempts", it.tries, "err", err)
		}
		<-l.slots
	}
	if lost > 0 && closing {
		l.closeErr = errors.Join(l.closeErr, fmt.Errorf("audit: close: %d queued records lost: %w", lost, err))
	}
	if len(retry) == 0 {
		return
	}
	l.cfg.Logger.Warn("audit commit failed; retrying", "records", len(retry), "err", err)
	l.mu.Lock()
	l.queue = append(retry, l.queue...)
	l.mu.Unlock()
	if conflict {
		return // the store has backed off already
	}
	select {
	case <-l.cfg.Clock.After(l.cfg.RetryBackoff):
	case <-l.urgent:
	case <-l.closing:
	}
}

// writeBatch appends batch to the chain inside tx: it reads the head, inserts each record's entry and index
// entries, and stores the new head. It has no effects outside tx, so Update may run it again.
func (l *Log) writeBatch(tx meta.Tx, batch []*item) error {
	h, err := l.readHead(tx)
	if err != nil {
		return err
	}
	seq, hash := h.seq, h.hash
	empty := []byte{}
	for _, it := range batch {
		if it.barrier() {
			continue
		}
		seq++
		e := l.mac.sealEntry(hash, seq, it.json)
		hash = e.hash
		if err := tx.Insert(Table, recordKey(seq), encodeEntry(e)); err != nil {
			return fmt.Errorf("insert record %d: %w", seq, err)
		}
		suffix := position{sec: it.sec, seq: seq}.suffix()
		for _, p := range it.prefixes {
			if err := tx.Insert(Table, p+suffix, empty); err != nil {
				return fmt.Errorf("insert index of record %d: %w", seq, err)
			}
		}
	}
	if err := tx.Put(Table, keyHead, encodeHead(l.mac.sealHead(seq, hash))); err != nil {
		return fmt.Errorf("store chain head: %w", err)
	}
	return nil
}

// readHead returns the chain head (the empty chain if there is none yet), or ErrHeadInvalid if it does not
// authenticate.
func (l *Log) readHead(tx meta.Tx) (head, error) {
	b, err := tx.Get(Table, keyHead)
	if errors.Is(err, meta.ErrNotFound) {
		return head{}, nil
	}
	if err != nil {
		return head{}, fmt.Errorf("read chain head: %w", err)
	}
	h, err := decodeHead(b)
	if err != nil {
		return head{}, fmt.Errorf("%w: %v", ErrHeadInvalid, err)
	}
	if !l.mac.headMACValid(h) {
		return head{}, ErrHeadInvalid
	}
	return h, nil
}

// indexPrefixes returns the index key prefixes of a management event: the account's time index and one
// attribute index per LookupAttributeKey value the record has. Values longer than a lookup value can be
// are not indexed.
func indexPrefixes(r *Record) []string {
	acct := r.RecipientAccountID
	out := []string{timePrefix(acct)}
	seen := map[string]bool{}
	add := func(attr byte, v string) {
		if v == "" || len(v) > maxIndexedValue {
			return
		}
		p := attrPrefix(acct, attr, v)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	add(attrEventID, r.EventID)
	add(attrEventName, r.EventName)
	add(attrReadOnly, readOnlyString(r.ReadOnly))
	add(attrUsername, r.Username())
	add(attrEventSource, r.EventSource)
	add(attrAccessKeyID, r.UserIdentity.AccessKeyID)
	for _, res := range r.Resources {
		add(attrResourceType, res.Type)
		add(attrResourceName, res.ARN)
	}
	return out
}

func readOnlyString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
