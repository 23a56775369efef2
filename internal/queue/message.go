package queue

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
)

// Attribute is a message attribute: DataType is String, Number or Binary, optionally followed by ".<custom
// type>"; a String or Number carries StringValue, a Binary BinaryValue.
type Attribute struct {
	DataType    string `json:"t"`
	StringValue string `json:"s,omitempty"`
	BinaryValue []byte `json:"b,omitempty"`
}

func (a Attribute) binary() bool { return strings.HasPrefix(a.DataType, "Binary") }

// size is what the attribute counts toward the message size limit.
func (a Attribute) size(name string) int {
	return len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
}

// message is a stored message. Its body and attributes are sealed (payload); the rest is what the queue
// needs to deliver it.
type message struct {
	ID        string `json:"id"`
	Seq       string `json:"seq"`
	Sent      int64  `json:"sent"` // Unix milliseconds
	FirstRecv int64  `json:"first,omitempty"`
	Recvs     int    `json:"recvs,omitempty"`
	VisibleAt int64  `json:"visible"`
	Receipt   string `json:"receipt,omitempty"`
	Sender    string `json:"sender"`
	Group     string `json:"group,omitempty"`
	Dedup     string `json:"dedup,omitempty"`
	SeqNum    uint64 `json:"seqNum,omitempty"`
	// Source is the ARN of the queue a dead-lettered message came from.
	Source string `json:"source,omitempty"`
	// KeyARN, Wrapped and Context are the KMS data key of an SSE-KMS message: the key, KMS's ciphertext of the
	// data key, and the aws:sqs:arn of its encryption context (the queue it was sent to).
	KeyARN  string `json:"key,omitempty"`
	Wrapped []byte `json:"wrapped,omitempty"`
	Context string `json:"ctx,omitempty"`
	// Sealed is the payload, sealed with the data key (or SSE-SQS's key): nonce, then AES-256-GCM.
	Sealed []byte `json:"sealed"`
}

// payload is what a message carries, sealed at rest.
type payload struct {
	Body   string               `json:"b"`
	Attrs  map[string]Attribute `json:"a,omitempty"`
	System map[string]Attribute `json:"s,omitempty"`
}

func sealPayload(key []byte, p *payload, aad string, rand io.Reader) ([]byte, error) {
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := io.ReadFull(rand, out); err != nil {
		return nil, err
	}
	return aead.Seal(out, out, plain, []byte(aad)), nil
}

func openPayload(key, sealed []byte, aad string) (*payload, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("sealed message too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(aad))
	if err != nil {
		return nil, err
	}
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// MD5OfBody returns MD5OfMessageBody: the hex MD5 of the body's UTF-8 bytes.
func MD5OfBody(body string) string {
	s := md5.Sum([]byte(body))
	return hex.EncodeToString(s[:])
}

// MD5OfAttributes returns MD5OfMessageAttributes (and MD5OfMessageSystemAttributes) as SQS computes it, or ""
// for no attributes: over the attributes sorted by name, each as its name, its data type (each a 4-byte
// big-endian length and the bytes), a transport byte (1 for string values, 2 for binary), and its value
// (a 4-byte length and the bytes).
func MD5OfAttributes(attrs map[string]Attribute) string {
	if len(attrs) == 0 {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	slices.Sort(names)
	h := md5.New()
	field := func(b []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	for _, n := range names {
		a := attrs[n]
		field([]byte(n))
		field([]byte(a.DataType))
		if a.binary() {
			h.Write([]byte{2})
			field(a.BinaryValue)
		} else {
			h.Write([]byte{1})
			field([]byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// validBody reports whether s holds only the characters SQS accepts: #x9 | #xA | #xD | #x20 to #xD7FF |
// #xE000 to #xFFFD | #x10000 to #x10FFFF.
func validBody(s string) bool {
	for _, r := range s {
		switch {
		case r == 0x9, r == 0xA, r == 0xD:
		case r >= 0x20 && r <= 0xD7FF:
		case r >= 0xE000 && r <= 0xFFFD:
		case r >= 0x10000 && r <= 0x10FFFF:
		default:
			return false
		}
	}
	return true
}
