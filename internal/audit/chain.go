package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// HashSize is the size of a chain hash.
const HashSize = sha256.Size

// Hash is a link of the chain: hash_n = SHA-256(hash_{n-1} ‖ seq_n ‖ json_n), hash_0 all zero.
type Hash [HashSize]byte

// chainHash returns the hash of record seq whose JSON is js, following prev.
func chainHash(prev Hash, seq uint64, js []byte) Hash {
	h := sha256.New()
	h.Write(prev[:])
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	h.Write(s[:])
	h.Write(js)
	var out Hash
	h.Sum(out[:0])
	return out
}

// Domain labels keep the MACs of entries, the head and next tokens apart.
const (
	labelEntry = "seclake audit entry v1\x00"
	labelHead  = "seclake audit head v1\x00"
	labelToken = "seclake audit next token v1\x00"
)

// macKey computes the HMACs that authenticate the chain. It is immutable and safe for concurrent use.
type macKey struct{ key []byte }

// linkMAC authenticates (seq, hash) under a domain label.
func (k macKey) linkMAC(label string, seq uint64, hash Hash) Hash {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(label))
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seq)
	m.Write(s[:])
	m.Write(hash[:])
	var out Hash
	m.Sum(out[:0])
	return out
}

// entryVersion is the first byte of every stored entry and head.
const entryVersion = 1

// entryHeaderLen is the size of an entry before its JSON: version, seq, hash, MAC.
const entryHeaderLen = 1 + 8 + HashSize + HashSize

// entry is one stored record: its sequence number, the chain hash through it, the MAC of (seq, hash) and
// the record's JSON exactly as hashed.
type entry struct {
	seq  uint64
	hash Hash
	mac  Hash
	json []byte
}

// errCorrupt is wrapped by the decoders for bytes that are not a valid entry, head or token.
var errCorrupt = errors.New("corrupt")

// encodeEntry lays out an entry: version(1) ‖ seq(8, big-endian) ‖ hash(32) ‖ mac(32) ‖ json.
func encodeEntry(e entry) []byte {
	b := make([]byte, entryHeaderLen, entryHeaderLen+len(e.json))
	b[0] = entryVersion
	binary.BigEndian.PutUint64(b[1:9], e.seq)
	copy(b[9:9+HashSize], e.hash[:])
	copy(b[9+HashSize:entryHeaderLen], e.mac[:])
	return append(b, e.json...)
}

// decodeEntry parses a stored entry. The JSON is returned as stored (it aliases b) and is not validated:
// whether it is intact is for the chain to tell.
func decodeEntry(b []byte) (entry, error) {
	if len(b) <= entryHeaderLen {
		return entry{}, fmt.Errorf("entry of %d bytes: %w", len(b), errCorrupt)
	}
	if b[0] != entryVersion {
		return entry{}, fmt.Errorf("entry version %d: %w", b[0], errCorrupt)
	}
	var e entry
	e.seq = binary.BigEndian.Uint64(b[1:9])
	copy(e.hash[:], b[9:9+HashSize])
	copy(e.mac[:], b[9+HashSize:entryHeaderLen])
	e.json = b[entryHeaderLen:]
	return e, nil
}

// head is the chain head: the last sequence number, the hash through it and its HMAC. A missing head is the
// empty chain (seq 0, zero hash).
type head struct {
	seq  uint64
	hash Hash
	mac  Hash
}

// headLen is the size of a stored head.
const headLen = 1 + 8 + HashSize + HashSize

func encodeHead(h head) []byte {
	b := make([]byte, headLen)
	b[0] = entryVersion
	binary.BigEndian.PutUint64(b[1:9], h.seq)
	copy(b[9:9+HashSize], h.hash[:])
	copy(b[9+HashSize:], h.mac[:])
	return b
}

func decodeHead(b []byte) (head, error) {
	if len(b) != headLen || b[0] != entryVersion {
		return head{}, fmt.Errorf("head of %d bytes: %w", len(b), errCorrupt)
	}
	var h head
	h.seq = binary.BigEndian.Uint64(b[1:9])
	copy(h.hash[:], b[9:9+HashSize])
	copy(h.mac[:], b[9+HashSize:])
	return h, nil
}

// sealEntry returns the entry for record seq with JSON js following prev, MAC included.
func (k macKey) sealEntry(prev Hash, seq uint64, js []byte) entry {
	h := chainHash(prev, seq, js)
	return entry{seq: seq, hash: h, mac: k.linkMAC(labelEntry, seq, h), json: js}
}

// entryMACValid reports whether e's MAC authenticates its (seq, hash).
func (k macKey) entryMACValid(e entry) bool {
	want := k.linkMAC(labelEntry, e.seq, e.hash)
	return hmac.Equal(want[:], e.mac[:])
}

// sealHead returns the head for (seq, hash), MAC included.
func (k macKey) sealHead(seq uint64, hash Hash) head {
	return head{seq: seq, hash: hash, mac: k.linkMAC(labelHead, seq, hash)}
}

// headMACValid reports whether h's MAC authenticates its (seq, hash).
func (k macKey) headMACValid(h head) bool {
	want := k.linkMAC(labelHead, h.seq, h.hash)
	return hmac.Equal(want[:], h.mac[:])
}
