package audit

import (
	"encoding/binary"
	"fmt"
)

// Table is the meta table that holds the trail. Only this package reads or writes it.
const Table = "audit"

// Key layout of Table. Strings inside keys are length-prefixed (2 bytes, big-endian) so that no value can
// run into the next field; times are Unix seconds with the sign bit flipped so they sort as unsigned.
//
//	"h"                                          chain head
//	"r" seq(8)                                   entry of record seq
//	"t" acct time(8) seq(8)                      time index of an account's management events
//	"a" acct attr(1) value time(8) seq(8)        attribute index (attr: one of the attr* codes)
const (
	keyHead      = "h"
	prefixRecord = "r"
	prefixTime   = "t"
	prefixAttr   = "a"
)

// Attribute codes of the attribute index, one per LookupAttributeKey.
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

// recordKey is the key of record seq's entry.
func recordKey(seq uint64) string {
	var b [9]byte
	b[0] = prefixRecord[0]
	binary.BigEndian.PutUint64(b[1:], seq)
	return string(b[:])
}

// parseRecordKey returns the sequence number of a record key.
func parseRecordKey(k string) (uint64, error) {
	if len(k) != 9 || k[0] != prefixRecord[0] {
		return 0, fmt.Errorf("record key %q: %w", k, errCorrupt)
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

// attrPrefix is the prefix of one attribute value's index entries in an account.
func attrPrefix(account string, attr byte, value string) string {
	b := appendComponent([]byte(prefixAttr), account)
	b = append(b, attr)
	return string(appendComponent(b, value))
}

// sortableTime maps Unix seconds to a uint64 that sorts in time order.
func sortableTime(sec int64) uint64 { return uint64(sec) ^ (1 << 63) }

// position is a place in an index: an event time (Unix seconds) and a sequence number.
type position struct {
	sec int64
	seq uint64
}

// suffix is the 16 bytes that end every index key.
func (p position) suffix() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], sortableTime(p.sec))
	binary.BigEndian.PutUint64(b[8:], p.seq)
	return string(b[:])
}

// timeBound is the index suffix that starts second sec (the first key at or after it).
func timeBound(sec int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], sortableTime(sec))
	return string(b[:])
}

// indexPosition reads the position from the last 16 bytes of an index key and returns its sequence number.
func indexPosition(k string) (position, error) {
	if len(k) < 16 {
		return position{}, fmt.Errorf("index key %q: %w", k, errCorrupt)
	}
	b := []byte(k[len(k)-16:])
	return position{
		sec: int64(binary.BigEndian.Uint64(b[:8]) ^ (1 << 63)),
		seq: binary.BigEndian.Uint64(b[8:]),
	}, nil
}
