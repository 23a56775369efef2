package audit

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Table is the meta table that holds the trail. Only this package reads or writes it.
const Table = "audit"

// Key layout of Table. Records are stored a batch (one commit of the writer) per row; the indexes have rows
// per batch too, never per record. Strings inside keys are length-prefixed (2 bytes, big-endian) so that no
// value can run into the next field; times are Unix seconds (event times) or milliseconds (event IDs) with
// the sign bit flipped so they sort as unsigned; first is the sequence number of the batch's first record.
//
//	"h"                                          chain head
//	"b" first(8)                                 batch: the records first, first+1, … (see batch.go)
//	"t" acct max(8) first(8)                     time index: the account's management events in batch first
//	                                             whose event times lie in [min, max]
//	"a" acct attr(1) value max(8) first(8)       posting: the same, for the events with one attribute value
//	"i" maxms(8) first(8)                        event-ID index: the management events of batch first whose
//	                                             (version 7 UUID) event IDs carry Unix milliseconds in [minms, maxms]
//
// The value of an index row is min (or minms) and the positions of its events in the batch (see index.go).
// Because every row's span (max − min) is bounded (rows are split into time clusters), a scan by max finds
// every row that may hold an event at or before a given time within a bounded stretch of keys.
const (
	keyHead       = "h"
	prefixBatch   = "b"
	prefixTime    = "t"
	prefixAttr    = "a"
	prefixEventID = "i"
)

// Attribute codes of the postings, one per LookupAttributeKey. Event IDs that are version 7 UUIDs are found
// through the event-ID index instead; only other event IDs (given by the caller) have postings.
const (
	attrEventID      byte = 'i'
	attrEventName    byte = 'n'
	attrReadOnly     byte = 'o'
	attrUsername     byte = 'u'
	attrResourceType byte = 't'
	attrResourceName byte = 'r'
	attrEventSource  byte = 's'
	attrAccessKeyID  byte = 'k'
)

// batchKey is the key of the batch whose first record is first.
func batchKey(first uint64) string {
	var b [9]byte
	b[0] = prefixBatch[0]
	binary.BigEndian.PutUint64(b[1:], first)
	return string(b[:])
}

// parseBatchKey returns the first sequence number of a batch key.
func parseBatchKey(k string) (uint64, error) {
	if len(k) != 9 || k[0] != prefixBatch[0] {
		return 0, fmt.Errorf("batch key %x: %w", k, errCorrupt)
	}
	return binary.BigEndian.Uint64([]byte(k[1:])), nil
}

// appendComponent appends a length-prefixed string.
func appendComponent(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// timePrefix is the prefix of an account's time index.
func timePrefix(account string) string {
	return string(appendComponent([]byte(prefixTime), account))
}

// attrPrefix is the prefix of one attribute value's postings in an account.
func attrPrefix(account string, attr byte, value string) string {
	b := appendComponent([]byte(prefixAttr), account)
	b = append(b, attr)
	return string(appendComponent(b, value))
}

// sortableTime maps a signed time to a uint64 that sorts in time order.
func sortableTime(t int64) uint64 { return uint64(t) ^ (1 << 63) }

// position orders events and index rows. For an event it is (event time in Unix seconds, sequence number);
// newest first means descending positions. For an index row it is (max, first).
type position struct {
	sec int64
	seq uint64
}

// less reports whether p sorts before o.
func (p position) less(o position) bool {
	return p.sec < o.sec || p.sec == o.sec && p.seq < o.seq
}

// top is a position after every event's.
var top = position{sec: math.MaxInt64, seq: math.MaxUint64}

// suffix is the 16 bytes that end every index key: max and first.
func (p position) suffix() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], sortableTime(p.sec))
	binary.BigEndian.PutUint64(b[8:], p.seq)
	return string(b[:])
}

// timeBound is the index suffix that starts time t (the first key at or after it).
func timeBound(t int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], sortableTime(t))
	return string(b[:])
}

// suffixLen is the length of an index key's suffix.
const suffixLen = 16

// indexPosition reads the position (max, first) from the last 16 bytes of an index key.
func indexPosition(k string) (position, error) {
	if len(k) < suffixLen {
		return position{}, fmt.Errorf("index key %x: %w", k, errCorrupt)
	}
	b := []byte(k[len(k)-suffixLen:])
	return position{
		sec: int64(binary.BigEndian.Uint64(b[:8]) ^ (1 << 63)),
		seq: binary.BigEndian.Uint64(b[8:]),
	}, nil
}
