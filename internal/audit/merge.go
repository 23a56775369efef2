package audit

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/seclake/seclake/internal/meta"
)

// Lookup reads index rows newest first by their max time and merges the events they list. Event times are
// not in sequence order (an event's time is its request's start; a slow request commits later), and a
// row's events span up to eventSpan, so rows overlap in time. The merge keeps the events read but not yet
// returned in a heap and returns one only once no unread row can hold a newer one. Rows come in key order,
// (max, first) descending, and commits do not interleave, so every event of the rows after row r lies
// below (max_r, first_r), and r's own events lie at or below (max_r, last_r): an event above that is final.
// The work of a page is bounded by lookupRowBudget index rows and lookupByteBudget bytes of batch rows (see
// mayStop for the one exception); a page that runs out ends early, perhaps empty, with a NextToken that
// resumes the merge where it stopped.
var (
	lookupRowBudget  = 4096
	lookupByteBudget = 16 << 20
	lookupScanChunk  = 64 // index rows per Scan
)

// candidate is an event read but not yet returned: its position, the row that listed it and where it is.
type candidate struct {
	pos position
	row position
	bt  *batch
	i   int
}

// candidates is a max-heap of candidates by position.
type candidates []candidate

func (h candidates) Len() int           { return len(h) }
func (h candidates) Less(i, j int) bool { return h[j].pos.less(h[i].pos) }
func (h candidates) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *candidates) Push(x any)        { *h = append(*h, x.(candidate)) }
func (h *candidates) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// merge is one page of a lookup.
type merge struct {
	l   *Log
	tx  meta.Tx
	q   *lookupQuery
	out *LookupOutput

	heap    candidates
	refs    map[position]int // rows → their candidates in the heap
	batches []*batch         // the batch rows read by this page
	cursor  position         // the last event taken from the heap
	scan    byte             // where the scan of index rows stands: scanDone, scanBelow or scanAtOrBelow from
	from    position

	emitted, rows, bytes int
	start                position // the cursor the page started from
	scanned              bool     // the page has read a row of the index scan
}

func (l *Log) newMerge(tx meta.Tx, q *lookupQuery, out *LookupOutput) *merge {
	m := &merge{l: l, tx: tx, q: q, out: out, refs: map[position]int{}, cursor: top, start: top}
	// Rows with max above end+eventSpan hold no event at or before end.
	if q.end >= math.MaxInt64-eventSpan-1 {
		m.scan, m.from = scanAtOrBelow, top
	} else {
		m.scan, m.from = scanBelow, position{sec: q.end + eventSpan + 1}
	}
	return m
}

// run fills out with one page.
func (m *merge) run() error {
	if r := m.q.resume; r != nil {
		m.cursor, m.start = r.cursor, r.cursor
		if !m.q.byID {
			m.scan, m.from = r.scan, r.from
			for _, p := range r.rows {
				if err := m.rereadRow(p); err != nil {
					return err
				}
			}
		}
	}
	if m.q.byID {
		if err := m.collectByID(); err != nil {
			return err
		}
		m.scan = scanDone
	}
	for m.scan != scanDone && !m.full() && !m.mayStop() {
		if err := m.scanChunk(); err != nil {
			return err
		}
	}
	if m.scan == scanDone {
		m.emitAbove(position{}, true)
	}
	if len(m.heap) > 0 || m.scan != scanDone {
		m.out.NextToken = m.l.mac.encodeToken(m.q.binding, m.resumeState())
	}
	return nil
}

// full reports whether the page is complete and the heap shows there is more.
func (m *merge) full() bool { return m.emitted == m.q.limit && len(m.heap) > 0 }

// mayStop reports whether the page has spent its budget and may end here. Every page must take the
// lookup forward, or paging could go on for ever: it ends only once it has taken an event from the heap
// (the cursor moved down), or has read a row of the scan (the scan position moved down) and the rows that
// still have events fit in a token (else resuming would read some of them again).
func (m *merge) mayStop() bool {
	if m.rows < lookupRowBudget && m.bytes < lookupByteBudget {
		return false
	}
	return m.cursor != m.start || m.scanned && len(m.refs) <= maxTokenRows
}

// scanChunk reads the next index rows, newest first, emitting what becomes final before each.
func (m *merge) scanChunk() error {
	r := meta.Range{Prefix: m.q.prefix, Reverse: true, Limit: lookupScanChunk}
	if m.q.start > math.MinInt64 {
		r.Start = m.q.prefix + timeBound(m.q.start) // rows with max before start hold nothing
	}
	r.End = m.q.prefix + m.from.suffix()
	if m.scan == scanAtOrBelow {
		r.End += "\x00"
	}
	n, stopped := 0, false
	var ferr error
	err := m.tx.Scan(Table, r, func(k string, val []byte) bool {
		n++
		p, err := indexPosition(k)
		if err != nil || len(k) != len(m.q.prefix)+suffixLen {
			m.l.cfg.Logger.Warn("audit index key is invalid", "key", fmt.Sprintf("%x", k))
			return true
		}
		v, err := decodeIndexValue(val)
		bound := position{sec: p.sec, seq: math.MaxUint64}
		if err == nil && len(v.idx) > 0 {
			bound.seq = p.seq + uint64(v.idx[len(v.idx)-1])
		}
		m.emitAbove(bound, false)
		if m.full() || m.mayStop() {
			stopped = true
			return false
		}
		if err != nil {
			m.l.cfg.Logger.Warn("audit index row is invalid", "batch", p.seq, "err", err)
		} else if ferr = m.addRow(p, v); ferr != nil {
			return false
		}
		m.scan, m.from, m.scanned = scanBelow, p, true
		m.rows++
		return true
	})
	if err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("scan index: %w", err)
	}
	if !stopped && n < lookupScanChunk {
		m.scan = scanDone
	}
	return nil
}

