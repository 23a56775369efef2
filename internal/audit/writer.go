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
	recs := records(batch)
	var err error
	if len(recs) > 0 {
		p := l.plan(recs)
		err = l.cfg.Store.Update(context.Background(), func(tx meta.Tx) error {
			return l.writeBatch(tx, p)
		})
	}
	if err != nil {
		l.failed(batch, closing, fmt.Errorf("audit: commit %d records: %w", len(recs), err))
		return
	}
	if len(recs) > 0 {
		l.batches.Add(1)
		l.committed.Add(uint64(len(recs)))
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

// commitPlan is what a commit writes, prepared outside the transaction (which may run more than once):
// its records split into rows with their bodies, and its index rows.
type commitPlan struct {
	rows  []rowPlan
	index []indexRow // keyed by the commit's first sequence number
}

// rowPlan is one batch row of a commit: its records and its body.
type rowPlan struct {
	recs  []*item
	codec byte
	body  []byte
}

// plan splits recs (in chain order) into rows of about rowTarget bytes of JSON, encodes their bodies and
// plans the commit's index.
func (l *Log) plan(recs []*item) commitPlan {
	total := 0
	ix := make([]*indexed, len(recs))
	for i, it := range recs {
		total += len(it.json)
		ix[i] = &it.ix
	}
	target := total/max(1, (total+rowTarget-1)/rowTarget) + 1 // rows of even size, none above rowTarget
	var p commitPlan
	var starts []int
	jsons := make([][]byte, 0, len(recs))
	for start := 0; start < len(recs); {
		end, size := start, 0
		for end < len(recs) && (end == start || size+len(recs[end].json) <= target) {
			size += len(recs[end].json)
			end++
		}
		jsons = jsons[:0]
		for _, it := range recs[start:end] {
			jsons = append(jsons, it.json)
		}
		codec, body := l.zip.body(jsons)
		p.rows = append(p.rows, rowPlan{recs: recs[start:end], codec: codec, body: body})
		starts = append(starts, start)
		start = end
	}
	p.index = planIndex(ix, starts)
	return p
}

// writeBatch appends a commit's records to the chain inside tx (its batch rows and index rows) and stores
// the new head. It has no effects outside tx, so Update may run it again.
func (l *Log) writeBatch(tx meta.Tx, p commitPlan) error {
	h, err := l.readHead(tx)
	if err != nil {
		return err
	}
	first := h.seq + 1
	m := l.mac.macer()
	seq, hash := h.seq, h.hash
	var entries []entry
	for _, r := range p.rows {
		entries = entries[:0]
		for _, it := range r.recs {
			seq++
			e := m.seal(hash, seq, it.ix.sec, it.json)
			hash = e.hash
			entries = append(entries, e)
		}
		start := entries[0].seq
		row := appendBatchHeader(make([]byte, 0, 3+len(entries)*batchEntryLen+len(r.body)), r.codec, entries)
		if err := tx.Insert(Table, batchKey(start), append(row, r.body...)); err != nil {
			return fmt.Errorf("insert batch of records %d-%d: %w", start, seq, err)
		}
	}
	for _, r := range p.index {
		if err := tx.Insert(Table, r.key(first), r.value); err != nil {
			return fmt.Errorf("insert index of records %d-%d: %w", first, seq, err)
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

// indexOf gathers what the index needs of r: for a management event, its account, time and the distinct
// value of each LookupAttributeKey it has, as the record's JSON carries it (see jsonText); for a data event,
// its event name only (see DataEventsByName). Values longer than a lookup value can be are not indexed.
func indexOf(r *Record) indexed {
	x := indexed{mgmt: r.EventCategory == CategoryManagement, account: r.RecipientAccountID, sec: r.EventTime.Unix()}
	if !x.mgmt {
		x.add(attrEventName, r.EventName)
		return x
	}
	x.attrs = make([]attrValue, 0, 7+2*len(r.Resources))
	if ms, ok := uuidV7Millis(r.EventID); ok {
		x.idMS, x.hasIDMS = ms, true
	} else {
		x.add(attrEventID, r.EventID)
	}
	x.add(attrEventName, r.EventName)
	x.add(attrReadOnly, readOnlyString(r.ReadOnly))
	x.add(attrUsername, r.Username())
	x.add(attrEventSource, r.EventSource)
	x.add(attrAccessKeyID, r.UserIdentity.AccessKeyID)
	for _, res := range r.Resources {
		x.add(attrResourceType, res.Type)
		x.add(attrResourceName, res.ARN)
	}
	return x
}

func (x *indexed) add(code byte, v string) {
	v = jsonText(v)
	if v == "" || len(v) > maxIndexedValue {
		return
	}
	for _, a := range x.attrs {
		if a.code == code && a.value == v {
			return
		}
	}
	x.attrs = append(x.attrs, attrValue{code: code, value: v})
}

func readOnlyString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
