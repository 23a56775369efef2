package segment

import (
	"errors"
	"fmt"
	"io"
)

// Writer encrypts what is written to it onto an underlying writer. Close writes the final segment; it must
// be called, and the blob is complete only once it returns nil.
type Writer struct {
	w     io.Writer
	c     *Cipher
	buf   []byte // plaintext of the current segment
	spare []byte // ReadFrom: what follows a full segment
	out   []byte // sealed segment
	index uint64
	n     int64
	err   error
}

// NewWriter writes h's encoding to w and returns a writer that seals segments under dataKey.
func NewWriter(w io.Writer, dataKey []byte, h Header) (*Writer, error) {
	c, err := NewCipher(dataKey, h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(c.header); err != nil {
		return nil, fmt.Errorf("segment: write header: %w", err)
	}
	return &Writer{w: w, c: c, buf: make([]byte, 0, c.seg), out: make([]byte, 0, c.seg+TagSize)}, nil
}

// Write encrypts p. A full segment is sealed only once more data follows it, since the last one is marked.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	written := 0
	for len(p) > 0 {
		if len(w.buf) == w.c.seg {
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		k := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		written += k
	}
	w.n += int64(written)
	return written, nil
}

// ReadFrom encrypts everything r yields, reading straight into the segment buffer. As with Write, a full
// segment is sealed only once more data follows it, so the last segment is the one marked final.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for w.err == nil {
		dst := w.buf[len(w.buf):cap(w.buf)]
		full := len(dst) == 0
		if full {
			if w.spare == nil {
				w.spare = make([]byte, w.c.seg)
			}
			dst = w.spare
		}
		k, err := r.Read(dst)
		if k > 0 && full {
			if ferr := w.flush(false); ferr != nil {
				return total, ferr
			}
			w.buf = append(w.buf[:0], w.spare[:k]...)
		} else {
			w.buf = w.buf[:len(w.buf)+k]
		}
		total += int64(k)
		w.n += int64(k)
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
	return total, w.err
}

func (w *Writer) flush(final bool) error {
	w.out = w.c.Seal(w.out[:0], w.buf, w.index, final)
	w.buf = w.buf[:0]
	w.index++
	if _, err := w.w.Write(w.out); err != nil {
		w.err = fmt.Errorf("segment: write: %w", err)
		return w.err
	}
	return nil
}

// Close seals the final segment. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.flush(true); err != nil {
		return err
	}
	w.err = errors.New("segment: writer closed")
	return nil
}

// Size returns the number of plaintext bytes written so far.
func (w *Writer) Size() int64 { return w.n }

// Reader decrypts a whole blob read from an underlying reader, header first, detecting the final segment by
// the end of its input.
type Reader struct {
	r     io.Reader
	c     *Cipher
	in    []byte // sealed bytes read ahead: the current segment plus one byte
	plain []byte
	off   int
	index uint64
	done  bool
	err   error
}

// NewReader reads the header from r and returns a reader of the plaintext under dataKey.
func NewReader(r io.Reader, dataKey []byte) (*Reader, error) {
	hb := make([]byte, HeaderSize)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, fmt.Errorf("%w: short header", ErrCorrupt)
	}
	h, err := ParseHeader(hb)
	if err != nil {
		return nil, err
	}
	c, err := NewCipher(dataKey, h)
	if err != nil {
		return nil, err
	}
	return &Reader{r: r, c: c, in: make([]byte, 0, c.seg+TagSize+1)}, nil
}

