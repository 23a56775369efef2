package audit

import (
	"bytes"
	"fmt"

	"github.com/seclake/seclake/internal/meta"
)

// uuidV7Millis returns the Unix milliseconds of a version 7 UUID (RFC 9562) in its canonical text form, and
// whether s is one.
func uuidV7Millis(s string) (int64, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' || s[14] != '7' {
		return 0, false
	}
	switch s[19] {
	case '8', '9', 'a', 'b', 'A', 'B':
	default:
		return 0, false
	}
	var ms int64
	for i := range len(s) {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		d, ok := hexDigit(s[i])
		if !ok {
			return 0, false
		}
		if i < 13 {
			ms = ms<<4 | int64(d)
		}
	}
	return ms, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// collectByID puts the events whose ID is the query's version 7 UUID into the heap. Their batches are found
// through the event-ID index by the milliseconds the ID carries: the rows whose [minms, maxms] holds them,
// which lie within idSpan above (rows are split so that none spans more), and among their events those of
// that millisecond. The result is a handful of events at most, so every page collects it again and
// returns what lies below its cursor.
func (m *merge) collectByID() error {
	t := m.q.idMS
	// A version 7 UUID carries 48 bits of milliseconds, so t+idSpan+1 does not overflow.
	r := meta.Range{Prefix: prefixEventID, Start: prefixEventID + timeBound(t), End: prefixEventID + timeBound(t+idSpan+1)}
	type row struct {
		p position
		v indexValue
	}
	var rows []row
	err := m.tx.Scan(Table, r, func(k string, v []byte) bool {
		p, err := indexPosition(k)
		if err != nil || len(k) != len(prefixEventID)+suffixLen {
			return true
		}
		iv, err := decodeIndexValue(v)
		if err == nil && iv.min <= t {
			rows = append(rows, row{p, iv})
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("scan event-ID index: %w", err)
	}
	needle := []byte(`"eventID":"` + m.q.attr.AttributeValue + `"`)
	for _, rw := range rows {
		for k, i := range rw.v.idx {
			if len(rw.v.times) > 0 && rw.v.times[k] != t {
				continue // another millisecond
			}
			bt, j, err := m.locate(rw.p.seq, i, rw.v.rows)
			if err != nil {
				return err
			}
			if bt == nil {
				continue
			}
			if js, ok := bt.json(j); ok && bytes.Contains(js, needle) {
				m.push(candidate{pos: bt.pos(j), row: rw.p, bt: bt, i: j})
			}
		}
	}
	return nil
}
