package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
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

// errCorrupt is wrapped by the decoders for bytes that are not a valid batch, head, index row or token.
var errCorrupt = errors.New("corrupt")

// head is the chain head: the last sequence number, the hash through it and its HMAC. A missing head is the
// empty chain (seq 0, zero hash).
type head struct {
	seq  uint64
	hash Hash
	mac  Hash
}

// headLen is the size of a stored head.
const headLen = 1 + 8 + HashSize + HashSize

// headVersion is the first byte of the head: the layout of the trail. Version 1 was the layout with a row
// per record, which this version does not read.
const headVersion = 2

func encodeHead(h head) []byte {
	b := make([]byte, headLen)
	b[0] = headVersion
	binary.BigEndian.PutUint64(b[1:9], h.seq)
	copy(b[9:9+HashSize], h.hash[:])
	copy(b[9+HashSize:], h.mac[:])
	return b
}

func decodeHead(b []byte) (head, error) {
	if len(b) != headLen {
		return head{}, fmt.Errorf("head of %d bytes: %w", len(b), errCorrupt)
	}
	if b[0] != headVersion {
		return head{}, fmt.Errorf("head of layout version %d (this version reads %d): %w", b[0], headVersion, errCorrupt)
	}
	var h head
	h.seq = binary.BigEndian.Uint64(b[1:9])
	copy(h.hash[:], b[9:9+HashSize])
	copy(h.mac[:], b[9+HashSize:])
	return h, nil
}

// macer computes chain hashes and link MACs with reused hash states. It is not safe for concurrent use.
type macer struct{ m, h hash.Hash }

func (k macKey) macer() *macer { return &macer{m: hmac.New(sha256.New, k.key), h: sha256.New()} }

// chain is chainHash without its allocations.
func (m *macer) chain(prev Hash, seq uint64, js []byte) Hash {
	m.h.Reset()
	var b [HashSize + 8]byte
	copy(b[:], prev[:])
	binary.BigEndian.PutUint64(b[HashSize:], seq)
	m.h.Write(b[:])
	m.h.Write(js)
	var out Hash
	m.h.Sum(out[:0])
	return out
}

// link is macKey.linkMAC without its allocations.
func (m *macer) link(label string, seq uint64, h Hash) Hash {
	m.m.Reset()
	var b [64]byte
	buf := append(b[:0], label...)
	buf = binary.BigEndian.AppendUint64(buf, seq)
	buf = append(buf, h[:]...)
	m.m.Write(buf)
	var out Hash
	m.m.Sum(out[:0])
	return out
}

// seal returns the entry for record seq with event time sec and JSON js following prev, MAC included.
func (m *macer) seal(prev Hash, seq uint64, sec int64, js []byte) entry {
	h := m.chain(prev, seq, js)
	return entry{seq: seq, sec: sec, hash: h, mac: m.link(labelEntry, seq, h), json: js}
}

// entryMACValid reports whether e's MAC authenticates its (seq, hash).
func (m *macer) entryMACValid(e entry) bool {
	want := m.link(labelEntry, e.seq, e.hash)
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