// Read returns decrypted plaintext; it fails with ErrCorrupt when the blob does not authenticate.
func (r *Reader) Read(p []byte) (int, error) {
	for r.off == len(r.plain) {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	n := copy(p, r.plain[r.off:])
	r.off += n
	return n, nil
}

// next reads and opens the next segment; it is final when no byte follows it.
func (r *Reader) next() error {
	full := r.c.seg + TagSize
	k, err := io.ReadFull(r.r, r.in[len(r.in):full+1])
	r.in = r.in[:len(r.in)+k]
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("segment: read: %w", err)
	}
	final := len(r.in) <= full
	seg := r.in[:min(len(r.in), full)]
	if len(seg) < TagSize {
		return fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	plain, err := r.c.Open(r.plain[:0], seg, r.index, final)
	if err != nil {
		return err
	}
	r.plain, r.off = plain, 0
	r.index++
	if final {
		r.done = true
		r.in = r.in[:0]
		return nil
	}
	r.in = append(r.in[:0], r.in[full:]...)
	return nil
}

// Range locates plaintext [off, off+n) of a blob whose plaintext is size bytes long.
type Range struct {
	// First is the index of the first segment touched.
	First uint64
	// Count is the number of segments touched.
	Count uint64
	// Total is the blob's number of segments.
	Total uint64
	// Offset and Length are the sealed bytes to fetch, counted from the start of the blob (header included).
	Offset, Length int64
	// Skip is how many plaintext bytes of the first segment precede off.
	Skip int64
	// N is the plaintext length wanted.
	N int64
	// FinalLen is the sealed length of the blob's final segment.
	FinalLen int64
}

// Locate returns where plaintext [off, off+n) of a size-byte plaintext lies, with segments of seg bytes.
// off+n must not exceed size.
func Locate(size, off, n int64, seg int) Range {
	total := Segments(size, seg)
	s := int64(seg)
	first := off / s
	last := first
	if n > 0 {
		last = (off + n - 1) / s
	}
	if first >= total {
		first, last = total-1, total-1
	}
	sealed := s + TagSize
	endPlain := min((last+1)*s, size)
	length := (last-first)*sealed + (endPlain - last*s) + TagSize
	return Range{First: uint64(first), Count: uint64(last - first + 1), Total: uint64(total),
		Offset: HeaderSize + first*sealed, Length: length, Skip: off - first*s, N: n,
		FinalLen: size - (total-1)*s + TagSize}
}

// RangeReader decrypts the segments of a Range read from r (which yields exactly the sealed bytes of the
// range) and returns the N plaintext bytes wanted.
type RangeReader struct {
	r      io.Reader
	c      *Cipher
	rg     Range
	in     []byte
	plain  []byte
	off    int
	index  uint64
	remain int64
	skip   int64
	err    error
}

// NewRangeReader returns a reader of the plaintext of rg, decrypting what r yields with c.
func NewRangeReader(r io.Reader, c *Cipher, rg Range) *RangeReader {
	return &RangeReader{r: r, c: c, rg: rg, in: make([]byte, c.seg+TagSize), index: rg.First, remain: rg.N, skip: rg.Skip}
}

// Read returns plaintext of the range.
func (r *RangeReader) Read(p []byte) (int, error) {
	if r.remain == 0 {
		return 0, io.EOF
	}
	for r.off == len(r.plain) {
		if r.err != nil {
			return 0, r.err
		}
		r.err = r.next()
	}
	avail := r.plain[r.off:]
	if int64(len(avail)) > r.remain {
		avail = avail[:r.remain]
	}
	n := copy(p, avail)
	r.off += n
	r.remain -= int64(n)
	return n, nil
}

func (r *RangeReader) next() error {
	if r.index >= r.rg.First+r.rg.Count {
		return fmt.Errorf("%w: range ends early", ErrCorrupt)
	}
	final := r.index == r.rg.Total-1
	want := len(r.in)
	if final {
		want = int(r.rg.FinalLen)
	}
	if want < TagSize || want > len(r.in) {
		return fmt.Errorf("%w: bad final segment length", ErrCorrupt)
	}
	if _, err := io.ReadFull(r.r, r.in[:want]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: truncated segment %d", ErrCorrupt, r.index)
		}
		return fmt.Errorf("segment: read: %w", err)
	}
	plain, err := r.c.Open(r.plain[:0], r.in[:want], r.index, final)
	if err != nil {
		return err
	}
	r.plain, r.off = plain, int(r.skip)
	r.skip = 0
	r.index++
	return nil
}
