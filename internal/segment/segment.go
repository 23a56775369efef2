// Package segment encrypts bodies — S3 objects, and queue messages and lake files as they come — as a stream
// of fixed-size AES-256-GCM segments, so that a range read decrypts only the segments it touches and
// truncation, reordering or splicing of segments is detected.
//
// A sealed blob is a header followed by segments:
//
//	header:  "slo" 0x01 | segment size (uint32, big-endian) | salt (32 random bytes)
//	segment: AES-256-GCM(plaintext of Size bytes, or fewer for the final one) with its 16-byte tag
//
// Every blob gets its own key, derived with HKDF-SHA256 from the object's data key and the blob's salt. The
// nonce of segment i is i (uint64, big-endian) followed by a byte that is 1 for the final segment and 0
// otherwise, then three zero bytes; the header is every segment's associated data. An empty plaintext is one
// empty final segment.
package segment

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Sizes of the format.
const (
	// Size is the plaintext size of every segment but the last.
	Size = 64 << 10
	// TagSize is the authentication tag added to each segment.
	TagSize = 16
	// SaltSize is the size of the per-blob salt.
	SaltSize = 32
	// HeaderSize is the size of the blob header.
	HeaderSize = 4 + 4 + SaltSize
	// KeySize is the size of the data key.
	KeySize = 32
)

var magic = [4]byte{'s', 'l', 'o', 1}

// ErrCorrupt is returned when a blob fails authentication: wrong key, tampering, truncation or reordering.
var ErrCorrupt = errors.New("segment: ciphertext does not authenticate")

// Header is a blob's header.
type Header struct {
	SegmentSize uint32
	Salt        [SaltSize]byte
}

// NewHeader returns a header with a fresh salt drawn from rand.
func NewHeader(rand io.Reader) (Header, error) {
	h := Header{SegmentSize: Size}
	if _, err := io.ReadFull(rand, h.Salt[:]); err != nil {
		return Header{}, fmt.Errorf("segment: salt: %w", err)
	}
	return h, nil
}

// Marshal returns the header's encoding.
func (h Header) Marshal() []byte {
	b := make([]byte, HeaderSize)
	copy(b, magic[:])
	binary.BigEndian.PutUint32(b[4:], h.SegmentSize)
	copy(b[8:], h.Salt[:])
	return b
}

// ParseHeader decodes a header.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize || [4]byte(b[:4]) != magic {
		return Header{}, fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	h := Header{SegmentSize: binary.BigEndian.Uint32(b[4:])}
	if h.SegmentSize == 0 || h.SegmentSize > 16<<20 {
		return Header{}, fmt.Errorf("%w: bad segment size %d", ErrCorrupt, h.SegmentSize)
	}
	copy(h.Salt[:], b[8:HeaderSize])
	return h, nil
}

// Cipher seals and opens the segments of one blob.
type Cipher struct {
	aead   cipher.AEAD
	header []byte
	seg    int
}

// NewCipher returns the cipher for the blob with header h under the data key.
func NewCipher(dataKey []byte, h Header) (*Cipher, error) {
	if len(dataKey) != KeySize {
		return nil, fmt.Errorf("segment: data key must be %d bytes", KeySize)
	}
	k, err := hkdf.Key(sha256.New, dataKey, h.Salt[:], "seclake object segments v1", 32)
	if err != nil {
		return nil, fmt.Errorf("segment: derive key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("segment: %w", err)
	}
	return &Cipher{aead: aead, header: h.Marshal(), seg: int(h.SegmentSize)}, nil
}

// SegmentSize returns the plaintext size of a full segment.
func (c *Cipher) SegmentSize() int { return c.seg }

func nonce(index uint64, final bool) []byte {
	var n [12]byte
	binary.BigEndian.PutUint64(n[:], index)
	if final {
		n[8] = 1
	}
	return n[:]
}

// Seal appends the sealed segment index to dst.
func (c *Cipher) Seal(dst, plaintext []byte, index uint64, final bool) []byte {
	return c.aead.Seal(dst, nonce(index, final), plaintext, c.header)
}

// Open appends the plaintext of sealed segment index to dst.
func (c *Cipher) Open(dst, sealed []byte, index uint64, final bool) ([]byte, error) {
	out, err := c.aead.Open(dst, nonce(index, final), sealed, c.header)
	if err != nil {
		return nil, fmt.Errorf("%w: segment %d", ErrCorrupt, index)
	}
	return out, nil
}

// Segments returns the number of segments of a plaintext of n bytes with segments of size seg.
func Segments(n int64, seg int) int64 {
	if n <= 0 {
		return 1
	}
	return (n + int64(seg) - 1) / int64(seg)
}

// SealedSize returns the size of the blob (header included) for a plaintext of n bytes with default segments.
func SealedSize(n int64) int64 {
	return HeaderSize + n + Segments(n, Size)*TagSize
}
