package checksum

import "encoding/binary"

// polys are the bit-reversed polynomials of the CRCs whose checksums combine (FULL_OBJECT multipart uploads).
var polys = map[Algorithm]struct {
	poly  uint64
	width uint
}{
	CRC32:     {0xedb88320, 32},
	CRC32C:    {0x82f63b78, 32},
	CRC64NVME: {crc64NVMEPoly, 64},
}

// Combinable reports whether a's checksums of consecutive pieces combine into the whole's (the CRCs).
func Combinable(a Algorithm) bool { _, ok := polys[a]; return ok }

// Combine returns the checksum of the concatenation A‖B from a's checksums of A and of B and B's length.
// a must be Combinable and both sums a.Size() bytes long.
func Combine(a Algorithm, sumA, sumB []byte, lenB int64) []byte {
	p := polys[a]
	get := func(b []byte) uint64 {
		if p.width == 32 {
			return uint64(binary.BigEndian.Uint32(b))
		}
		return binary.BigEndian.Uint64(b)
	}
	// CRC(A‖B) = CRC(A)·x^(8·lenB) mod P ⊕ CRC(B), the initial and final inversions cancelling.
	c := mulmod(xpow(8*uint64(lenB), p.poly, p.width), get(sumA), p.poly, p.width) ^ get(sumB)
	if p.width == 32 {
		return binary.BigEndian.AppendUint32(nil, uint32(c))
	}
	return binary.BigEndian.AppendUint64(nil, c)
}

// mulmod multiplies two bit-reversed polynomials modulo poly.
func mulmod(a, b, poly uint64, width uint) uint64 {
	var prod uint64
	for m := uint64(1) << (width - 1); m != 0 && a != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
			a ^= m
		}
		if b&1 != 0 {
			b = b>>1 ^ poly
		} else {
			b >>= 1
		}
	}
	return prod
}

// xpow returns x^n modulo poly, bit-reversed, by squaring.
func xpow(n, poly uint64, width uint) uint64 {
	result := uint64(1) << (width - 1) // x^0
	sq := uint64(1) << (width - 2)     // x^1
	for ; n != 0; n >>= 1 {
		if n&1 != 0 {
			result = mulmod(sq, result, poly, width)
		}
		sq = mulmod(sq, sq, poly, width)
	}
	return result
}
