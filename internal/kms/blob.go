package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"sync"
)

// The ciphertext blob, version 1:
//
//	offset  size  field
//	0       1     format version (1)
//	1       8     account ID, big-endian unsigned integer (12 decimal digits)
//	9       1     region length n (1–63)
//	10      n     region (a-z, 0-9, -)
//	10+n    16    key ID (the UUID's 16 bytes)
//	26+n    4     key material version, big-endian (1 = the key's first material)
//	30+n    16    salt
//	46+n    12    nonce
//	58+n    …     AES-256-GCM ciphertext, then its 16-byte tag
//
// The GCM key is HMAC-SHA256(material, "seclake kms blob v1" ‖ salt): a fresh key per blob, so the number of
// encryptions under one material never approaches GCM's random-nonce limits. The associated data is the whole
// header through the nonce, followed by the encryption context encoded as
//
//	uint32 pair count, then for each pair in bytewise order of keys: uint32 len(key) ‖ key ‖ uint32 len(value) ‖ value
//
// so a context can never be confused with another (unlike plain concatenation, where {"ab":"c"} and
// {"a":"bc"} collide), and any change to the header or context makes decryption fail.
const (
	blobVersion1  = 1
	blobSaltSize  = 16
	blobNonceSize = 12
	blobTagSize   = 16
	maxRegionLen  = 63
	// blobOverhead is the size of a blob minus its plaintext, for a region of length n: blobOverhead + n.
	blobOverhead = 1 + 8 + 1 + 16 + 4 + blobSaltSize + blobNonceSize + blobTagSize
)

// blobKDFLabel prefixes the salt in the per-blob key derivation.
const blobKDFLabel = "seclake kms blob v1"

// blobHeader is what a ciphertext blob says about itself in clear.
type blobHeader struct {
	account string // 12 digits
	region  string
	keyID   string // UUID
	version uint32 // key material version, from 1
}

// blob is a parsed ciphertext blob. Its slices alias the input.
type blob struct {
	blobHeader
	aadPrefix []byte // header through nonce: the first part of the associated data
	salt      []byte
	nonce     []byte
	sealed    []byte // ciphertext and tag
}

var errBadBlob = errors.New("kms: malformed ciphertext blob")

// parseBlob decodes a ciphertext blob's header. It checks the structure only; authenticity is checked when
// the blob is opened.
func parseBlob(b []byte) (*blob, error) {
	if len(b) < 10 || b[0] != blobVersion1 {
		return nil, errBadBlob
	}
	acct := binary.BigEndian.Uint64(b[1:9])
	if acct > 999_999_999_999 {
		return nil, errBadBlob
	}
	n := int(b[9])
	if n == 0 || n > maxRegionLen || len(b) < blobOverhead+n {
		return nil, errBadBlob
	}
	region := b[10 : 10+n]
	for _, c := range region {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return nil, errBadBlob
		}
	}
	p := 10 + n
	out := &blob{}
	out.account = fmt.Sprintf("%012d", acct)
	out.region = string(region)
	out.keyID = formatUUID(b[p : p+16])
	out.version = binary.BigEndian.Uint32(b[p+16 : p+20])
	if out.version == 0 {
		return nil, errBadBlob
	}
	p += 20
	out.salt = b[p : p+blobSaltSize]
	out.nonce = b[p+blobSaltSize : p+blobSaltSize+blobNonceSize]
	p += blobSaltSize + blobNonceSize
	out.aadPrefix = b[:p]
	out.sealed = b[p:]
	return out, nil
}

