package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"math"
	"strconv"

	"github.com/seclake/seclake/internal/checksum"
)

// MaxChunkSize is the largest aws-chunked chunk accepted with a signature. A signed chunk is held in memory
// until its signature is checked, so this bounds the memory one upload can pin. SDKs send 64 KiB chunks.
const MaxChunkSize = 16 << 20

const (
	maxLineLength   = 4096 // a chunk header or trailer line
	maxTrailerLines = 16
	readStep        = 64 << 10 // how much of a signed chunk is read (and buffered) at a time
	chunkSigPrefix  = ";chunk-signature="
)

// chunkSigner verifies the chain of chunk signatures that starts at the seed (the request's signature).
type chunkSigner struct {
	a       *Auth
	mac     hash.Hash
	prevBuf [2 * sha256.Size]byte
	prev    []byte // the previous signature, in prevBuf
	sts     []byte // the string to sign, reused
	sum     [sha256.Size]byte
}

func newChunkSigner(a *Auth, key *[sha256.Size]byte) *chunkSigner {
	s := &chunkSigner{a: a, mac: hmac.New(sha256.New, key[:])}
	s.prev = s.prevBuf[:copy(s.prevBuf[:], a.Signature)]
	return s
}

// verify checks the signature of a chunk (or of the trailer, with the trailer algorithm) whose payload
// hashes to sum, and moves the chain on.
func (s *chunkSigner) verify(algorithm string, sum []byte, sig []byte) bool {
	b := appendStringToSign(s.sts[:0], algorithm, s.a)
	b = append(append(b, s.prev...), '\n')
	if algorithm == "AWS4-HMAC-SHA256-PAYLOAD" {
		b = append(b, emptySHA256+"\n"...)
	}
	s.sts = hex.AppendEncode(b, sum)
	s.mac.Reset()
	s.mac.Write(s.sts)
	if !macMatches(s.mac.Sum(s.sum[:0]), sig) {
		return false
	}
	s.prev = s.prevBuf[:copy(s.prevBuf[:], sig)]
	return true
}

// chunkConfig configures a chunkReader.
type chunkConfig struct {
	mode          PayloadMode
	signer        *chunkSigner // nil for unsigned chunks
	decodedLength int64        // -1 if not declared
	sum           *trailerSum  // the declared trailing checksum; filled in when verified
	maxChunk      int          // 0 means MaxChunkSize
}

// chunkReader decodes an aws-chunked body, verifying as it goes. Signed chunks are read whole, checked and
// only then returned; unsigned chunks stream through. Errors are sticky.
type chunkReader struct {
	src   *bufio.Reader
	cfg   chunkConfig
	check hash.Hash // the trailing checksum, computed over the decoded bytes
	sha   hash.Hash // signed: the SHA-256 of each chunk
	sum   [sha256.Size]byte
	sig   [2 * sha256.Size]byte // signed: the current chunk's signature

	buf       []byte // signed: the verified chunk being returned
	off       int
	remaining int64 // unsigned: bytes left in the current chunk
	total     int64
	err       error
}

func newChunkReader(src io.Reader, cfg chunkConfig) *chunkReader {
	if cfg.maxChunk <= 0 {
		cfg.maxChunk = MaxChunkSize
	}
	c := &chunkReader{src: bufio.NewReaderSize(src, 32<<10), cfg: cfg}
	if cfg.sum != nil && cfg.sum.alg != "" {
		c.check = cfg.sum.alg.New()
	}
	if cfg.signer != nil {
		c.sha = sha256.New()
	}
	return c
}

// Read returns decoded payload bytes; it returns io.EOF only once everything has been verified.
func (c *chunkReader) Read(p []byte) (int, error) {
	for c.err == nil {
		if c.cfg.signer != nil && c.off < len(c.buf) {
			n := copy(p, c.buf[c.off:])
			c.off += n
			return n, nil
		}
		if c.cfg.signer == nil && c.remaining > 0 {
			return c.readUnsigned(p)
		}
		c.err = c.nextChunk()
	}
	return 0, c.err
}

func (c *chunkReader) readUnsigned(p []byte) (int, error) {
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.src.Read(p)
	c.remaining -= int64(n)
	if c.check != nil {
		c.check.Write(p[:n])
	}
	if err != nil && (err != io.EOF || c.remaining > 0) {
		c.err = readError(err, "the final chunk")
		return n, c.err
	}
	if c.remaining == 0 {
		if err := c.expectCRLF(); err != nil {
			c.err = err
			return n, err
		}
	}
	return n, nil
}

// nextChunk reads the next chunk header and, for signed chunks, the chunk itself. After the final chunk it
// reads and verifies the trailer and returns io.EOF.
func (c *chunkReader) nextChunk() error {
	line, err := c.readLine()
	if err != nil {
		return err
	}
	size, err := c.parseHeader(line)
	if err != nil {
		return err
	}
	if c.cfg.decodedLength >= 0 && size > c.cfg.decodedLength-c.total {
		return newError(KindMalformedChunk, "The chunks hold more data than x-amz-decoded-content-length declares.")
	}
	c.total += size
	if size == 0 {
		return c.finish()
	}
	if c.cfg.signer == nil {
		c.remaining = size
		return nil
	}
	if err := c.readSigned(int(size)); err != nil {
		return err
	}
	return c.expectCRLF()
}

