package segment

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func seal(t testing.TB, key, plain []byte) []byte {
	t.Helper()
	h, err := NewHeader(rand.Reader)
	require.NoError(t, err)
	var out bytes.Buffer
	w, err := NewWriter(&out, key, h)
	require.NoError(t, err)
	_, err = w.Write(plain)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.Equal(t, SealedSize(int64(len(plain))), int64(out.Len()))
	return out.Bytes()
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func TestRoundTrip(t *testing.T) {
	key := randBytes(KeySize)
	for _, n := range []int{0, 1, Size - 1, Size, Size + 1, 3 * Size, 3*Size + 17} {
		plain := randBytes(n)
		sealed := seal(t, key, plain)
		r, err := NewReader(bytes.NewReader(sealed), key)
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		require.NoError(t, err, "n=%d", n)
		require.Equal(t, plain, got, "n=%d", n)
	}
}

// TestReadFrom checks that ReadFrom seals exactly like Write whatever the sizes of the reads, including
// plaintexts that end on a segment boundary (the last full segment is the final one, not an empty one after
// it), and that range reads, which count segments from the size, open them.
func TestReadFrom(t *testing.T) {
	key := randBytes(KeySize)
	for _, size := range []int{0, 5, Size, 2 * Size, 2*Size + 5, 16 * Size} {
		plain := randBytes(size)
		for name, src := range map[string]io.Reader{
			"one reader":    bytes.NewReader(plain),
			"split reader":  io.MultiReader(bytes.NewReader(plain[:min(7, size)]), bytes.NewReader(plain[min(7, size):])),
			"eof with data": &eofWithData{b: plain},
		} {
			h, err := NewHeader(rand.Reader)
			require.NoError(t, err)
			var out bytes.Buffer
			w, err := NewWriter(&out, key, h)
			require.NoError(t, err)
			n, err := w.ReadFrom(src)
			require.NoError(t, err)
			require.Equal(t, int64(size), n)
			require.NoError(t, w.Close())
			require.Equal(t, SealedSize(int64(size)), int64(out.Len()), "%s, %d bytes", name, size)
			c, err := NewCipher(key, h)
			require.NoError(t, err)
			rg := Locate(int64(size), 0, int64(size), Size)
			got, err := io.ReadAll(NewRangeReader(bytes.NewReader(out.Bytes()[rg.Offset:rg.Offset+rg.Length]), c, rg))
			require.NoError(t, err, "%s, %d bytes", name, size)
			require.Equal(t, plain, got)
		}
	}
}

// eofWithData returns its last bytes together with io.EOF, as some readers do.
type eofWithData struct{ b []byte }

func (e *eofWithData) Read(p []byte) (int, error) {
	n := copy(p, e.b)
	e.b = e.b[n:]
	if len(e.b) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func TestRanges(t *testing.T) {
	key := randBytes(KeySize)
	for _, size := range []int64{0, 1, Size, Size + 1, 3*Size + 100} {
		plain := randBytes(int(size))
		sealed := seal(t, key, plain)
		h, err := ParseHeader(sealed)
		require.NoError(t, err)
		c, err := NewCipher(key, h)
		require.NoError(t, err)
		cases := [][2]int64{{0, size}, {0, min(1, size)}, {size / 2, size - size/2}, {max(size-1, 0), min(1, size)}}
		if size > Size {
			cases = append(cases, [2]int64{Size - 3, 10}, [2]int64{Size, Size}, [2]int64{1, size - 2})
		}
		for _, tc := range cases {
			off, n := tc[0], min(tc[1], size-tc[0])
			rg := Locate(size, off, n, Size)
			src := bytes.NewReader(sealed[rg.Offset : rg.Offset+rg.Length])
			got, err := io.ReadAll(NewRangeReader(src, c, rg))
			require.NoError(t, err, "size=%d off=%d n=%d", size, off, n)
			require.Equal(t, plain[off:off+n], got, "size=%d off=%d n=%d", size, off, n)
			require.LessOrEqual(t, rg.Length, n+2*(Size+TagSize), "a range fetches only the segments it touches")
		}
	}
}

func TestTamperDetected(t *testing.T) {
	key := randBytes(KeySize)
	plain := randBytes(3*Size + 10)
	sealed := seal(t, key, plain)
	seg := Size + TagSize
	swapped := bytes.Clone(sealed)
	copy(swapped[HeaderSize:], sealed[HeaderSize+seg:HeaderSize+2*seg])
	copy(swapped[HeaderSize+seg:], sealed[HeaderSize:HeaderSize+seg])
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	headerFlip := bytes.Clone(sealed)
	headerFlip[10] ^= 1
	cases := map[string][]byte{
		"truncated at a segment boundary": sealed[:HeaderSize+2*seg],
		"truncated inside a segment":      sealed[:len(sealed)-5],
		"segments reordered":              swapped,
		"bit flipped":                     flipped,
		"salt changed":                    headerFlip,
		"final segment dropped and empty": sealed[:HeaderSize+3*seg],
		"header only":                     sealed[:HeaderSize],
		"short header":                    sealed[:HeaderSize-1],
	}
	for name, blob := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(blob), key)
			if err == nil {
				_, err = io.ReadAll(r)
			}
			require.ErrorIs(t, err, ErrCorrupt)
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		r, err := NewReader(bytes.NewReader(sealed), randBytes(KeySize))
		require.NoError(t, err)
		_, err = io.ReadAll(r)
		require.ErrorIs(t, err, ErrCorrupt)
	})
	t.Run("range over a truncated blob", func(t *testing.T) {
		h, _ := ParseHeader(sealed)
		c, _ := NewCipher(key, h)
		rg := Locate(int64(len(plain)), int64(len(plain))-4, 4, Size)
		src := bytes.NewReader(sealed[rg.Offset : rg.Offset+rg.Length-1])
		_, err := io.ReadAll(NewRangeReader(src, c, rg))
		require.ErrorIs(t, err, ErrCorrupt)
	})
}

func FuzzReader(f *testing.F) {
	key := bytes.Repeat([]byte{7}, KeySize)
	h := Header{SegmentSize: 16}
	var out bytes.Buffer
	w, _ := NewWriter(&out, key, h)
	_, _ = w.Write([]byte("some plaintext that spans several segments"))
	_ = w.Close()
	f.Add(out.Bytes())
	f.Add([]byte{})
	f.Add(h.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewReader(bytes.NewReader(b), key)
		if err != nil {
			return
		}
		got, err := io.ReadAll(r)
		if err != nil {
			return
		}
		// Whatever authenticates must re-seal to the same bytes: nothing else is accepted.
		hh, _ := ParseHeader(b)
		var again bytes.Buffer
		w, err := NewWriter(&again, key, hh)
		require.NoError(t, err)
		_, _ = w.Write(got)
		require.NoError(t, w.Close())
		require.Equal(t, b, again.Bytes())
	})
}

func BenchmarkSeal(b *testing.B) {
	key := randBytes(KeySize)
	plain := randBytes(1 << 20)
	h, _ := NewHeader(rand.Reader)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		w, _ := NewWriter(io.Discard, key, h)
		_, _ = w.Write(plain)
		_ = w.Close()
	}
}

func BenchmarkOpen(b *testing.B) {
	key := randBytes(KeySize)
	plain := randBytes(1 << 20)
	sealed := seal(b, key, plain)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		r, _ := NewReader(bytes.NewReader(sealed), key)
		_, _ = io.Copy(io.Discard, r)
	}
}
