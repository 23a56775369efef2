// Package checksum names, computes and encodes the object checksums that S3 accepts: CRC32, CRC32C,
// CRC64NVME, SHA1 and SHA256.
package checksum

import (
	"crypto/sha1" //nolint:gosec // S3 offers SHA1 as a data-integrity checksum, not for security.
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// Algorithm is a checksum algorithm, spelled as S3 spells it in ChecksumAlgorithm.
type Algorithm string

// The algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// HeaderPrefix begins the name of every checksum header ("x-amz-checksum-crc32", ...).
const HeaderPrefix = "x-amz-checksum-"

// Algorithms lists every supported algorithm, in the order S3 documents them.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

// crc64NVMEPoly is the CRC-64/NVME polynomial 0xAD93D23594C93659 in the bit-reversed form hash/crc64 expects.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Parse returns the algorithm named by s, ignoring case. It accepts the algorithm name ("crc32") and the
// header name ("x-amz-checksum-crc32").
func Parse(s string) (Algorithm, error) {
	name := s
	if len(name) > len(HeaderPrefix) && strings.EqualFold(name[:len(HeaderPrefix)], HeaderPrefix) {
		name = name[len(HeaderPrefix):]
	}
	for _, a := range Algorithms {
		if strings.EqualFold(name, string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown checksum algorithm %q", s)
}

// New returns a new hash computing a's checksum. It panics if a is not one of the Algorithms.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return newCRC64NVME()
	case SHA1:
		return sha1.New() //nolint:gosec // see import
	case SHA256:
		return sha256.New()
	}
	panic(fmt.Sprintf("checksum: unknown algorithm %q", string(a)))
}

// Size returns the length in bytes of a's checksum, or 0 for an unknown algorithm.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return crc32.Size
	case CRC64NVME:
		return crc64.Size
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// HeaderName returns the header that carries a's checksum, such as "x-amz-checksum-crc32".
func (a Algorithm) HeaderName() string {
	return HeaderPrefix + strings.ToLower(string(a))
}

// Valid reports whether a is one of the Algorithms.
func (a Algorithm) Valid() bool { return a.Size() != 0 }

// Encode returns sum in standard base64, the form S3 sends and expects in checksum headers.
func Encode(sum []byte) string {
	return base64.StdEncoding.EncodeToString(sum)
}

// Decode parses a base64 checksum value of algorithm a, rejecting values of the wrong length.
func (a Algorithm) Decode(value string) ([]byte, error) {
	sum, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("decode %s checksum: %w", a, err)
	}
	if len(sum) != a.Size() {
		return nil, fmt.Errorf("decode %s checksum: %d bytes, want %d", a, len(sum), a.Size())
	}
	return sum, nil
}