// parseHeader parses "<hex size>" (unsigned, extensions ignored) or "<hex size>;chunk-signature=<sig>",
// keeping the signature in c.sig.
func (c *chunkReader) parseHeader(line []byte) (int64, error) {
	sizeField, ext := line, []byte(nil)
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		sizeField, ext = line[:i], line[i:]
	}
	size, ok := parseHexSize(sizeField)
	if !ok {
		return 0, newError(KindMalformedChunk, "The chunk size "+strconv.Quote(string(sizeField))+" is not a hexadecimal number.")
	}
	if c.cfg.signer == nil {
		return size, nil
	}
	sig, found := bytes.CutPrefix(ext, []byte(chunkSigPrefix))
	if !found || !isLowerHex(sig, 2*sha256.Size) {
		return 0, newError(KindMalformedChunk, "A signed chunk must begin with <hex size>;chunk-signature=<64 hex digits>.")
	}
	if size > int64(c.cfg.maxChunk) {
		return 0, newError(KindMalformedChunk, "The chunk size exceeds the largest signed chunk accepted ("+
			strconv.Itoa(c.cfg.maxChunk)+" bytes).")
	}
	copy(c.sig[:], sig)
	return size, nil
}

// readSigned reads a signed chunk into the buffer, a step at a time so that memory follows the bytes that
// actually arrive, and verifies its signature.
func (c *chunkReader) readSigned(size int) error {
	c.buf, c.off = c.buf[:0], 0
	h := c.sha
	h.Reset()
	for len(c.buf) < size {
		step := min(size-len(c.buf), readStep)
		start := len(c.buf)
		if cap(c.buf) < start+step {
			grown := make([]byte, start, max(2*cap(c.buf), start+step))
			copy(grown, c.buf)
			c.buf = grown
		}
		c.buf = c.buf[:start+step]
		if _, err := io.ReadFull(c.src, c.buf[start:]); err != nil {
			c.buf = c.buf[:0]
			return readError(err, "the final chunk")
		}
		h.Write(c.buf[start:])
	}
	if !c.cfg.signer.verify("AWS4-HMAC-SHA256-PAYLOAD", h.Sum(c.sum[:0]), c.sig[:]) {
		c.buf = c.buf[:0]
		return chunkMismatch()
	}
	if c.check != nil {
		c.check.Write(c.buf)
	}
	return nil
}

func chunkMismatch() error {
	return newError(KindSignatureMismatch, "The chunk signature we calculated does not match the signature you provided.")
}

// finish handles the final, empty chunk: its signature, the declared length, the trailer and the end.
func (c *chunkReader) finish() error {
	c.buf = nil
	if c.cfg.signer != nil && !c.cfg.signer.verify("AWS4-HMAC-SHA256-PAYLOAD", emptyHash[:], c.sig[:]) {
		return chunkMismatch()
	}
	if c.cfg.decodedLength >= 0 && c.total != c.cfg.decodedLength {
		return newError(KindIncompleteBody, "You did not provide the number of bytes specified by the x-amz-decoded-content-length header.")
	}
	if c.cfg.mode.trailer() {
		if err := c.readTrailer(); err != nil {
			return err
		}
	} else if err := c.expectCRLF(); err != nil {
		return err
	}
	if _, err := c.src.ReadByte(); err != io.EOF {
		if err != nil {
			return readError(err, "its end")
		}
		return newError(KindMalformedChunk, "The request body continues after the final chunk.")
	}
	if c.cfg.sum != nil && c.cfg.sum.alg != "" {
		c.cfg.sum.done = true
	}
	return io.EOF
}

var emptyHash = sha256.Sum256(nil)

// readLine reads one CRLF-terminated line of at most maxLineLength bytes, without the CRLF.
func (c *chunkReader) readLine() ([]byte, error) {
	line, err := c.src.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull || len(line) > maxLineLength:
		return nil, newError(KindMalformedChunk, "A chunk header or trailer line is too long.")
	case err != nil:
		return nil, readError(err, "the final chunk")
	case len(line) < 2 || line[len(line)-2] != '\r':
		return nil, newError(KindMalformedChunk, "A chunk header or trailer line does not end in CRLF.")
	}
	return line[:len(line)-2], nil
}

// expectCRLF consumes the CRLF that ends a chunk's data.
func (c *chunkReader) expectCRLF() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.src, crlf[:]); err != nil {
		return readError(err, "the final chunk")
	}
	if crlf != [2]byte{'\r', '\n'} {
		return newError(KindMalformedChunk, "A chunk's data is not followed by CRLF; its size is wrong.")
	}
	return nil
}

// parseHexSize parses 1 to 16 hex digits into a non-negative int64.
func parseHexSize(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n uint64
	for _, ch := range b {
		if !isHex(ch) {
			return 0, false
		}
		n = n<<4 | uint64(unhex(ch))
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// verifyChecksum compares the trailing checksum value with the one computed over the payload.
func (c *chunkReader) verifyChecksum(alg checksum.Algorithm, value string) error {
	want, err := alg.Decode(value)
	if err != nil {
		e := newError(KindInvalidRequest, "Value for "+alg.HeaderName()+" trailing header is invalid.")
		e.Algorithm = alg
		return e
	}
	if !bytes.Equal(c.check.Sum(nil), want) {
		e := newError(KindChecksumMismatch, "The "+string(alg)+" you specified did not match the calculated checksum.")
		e.Algorithm = alg
		return e
	}
	c.cfg.sum.value = value
	return nil
}
