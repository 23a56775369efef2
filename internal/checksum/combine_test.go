package checksum

import (
	"bytes"
	"testing"
)

// TestCombine: combining the checksums of two pieces gives the checksum of both, for every CRC and for
// empty pieces, against the hashes computed over the whole.
func TestCombine(t *testing.T) {
	data := bytes.Repeat([]byte("seclake full-object checksum "), 300)
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		if !Combinable(a) {
			t.Fatalf("%s not combinable", a)
		}
		for _, cut := range []int{0, 1, 7, 1000, len(data) - 1, len(data)} {
			sum := func(b []byte) []byte { h := a.New(); h.Write(b); return h.Sum(nil) }
			got := Combine(a, sum(data[:cut]), sum(data[cut:]), int64(len(data)-cut))
			if want := sum(data); !bytes.Equal(got, want) {
				t.Fatalf("%s cut %d: %x, want %x", a, cut, got, want)
			}
		}
	}
	if Combinable(SHA256) {
		t.Fatal("SHA256 combinable")
	}
}

func BenchmarkCombineCRC64NVME(b *testing.B) {
	x, y := make([]byte, 8), make([]byte, 8)
	for b.Loop() {
		Combine(CRC64NVME, x, y, 5<<20)
	}
}
