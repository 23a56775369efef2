package checksum_test

import (
	"encoding/binary"
	"encoding/hex"
	"hash"
	"hash/crc64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/checksum"
)

func sum(a checksum.Algorithm, data string) []byte {
	h := a.New()
	_, _ = h.Write([]byte(data))
	return h.Sum(nil)
}

func TestCheckValues(t *testing.T) {
	// The catalogued check value of each algorithm is its checksum of "123456789".
	tests := []struct {
		alg  checksum.Algorithm
		want string
	}{
		{checksum.CRC32, "cbf43926"},
		{checksum.CRC32C, "e3069283"},
		{checksum.CRC64NVME, "ae8b14860a799888"},
		{checksum.SHA1, "f7c3bc1d808e04732adf679965ccc34ca7ae3441"},
		{checksum.SHA256, "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225"},
	}
	for _, tc := range tests {
		t.Run(string(tc.alg), func(t *testing.T) {
			got := sum(tc.alg, "123456789")
			require.Equal(t, tc.want, hex.EncodeToString(got))
			require.Len(t, got, tc.alg.Size())
		})
	}
}

func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		alg  checksum.Algorithm
		data string
		want string
	}{
		{checksum.CRC32, "", "AAAAAA=="},
		{checksum.CRC32, "hello world", "DUoRhQ=="},
		{checksum.CRC32C, "hello world", "yZRlqg=="},
		{checksum.SHA1, "hello world", "Kq5sNclPz7QV2+lfQIuc6R7oRu0="},
		{checksum.SHA256, "hello world", "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="},
	}
	for _, tc := range tests {
		t.Run(string(tc.alg)+"/"+tc.data, func(t *testing.T) {
			got := checksum.Encode(sum(tc.alg, tc.data))
			require.Equal(t, tc.want, got)
			raw, err := tc.alg.Decode(got)
			require.NoError(t, err)
			require.Equal(t, sum(tc.alg, tc.data), raw)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	tests := []struct {
		name  string
		alg   checksum.Algorithm
		value string
	}{
		{"not base64", checksum.CRC32, "!!!!"},
		{"too short", checksum.CRC32, "AAA="},
		{"too long", checksum.CRC32, "AAAAAAAA"},
		{"sha256 given crc32 length", checksum.SHA256, "AAAAAA=="},
		{"non-canonical padding bits", checksum.CRC32, "AAAAAB=="},
		{"empty", checksum.CRC64NVME, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.alg.Decode(tc.value)
			require.Error(t, err)
		})
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    checksum.Algorithm
		wantErr bool
	}{
		{in: "CRC32", want: checksum.CRC32},
		{in: "crc32", want: checksum.CRC32},
		{in: "Crc32C", want: checksum.CRC32C},
		{in: "crc64nvme", want: checksum.CRC64NVME},
		{in: "sha1", want: checksum.SHA1},
		{in: "SHA256", want: checksum.SHA256},
		{in: "x-amz-checksum-crc32", want: checksum.CRC32},
		{in: "X-Amz-Checksum-Crc64nvme", want: checksum.CRC64NVME},
		{in: "x-amz-checksum-sha256", want: checksum.SHA256},
		{in: "", wantErr: true},
		{in: "md5", wantErr: true},
		{in: "x-amz-checksum-", wantErr: true},
		{in: "x-amz-checksum-mode", wantErr: true},
		{in: "x-amz-checksum-type", wantErr: true},
		{in: "crc32 ", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := checksum.Parse(tc.in)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestHeaderName(t *testing.T) {
	for _, a := range checksum.Algorithms {
		require.True(t, a.Valid())
		require.Equal(t, "x-amz-checksum-"+strings.ToLower(string(a)), a.HeaderName())
		back, err := checksum.Parse(a.HeaderName())
		require.NoError(t, err)
		require.Equal(t, a, back)
	}
	require.Equal(t, "x-amz-checksum-crc64nvme", checksum.CRC64NVME.HeaderName())
	require.False(t, checksum.Algorithm("MD5").Valid())
	require.Panics(t, func() { checksum.Algorithm("MD5").New() })
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"crc32", "x-amz-checksum-sha1", "CRC64NVME", "", "x-amz-checksum-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := checksum.Parse(s)
		if err != nil {
			return
		}
		require.True(t, a.Valid())
		require.NotNil(t, a.New())
		require.True(t, strings.EqualFold(s, string(a)) || strings.EqualFold(s, a.HeaderName()))
	})
}

func TestCRC64NVMEMatchesHashCRC64(t *testing.T) {
	// The slicing-by-8 implementation agrees with hash/crc64 driven by the same polynomial, for every
	// length around the 8-byte stride and for writes split anywhere.
	ref := crc64.MakeTable(0x9a6c9329ac4bc9b5)
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(i*131 + i>>3)
	}
	for n := 0; n <= 64; n++ {
		h := checksum.CRC64NVME.New()
		h.Write(data[:n])
		require.Equal(t, crc64.Checksum(data[:n], ref), h.(hash.Hash64).Sum64(), "length %d", n)
	}
	for _, split := range []int{0, 1, 7, 8, 9, 2047, 2048, 4999} {
		h := checksum.CRC64NVME.New()
		h.Write(data[:split])
		h.Write(data[split:])
		want := crc64.Checksum(data, ref)
		require.Equal(t, want, h.(hash.Hash64).Sum64(), "split %d", split)
		require.Equal(t, binary.BigEndian.AppendUint64([]byte("x"), want), h.Sum([]byte("x")))
		h.Reset()
		require.Equal(t, crc64.Checksum(nil, ref), h.(hash.Hash64).Sum64())
	}
	h := checksum.CRC64NVME.New()
	require.Equal(t, 8, h.Size())
	require.Equal(t, 1, h.BlockSize())
}

func BenchmarkChecksum(b *testing.B) {
	data := make([]byte, 1<<20)
	for _, a := range checksum.Algorithms {
		b.Run(string(a), func(b *testing.B) {
			h := a.New()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				h.Reset()
				for off := 0; off < len(data); off += 32 << 10 {
					h.Write(data[off : off+32<<10])
				}
			}
		})
	}
}
