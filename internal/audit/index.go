package audit

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// The indexes have one row per batch and (account, attribute value), not per event: the row lists where its
// events are in the batch. Within a batch, a list's events are split into clusters whose times span at most
// eventSpan seconds (idSpan milliseconds for event IDs), one row per cluster, so that every row's span is
// bounded: a slow request whose event time is minutes before its batch-mates' gets a row of its own rather
// than stretching one row over minutes.
const (
	eventSpan = 60   // seconds
	idSpan    = 1000 // milliseconds
)

// indexVersion is the first byte of every index row's value.
const indexVersion = 1

// indexRow is an index row of a batch before its first sequence number is known: its key is prefix ‖ max ‖
// first, its value min and the events' places in the batch (see encodeIndexValue).
type indexRow struct {
	prefix string
	max    int64
	value  []byte
}

// key returns the row's key for the batch whose first record is first.
func (r indexRow) key(first uint64) string {
	return r.prefix + position{sec: r.max, seq: first}.suffix()
}

// attrValue is a lookup attribute of an event: an attribute code and its value.
type attrValue struct {
	code  byte
	value string
}

// indexed is what the index needs of a record, gathered by prepare.
type indexed struct {
	mgmt    bool // management events are indexed in full; data events by their name only
	account string
	sec     int64       // event time, Unix seconds
	attrs   []attrValue // distinct attribute values (event IDs only if not a version 7 UUID)
	idMS    int64       // the event ID's Unix milliseconds, if it is a version 7 UUID
	hasIDMS bool
}

// groupKey names one list of a batch's index: an account's time index ('t'), a posting ('a') or the
// event-ID index ('i').
type groupKey struct {
	kind    byte
	account string
	attr    byte
	value   string
}

func (g groupKey) prefix() string {
	switch g.kind {
	case 't':
		return timePrefix(g.account)
	case 'a':
		return attrPrefix(g.account, g.attr, g.value)
	}
	return prefixEventID
}

// member is an event of a list: its place in the batch and its time (seconds, or milliseconds for IDs).
type member struct {
	idx int
	t   int64
}