// rereadRow reads again a row that a previous page left events of.
func (m *merge) rereadRow(p position) error {
	val, err := m.tx.Get(Table, m.q.prefix+p.suffix())
	if errors.Is(err, meta.ErrNotFound) {
		m.l.cfg.Logger.Warn("audit index row of a next token is missing", "batch", p.seq)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read index row: %w", err)
	}
	v, err := decodeIndexValue(val)
	if err != nil {
		m.l.cfg.Logger.Warn("audit index row is invalid", "batch", p.seq, "err", err)
		return nil
	}
	return m.addRow(p, v)
}

// addRow adds the events of an index row that the page may return to the heap.
func (m *merge) addRow(p position, v indexValue) error {
	if v.min > m.q.end || v.min > m.cursor.sec || p.sec < m.q.start {
		return nil
	}
	for _, i := range v.idx {
		bt, j, err := m.locate(p.seq, i, v.rows)
		if err != nil {
			return err
		}
		if bt != nil {
			m.push(candidate{pos: bt.pos(j), row: p, bt: bt, i: j})
		}
	}
	return nil
}

// push adds c to the heap if the page may return it.
func (m *merge) push(c candidate) {
	if c.pos.sec < m.q.start || c.pos.sec > m.q.end || !c.pos.less(m.cursor) {
		return
	}
	heap.Push(&m.heap, c)
	m.refs[c.row]++
}

// locate returns the batch row that holds record i of the commit whose first record is first (its rows
// start at the given places), and the record's place in it, reading each row once per page. A missing or
// damaged row is logged and yields nil: the trail was tampered with, and Verify will say how.
func (m *merge) locate(first uint64, i int, rows []int) (*batch, int, error) {
	k, _ := slices.BinarySearch(rows, i+1)
	start := first + uint64(rows[max(0, k-1)])
	seq := first + uint64(i)
	for _, bt := range m.batches {
		if bt.first == start {
			return m.at(bt, int(seq-start), seq)
		}
	}
	row, err := m.tx.Get(Table, batchKey(start))
	if errors.Is(err, meta.ErrNotFound) {
		m.l.cfg.Logger.Warn("audit index points to a missing batch", "seq", start)
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read the batch of record %d: %w", seq, err)
	}
	m.bytes += len(row)
	bt, err := decodeBatch(row)
	if err != nil {
		m.l.cfg.Logger.Warn("audit index points to an invalid batch", "seq", start, "err", err)
		return nil, 0, nil
	}
	bt.first = start
	m.batches = append(m.batches, bt)
	return m.at(bt, int(seq-start), seq)
}

// at returns place i of bt if it holds record seq (it does unless the row was tampered with).
func (m *merge) at(bt *batch, i int, seq uint64) (*batch, int, error) {
	if i >= bt.len() || bt.pos(i).seq != seq {
		m.l.cfg.Logger.Warn("audit batch holds another record than its place says", "seq", seq)
		return nil, 0, nil
	}
	return bt, i, nil
}

// emitAbove returns events from the heap while the page has room: those above bound (no unread row holds
// an event above it), or all of them if all is set.
func (m *merge) emitAbove(bound position, all bool) {
	for len(m.heap) > 0 && m.emitted < m.q.limit && (all || bound.less(m.heap[0].pos)) {
		c := heap.Pop(&m.heap).(candidate)
		m.refs[c.row]--
		if m.refs[c.row] == 0 {
			delete(m.refs, c.row)
		}
		m.cursor = c.pos
		js, ok := c.bt.json(c.i)
		if !ok {
			m.l.cfg.Logger.Warn("audit record cannot be read", "seq", c.pos.seq, "err", c.bt.bodyErr)
			continue
		}
		r, err := lookupFields(js)
		if err != nil {
			m.l.cfg.Logger.Warn("audit index points to an invalid record", "seq", c.pos.seq, "err", err)
			continue
		}
		if !m.q.matches(r) {
			continue
		}
		m.out.Events = append(m.out.Events, eventOf(r, js))
		m.emitted++
	}
}

// resumeState is what the next page needs: the cursor, the scan position and the rows that still have
// events in the heap. If more rows than a token holds have, the scan resumes at the highest of those left
// out instead (reading again rows between it and the scan position, which costs time but loses nothing).
func (m *merge) resumeState() resume {
	r := resume{cursor: m.cursor, scan: m.scan, from: m.from}
	if m.q.byID {
		r.scan, r.from = scanDone, position{}
		return r
	}
	rows := make([]position, 0, len(m.refs))
	for p := range m.refs {
		rows = append(rows, p)
	}
	slices.SortFunc(rows, func(a, b position) int {
		switch {
		case b.less(a):
			return -1
		case a.less(b):
			return 1
		}
		return 0
	})
	if len(rows) > maxTokenRows {
		r.scan, r.from = scanAtOrBelow, rows[maxTokenRows]
		rows = rows[:maxTokenRows]
	}
	if r.scan == scanDone {
		r.from = position{}
	}
	r.rows = rows
	return r
}
