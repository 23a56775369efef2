package checksum

import (
	"encoding/binary"
	"hash"
	"sync"
)

// crc64NVME computes CRC-64/NVME with slicing-by-8 tables built once. hash/crc64 would rebuild its
// slicing tables on every large Write for a polynomial other than ISO and ECMA, which makes it several
// times slower; S3 computes this checksum for every object, so it is worth the 16 KiB of tables.
type crc64NVME struct{ crc uint64 }

var (
	nvmeOnce   sync.Once
	nvmeTables *[8][256]uint64
)

func nvmeSlicingTables() *[8][256]uint64 {
	nvmeOnce.Do(func() {
		t := new([8][256]uint64)
		for i := range 256 {
			crc := uint64(i)
			for range 8 {
				if crc&1 == 1 {
					crc = crc>>1 ^ crc64NVMEPoly
				} else {
					crc >>= 1
				}
			}
			t[0][i] = crc
		}
		for i := range 256 {
			for k := 1; k < 8; k++ {
				prev := t[k-1][i]
				t[k][i] = prev>>8 ^ t[0][prev&0xff]
			}
		}
		nvmeTables = t
	})
	return nvmeTables
}

func newCRC64NVME() hash.Hash64 {
	nvmeSlicingTables()
	return &crc64NVME{}
}

func (d *crc64NVME) Write(p []byte) (int, error) {
	d.crc = updateCRC64NVME(d.crc, p)
	return len(p), nil
}

func (d *crc64NVME) Sum64() uint64 { return d.crc }

func (d *crc64NVME) Sum(b []byte) []byte { return binary.BigEndian.AppendUint64(b, d.crc) }

func (d *crc64NVME) Reset() { d.crc = 0 }

func (d *crc64NVME) Size() int { return 8 }

func (d *crc64NVME) BlockSize() int { return 1 }

func updateCRC64NVME(crc uint64, p []byte) uint64 {
	t := nvmeTables
	crc = ^crc
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^ t[6][crc>>8&0xff] ^ t[5][crc>>16&0xff] ^ t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^ t[2][crc>>40&0xff] ^ t[1][crc>>48&0xff] ^ t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return ^crc
}