// planIndex returns the index rows of a commit's records (recs in chain order), whose batch rows start at
// the given places (0 first).
func planIndex(recs []*indexed, rowStarts []int) []indexRow {
	type group struct {
		key groupKey
		ms  []member
	}
	var groups []*group
	byKey := map[groupKey]*group{}
	// A burst of calls repeats its values: the group of the previous record's value at the same place
	// in its list is tried before the map.
	var last []*group
	add := func(slot int, k groupKey, m member) {
		var g *group
		if slot < len(last) && last[slot] != nil && last[slot].key == k {
			g = last[slot]
		} else if g = byKey[k]; g == nil {
			g = &group{key: k}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.ms = append(g.ms, m)
		for len(last) <= slot {
			last = append(last, nil)
		}
		last[slot] = g
	}
	for i, r := range recs {
		if !r.mgmt {
			for j, a := range r.attrs {
				add(2+j, groupKey{kind: 'a', account: r.account, attr: a.code, value: a.value}, member{i, r.sec})
			}
			continue
		}
		add(0, groupKey{kind: 't', account: r.account}, member{i, r.sec})
		if r.hasIDMS {
			add(1, groupKey{kind: 'i'}, member{i, r.idMS})
		}
		for j, a := range r.attrs {
			add(2+j, groupKey{kind: 'a', account: r.account, attr: a.code, value: a.value}, member{i, r.sec})
		}
	}
	var rows []indexRow
	for _, g := range groups {
		span := int64(eventSpan)
		if g.key.kind == 'i' {
			span = idSpan
		}
		rows = appendClusters(rows, g.key.prefix(), g.ms, span, rowStarts, g.key.kind == 'i')
	}
	return rows
}

// appendClusters splits a list's members into clusters of at most span and appends a row for each, with
// each member's time if withTimes.
func appendClusters(rows []indexRow, prefix string, ms []member, span int64, rowStarts []int, withTimes bool) []indexRow {
	slices.SortStableFunc(ms, func(a, b member) int { return cmp.Compare(a.t, b.t) })
	for len(ms) > 0 {
		n := 1
		for n < len(ms) && ms[n].t-ms[0].t <= span {
			n++
		}
		c := slices.Clone(ms[:n])
		slices.SortFunc(c, func(a, b member) int { return cmp.Compare(a.idx, b.idx) })
		v := indexValue{min: ms[0].t, rows: rowStarts}
		for _, m := range c {
			v.idx = append(v.idx, m.idx)
			if withTimes {
				v.times = append(v.times, m.t)
			}
		}
		rows = append(rows, indexRow{prefix: prefix, max: ms[n-1].t, value: v.encode()})
		ms = ms[n:]
	}
	return rows
}

// indexValue is the value of an index row: the least time of its events (min), their places in the
// commit (idx, ascending), where the commit's batch rows start (rows: 0, then ascending places), and for
// event-ID rows each event's time (times, in the order of idx; nil in other rows).
type indexValue struct {
	min   int64
	idx   []int
	rows  []int
	times []int64
}

// encode lays out an index row's value: version(1) ‖ min(8) ‖ places ‖ row starts ‖ times. Places and row
// starts are each a uvarint count and then uvarint differences, the first from -1 for places and from 0
// for row starts (whose leading 0 is left out); times are a uvarint count (0, or one per place) and then
// each time's uvarint difference from min.
func (v indexValue) encode() []byte {
	b := make([]byte, 0, 1+8+3+len(v.idx)+2*len(v.rows)+3*len(v.times))
	b = append(b, indexVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(v.min))
	b = appendDeltas(b, v.idx, -1)
	b = appendDeltas(b, v.rows[1:], 0)
	b = binary.AppendUvarint(b, uint64(len(v.times)))
	for _, t := range v.times {
		b = binary.AppendUvarint(b, uint64(t-v.min))
	}
	return b
}

func appendDeltas(b []byte, xs []int, prev int) []byte {
	b = binary.AppendUvarint(b, uint64(len(xs)))
	for _, x := range xs {
		b = binary.AppendUvarint(b, uint64(x-prev))
		prev = x
	}
	return b
}

// decodeIndexValue parses an index row's value.
func decodeIndexValue(b []byte) (indexValue, error) {
	var v indexValue
	if len(b) < 1+8 || b[0] != indexVersion {
		return v, fmt.Errorf("index row of %d bytes: %w", len(b), errCorrupt)
	}
	v.min = int64(binary.BigEndian.Uint64(b[1:9]))
	b = b[9:]
	var err error
	if v.idx, b, err = readDeltas(b, -1); err != nil {
		return v, err
	}
	rest, b, err := readDeltas(b, 0)
	if err != nil {
		return v, err
	}
	v.rows = append([]int{0}, rest...)
	n, w := uvarint(b)
	if w <= 0 || n != 0 && n != uint64(len(v.idx)) {
		return v, fmt.Errorf("index row times: %w", errCorrupt)
	}
	b = b[w:]
	for range n {
		d, w := uvarint(b)
		if w <= 0 || d > math.MaxInt64-uint64(max(0, v.min)) {
			return v, fmt.Errorf("index row time: %w", errCorrupt)
		}
		v.times = append(v.times, v.min+int64(d))
		b = b[w:]
	}
	if len(b) != 0 {
		return v, fmt.Errorf("index row has %d extra bytes: %w", len(b), errCorrupt)
	}
	return v, nil
}

// uvarint reads a uvarint in its shortest form (w ≤ 0 for anything else), so that every value has one
// encoding.
func uvarint(b []byte) (uint64, int) {
	x, w := binary.Uvarint(b)
	if w > 1 && b[w-1] == 0 {
		return 0, -1
	}
	return x, w
}

// readDeltas reads a list written by appendDeltas: strictly ascending values below 2^31.
func readDeltas(b []byte, prev int) ([]int, []byte, error) {
	n, w := uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, fmt.Errorf("index row count: %w", errCorrupt)
	}
	b = b[w:]
	xs := make([]int, 0, n)
	for range n {
		d, w := uvarint(b)
		if w <= 0 || d == 0 || d >= 1<<31 || int64(prev)+int64(d) >= 1<<31 {
			return nil, nil, fmt.Errorf("index row list: %w", errCorrupt)
		}
		b = b[w:]
		prev += int(d)
		xs = append(xs, prev)
	}
	return xs, b, nil
}