// appendHeader appends h's encoding (through the key material version) to dst.
func appendHeader(dst []byte, h blobHeader) ([]byte, error) {
	acct, err := strconv.ParseUint(h.account, 10, 64)
	if err != nil || len(h.account) != 12 {
		return nil, fmt.Errorf("kms: blob header: bad account %q", h.account)
	}
	if len(h.region) == 0 || len(h.region) > maxRegionLen {
		return nil, fmt.Errorf("kms: blob header: bad region %q", h.region)
	}
	id, ok := parseUUID(h.keyID)
	if !ok {
		return nil, fmt.Errorf("kms: blob header: bad key ID %q", h.keyID)
	}
	dst = append(dst, blobVersion1)
	dst = binary.BigEndian.AppendUint64(dst, acct)
	dst = append(dst, byte(len(h.region)))
	dst = append(dst, h.region...)
	dst = append(dst, id[:]...)
	return binary.BigEndian.AppendUint32(dst, h.version), nil
}

// sealBlob encrypts plaintext under material into a new blob. random holds the salt then the nonce.
func sealBlob(material *materialKey, h blobHeader, random []byte, ec map[string]string, plaintext []byte) ([]byte, error) {
	out := make([]byte, 0, blobOverhead+len(h.region)+len(plaintext))
	out, err := appendHeader(out, h)
	if err != nil {
		return nil, err
	}
	out = append(out, random[:blobSaltSize+blobNonceSize]...)
	salt, nonce := out[len(out)-blobSaltSize-blobNonceSize:len(out)-blobNonceSize], out[len(out)-blobNonceSize:]
	aead, err := blobAEAD(material, salt)
	if err != nil {
		return nil, err
	}
	aad := appendContext(slices.Clip(out), ec)
	return aead.Seal(out, nonce, plaintext, aad), nil
}

// openBlob decrypts a parsed blob with its key material and the caller's encryption context.
func openBlob(material *materialKey, b *blob, ec map[string]string) ([]byte, error) {
	aead, err := blobAEAD(material, b.salt)
	if err != nil {
		return nil, err
	}
	aad := appendContext(slices.Clip(b.aadPrefix), ec)
	pt, err := aead.Open(nil, b.nonce, b.sealed, aad)
	if err != nil {
		return nil, errBadBlob
	}
	return pt, nil
}

// materialKey is one unsealed key material, with a pool of HMACs keyed by it so that deriving a blob's key
// does not set up the HMAC key schedule each time.
type materialKey struct {
	raw  []byte
	macs sync.Pool
}

func newMaterialKey(raw []byte) *materialKey {
	m := &materialKey{raw: raw}
	m.macs.New = func() any { return hmac.New(sha256.New, m.raw) }
	return m
}

// blobAEAD returns the GCM instance for one blob: AES-256-GCM under HMAC-SHA256(material, label ‖ salt).
func blobAEAD(material *materialKey, salt []byte) (cipher.AEAD, error) {
	mac := material.macs.Get().(hash.Hash)
	mac.Write([]byte(blobKDFLabel))
	mac.Write(salt)
	var k [sha256.Size]byte
	mac.Sum(k[:0])
	mac.Reset()
	material.macs.Put(mac)
	block, err := aes.NewCipher(k[:])
	clear(k[:])
	if err != nil {
		return nil, fmt.Errorf("kms: blob cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// appendContext appends the canonical encoding of an encryption context: the pair count, then each pair in
// bytewise key order, every string length-prefixed (uint32, big-endian).
func appendContext(dst []byte, ec map[string]string) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(ec)))
	if len(ec) == 0 {
		return dst
	}
	var small [8]string
	keys := small[:0]
	for k := range ec {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := ec[k]
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(k)))
		dst = append(dst, k...)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(v)))
		dst = append(dst, v...)
	}
	return dst
}

// parseUUID decodes a key ID into its 16 bytes.
func parseUUID(s string) (id [16]byte, ok bool) {
	if !validKeyID(s) {
		return id, false
	}
	var hexDigits [32]byte
	j := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '-' {
			hexDigits[j] = s[i]
			j++
		}
	}
	if _, err := hex.Decode(id[:], hexDigits[:]); err != nil {
		return id, false
	}
	return id, true
}

// formatUUID encodes 16 bytes as a key ID.
func formatUUID(b []byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}
