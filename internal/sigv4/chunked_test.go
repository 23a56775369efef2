package sigv4_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/sigv4"
)

// chunkSigner signs aws-chunked bodies as the S3 documentation describes ("Transferring payload in multiple
// chunks" and "Signature calculations for trailing headers"), independently of the package under test.
type chunkSigner struct {
	key     []byte
	amzDate string
	scope   string
	prev    string
}

func (s *chunkSigner) sign(algorithm, payloadHash string) string {
	sts := algorithm + "\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n"
	if algorithm == "AWS4-HMAC-SHA256-PAYLOAD" {
		sts += sha256Hex(nil) + "\n"
	}
	s.prev = fmt.Sprintf("%x", hmacSHA256(s.key, sts+payloadHash))
	return s.prev
}

// streamSpec describes an aws-chunked body to build.
type streamSpec struct {
	mode      string // x-amz-content-sha256
	data      []byte
	chunkSize int
	trailer   checksum.Algorithm // declared in x-amz-trailer and sent after the chunks
	// checksumValue overrides the trailing checksum's value.
	checksumValue string
	// noDecodedLength leaves out x-amz-decoded-content-length.
	noDecodedLength bool
}

// encode builds the body; signer is nil for unsigned chunks.
func (sp streamSpec) encode(signer *chunkSigner) []byte {
	var b bytes.Buffer
	chunks := [][]byte{}
	for off := 0; off < len(sp.data); off += sp.chunkSize {
		chunks = append(chunks, sp.data[off:min(off+sp.chunkSize, len(sp.data))])
	}
	chunks = append(chunks, nil)
	for _, c := range chunks {
		b.WriteString(strconv.FormatInt(int64(len(c)), 16))
		if signer != nil {
			b.WriteString(";chunk-signature=" + signer.sign("AWS4-HMAC-SHA256-PAYLOAD", sha256Hex(c)))
		}
		b.WriteString("\r\n")
		if len(c) > 0 {
			b.Write(c)
			b.WriteString("\r\n")
		}
	}
	var trailer string
	if sp.trailer != "" {
		value := sp.checksumValue
		if value == "" {
			h := sp.trailer.New()
			h.Write(sp.data)
			value = checksum.Encode(h.Sum(nil))
		}
		trailer = sp.trailer.HeaderName() + ":" + value + "\n"
		b.WriteString(strings.TrimSuffix(trailer, "\n") + "\r\n")
	}
	if signer != nil && strings.HasSuffix(sp.mode, "-TRAILER") {
		b.WriteString("x-amz-trailer-signature:" + signer.sign("AWS4-HMAC-SHA256-TRAILER", sha256Hex([]byte(trailer))) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// newStreamRequest returns a signed S3 PUT whose body is the encoded spec, possibly changed by tamper.
func newStreamRequest(t *testing.T, sp streamSpec, tamper func([]byte) []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPut, "https://s3.example.test/bucket/object", nil)
	require.NoError(t, err)
	r.Header.Set("Content-Encoding", "aws-chunked")
	if !sp.noDecodedLength {
		r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(sp.data)))
	}
	if sp.trailer != "" {
		r.Header.Set("X-Amz-Trailer", sp.trailer.HeaderName())
	}
	signS3(t, r, sp.mode, testTime)
	a, err := sigv4.Parse(r)
	require.NoError(t, err)
	var signer *chunkSigner
	if strings.HasPrefix(sp.mode, "STREAMING-AWS4-HMAC-SHA256") {
		signer = &chunkSigner{
			key:     signingKey(testSecret, a.Date, a.Region, a.Service),
			amzDate: testTime.Format("20060102T150405Z"),
			scope:   a.Scope(),
			prev:    a.Signature,
		}
	}
	body := sp.encode(signer)
	if tamper != nil {
		body = tamper(body)
	}
	r.Body = newBody(body)
	r.ContentLength = int64(len(body))
	return asServerRequest(r)
}

func replaceOnce(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}

func truncate(n int) func([]byte) []byte {
	return func(b []byte) []byte { return b[:len(b)-n] }
}

const (
	signedMode         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	signedTrailerMode  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	unsignedTrailerMod = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

func TestStreamingValid(t *testing.T) {
	data := bytes.Repeat([]byte("seclake streaming "), 10000) // 180000 bytes
	tests := []struct {
		name string
		spec streamSpec
		want sigv4.PayloadMode
	}{
		{"signed", streamSpec{mode: signedMode, data: data, chunkSize: 65536}, sigv4.StreamingSigned},
		{"signed small chunks", streamSpec{mode: signedMode, data: data[:1000], chunkSize: 7}, sigv4.StreamingSigned},
		{"signed empty", streamSpec{mode: signedMode, data: nil, chunkSize: 10}, sigv4.StreamingSigned},
		{"signed one big chunk", streamSpec{mode: signedMode, data: data, chunkSize: len(data)}, sigv4.StreamingSigned},
		{"signed trailer crc32", streamSpec{mode: signedTrailerMode, data: data, chunkSize: 65536, trailer: checksum.CRC32}, sigv4.StreamingSignedTrailer},
		{"signed trailer crc64nvme", streamSpec{mode: signedTrailerMode, data: data, chunkSize: 8192, trailer: checksum.CRC64NVME}, sigv4.StreamingSignedTrailer},
		{"signed trailer empty body", streamSpec{mode: signedTrailerMode, trailer: checksum.SHA256, chunkSize: 1}, sigv4.StreamingSignedTrailer},
		{"signed trailer none declared", streamSpec{mode: signedTrailerMode, data: data, chunkSize: 65536}, sigv4.StreamingSignedTrailer},
		{"unsigned trailer crc32", streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 65536, trailer: checksum.CRC32}, sigv4.StreamingUnsignedTrailer},
		{"unsigned trailer crc32c", streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 1000, trailer: checksum.CRC32C}, sigv4.StreamingUnsignedTrailer},
		{"unsigned trailer sha1", streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 65536, trailer: checksum.SHA1}, sigv4.StreamingUnsignedTrailer},
		{"unsigned trailer sha256 empty", streamSpec{mode: unsignedTrailerMod, trailer: checksum.SHA256, chunkSize: 5}, sigv4.StreamingUnsignedTrailer},
		{"unsigned no trailer", streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 4096}, sigv4.StreamingUnsignedTrailer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newStreamRequest(t, tc.spec, nil)
			res, body, err := verifyS3(t, r, testTime)
			require.NoError(t, err)
			require.Equal(t, tc.want, res.Payload)
			require.Equal(t, int64(len(tc.spec.data)), res.DecodedLength)
			require.Equal(t, len(tc.spec.data), len(body))
			require.True(t, bytes.Equal(tc.spec.data, body))
			alg, value, ok := res.Checksum()
			require.Equal(t, tc.spec.trailer != "", ok)
			if ok {
				require.Equal(t, tc.spec.trailer, alg)
				h := alg.New()
				h.Write(tc.spec.data)
				require.Equal(t, checksum.Encode(h.Sum(nil)), value)
			}

			// The same body, delivered a byte at a time and read through odd buffer sizes.
			r = newStreamRequest(t, tc.spec, nil)
			r.Body = io.NopCloser(iotest.OneByteReader(r.Body))
			a, err := sigv4.Parse(r)
			require.NoError(t, err)
			res, err = sigv4.NewVerifier(sigv4.Config{Now: fixedNow(testTime)}).Verify(
				sigv4.Request{HTTP: r, Auth: a, Secret: testSecret, S3: true})
			require.NoError(t, err)
			_, _, ok = res.Checksum()
			require.False(t, ok, "no checksum before the body is read")
			require.NoError(t, iotest.TestReader(res.Body, tc.spec.data))
		})
	}
}

func TestStreamingAWSExample(t *testing.T) {
	// The example in the S3 API reference, "Signature Calculations for the Authorization Header:
	// Transferring Payload in Multiple Chunks": 66560 bytes of 'a' in chunks of 65536, 1024 and 0 bytes.
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	sigs := []string{
		"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
		"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
		"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
	}
	build := func(corrupt bool) *http.Request {
		var body bytes.Buffer
		for i, size := range []int{65536, 1024, 0} {
			fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", size, sigs[i])
			data := bytes.Repeat([]byte("a"), size)
			if corrupt && size == 1024 {
				data[100] = 'b'
			}
			body.Write(data)
			body.WriteString("\r\n")
		}
		r, err := http.NewRequest(http.MethodPut, "https://s3.amazonaws.com/examplebucket/chunkObject.txt", newBody(body.Bytes()))
		require.NoError(t, err)
		r.ContentLength = int64(body.Len())
		require.Equal(t, int64(66824), r.ContentLength)
		r.Header.Set("X-Amz-Date", "20130524T000000Z")
		r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"+
			"SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,"+
			"Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")
		r.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
		r.Header.Set("Content-Encoding", "aws-chunked")
		r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
		return asServerRequest(r)
	}
	now := time.Date(2013, 5, 24, 0, 1, 0, 0, time.UTC)
	for _, corrupt := range []bool{false, true} {
		r := build(corrupt)
		a, err := sigv4.Parse(r)
		require.NoError(t, err)
		res, err := sigv4.NewVerifier(sigv4.Config{Now: fixedNow(now)}).Verify(sigv4.Request{HTTP: r, Auth: a, Secret: secret, S3: true})
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		if !corrupt {
			require.NoError(t, err)
			require.Equal(t, bytes.Repeat([]byte("a"), 66560), body)
			continue
		}
		require.Equal(t, sigv4.KindSignatureMismatch, sigv4.KindOf(err))
		require.Len(t, body, 65536, "only the verified first chunk is released")
	}
}

// payloadData returns n bytes in which every 16-byte window is unique.
func payloadData(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%d,", i)
	}
	return b.Bytes()[:n]
}

func TestStreamingFailures(t *testing.T) {
	data := payloadData(16000) // 4 chunks of 4096 and one of 3712
	flip := func(i int) func([]byte) []byte { return flipAt(data[i : i+16]) }
	signed := streamSpec{mode: signedMode, data: data, chunkSize: 4096}
	signedTrailer := streamSpec{mode: signedTrailerMode, data: data, chunkSize: 4096, trailer: checksum.CRC32C}
	unsigned := streamSpec{mode: unsignedTrailerMod, data: data, chunkSize: 4096, trailer: checksum.CRC32}
	wrongCRC := unsigned
	wrongCRC.checksumValue = "AAAAAA=="
	wrongSignedCRC := signedTrailer
	wrongSignedCRC.checksumValue = "AAAAAA=="
	badValue := unsigned
	badValue.checksumValue = "not base64!"
	swapChunks := swap(data[4096:8192], data[8192:12288])
	tests := []struct {
		name     string
		spec     streamSpec
		tamper   func([]byte) []byte
		want     sigv4.Kind
		released int  // at most this many bytes reach the reader before the error
		unsigned bool // the released bytes are unverified and may differ from the payload
	}{
		{"signed tampered data", signed, flip(100), sigv4.KindSignatureMismatch, 0, false},
		{"signed tampered later chunk", signed, flip(13000), sigv4.KindSignatureMismatch, 3 * 4096, false},
		{"signed swapped data", signed, swapChunks, sigv4.KindSignatureMismatch, 4096, false},
		{"signed tampered signature", signed, flipSig(1), sigv4.KindSignatureMismatch, 4096, false},
		{"signed tampered final signature", signed, flipSig(4), sigv4.KindSignatureMismatch, len(data), false},
		{"signed long signature", signed, replaceOnce(";chunk-signature=", ";chunk-signature=0"), sigv4.KindMalformedChunk, 0, false},
		{"signed truncated in data", signed, truncate(5000), sigv4.KindIncompleteBody, 2 * 4096, false},
		{"signed truncated final", signed, truncate(2), sigv4.KindIncompleteBody, len(data), false},
		{"signed no final chunk", signed, func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("0;chunk"))] }, sigv4.KindIncompleteBody, len(data), false},
		{"signed data after end", signed, func(b []byte) []byte { return append(b, 'x') }, sigv4.KindMalformedChunk, len(data), false},
		{"signed bad size", signed, replaceOnce("1000;", "10g0;"), sigv4.KindMalformedChunk, 0, false},
		{"signed missing CRLF after data", signed, replaceOnce("\r\n1000;", "\n1000;"), sigv4.KindMalformedChunk, 0, false},
		{"signed size too long", signed, replaceOnce("1000;", "00000000000000001000;"), sigv4.KindMalformedChunk, 0, false},
		{"signed trailer tampered value", signedTrailer, func(b []byte) []byte {
			i := bytes.Index(b, []byte("x-amz-checksum-crc32c:")) + len("x-amz-checksum-crc32c:")
			b = bytes.Clone(b)
			b[i] ^= 1
			return b
		}, sigv4.KindSignatureMismatch, len(data), false},
		{"signed trailer tampered signature", signedTrailer, replaceOnce("x-amz-trailer-signature:", "x-amz-trailer-signature:0"), sigv4.KindSignatureMismatch, len(data), false},
		{"signed trailer missing signature", signedTrailer, func(b []byte) []byte {
			i := bytes.Index(b, []byte("x-amz-trailer-signature:"))
			return append(bytes.Clone(b[:i]), "\r\n"...)
		}, sigv4.KindMalformedTrailer, len(data), false},
		{"signed trailer wrong checksum", wrongSignedCRC, nil, sigv4.KindChecksumMismatch, len(data), false},
		{"unsigned wrong checksum", wrongCRC, nil, sigv4.KindChecksumMismatch, len(data), false},
		{"unsigned tampered data", unsigned, flip(5000), sigv4.KindChecksumMismatch, len(data), true},
		{"unsigned invalid checksum value", badValue, nil, sigv4.KindInvalidRequest, len(data), false},
		{"unsigned missing trailer", unsigned, func(b []byte) []byte {
			i := bytes.Index(b, []byte("x-amz-checksum-crc32:"))
			return append(bytes.Clone(b[:i]), "\r\n"...)
		}, sigv4.KindMalformedTrailer, len(data), false},
		{"unsigned other trailer", unsigned, replaceOnce("x-amz-checksum-crc32:", "x-amz-checksum-sha1:"), sigv4.KindMalformedTrailer, len(data), false},
		{"unsigned trailer without colon", unsigned, replaceOnce("x-amz-checksum-crc32:", "x-amz-checksum-crc32 "), sigv4.KindMalformedTrailer, len(data), false},
		{"unsigned truncated in data", unsigned, truncate(3000), sigv4.KindIncompleteBody, len(data), false},
		{"unsigned truncated trailer", unsigned, truncate(1), sigv4.KindIncompleteBody, len(data), false},
		{"unsigned bad size", unsigned, replaceOnce("1000\r\n", "x\r\n"), sigv4.KindMalformedChunk, 0, false},
		{"unsigned chunk longer than its size", unsigned, replaceOnce("1000\r\n", "fff\r\n"), sigv4.KindMalformedChunk, 4095, false},
		{"unsigned line too long", unsigned, replaceOnce("1000\r\n", "1000;"+strings.Repeat("x", 5000)+"\r\n"), sigv4.KindMalformedChunk, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newStreamRequest(t, tc.spec, tc.tamper)
			res, body, err := verifyS3(t, r, testTime)
			require.Error(t, err)
			require.Equal(t, tc.want, sigv4.KindOf(err), "%v", err)
			require.LessOrEqual(t, len(body), tc.released)
			if !tc.unsigned {
				require.True(t, bytes.HasPrefix(data, body), "only payload bytes are released")
			}
			_, _, ok := res.Checksum()
			require.False(t, ok)
			// Errors are sticky.
			_, again := res.Body.Read(make([]byte, 10))
			require.Equal(t, tc.want, sigv4.KindOf(again))
		})
	}
}

func TestStreamingDecodedLength(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 10000)
	tests := []struct {
		name     string
		declared string
		want     sigv4.Kind
	}{
		{"declared more", "10001", sigv4.KindIncompleteBody},
		{"declared less", "9999", sigv4.KindMalformedChunk},
		{"declared zero", "0", sigv4.KindMalformedChunk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []string{signedMode, unsignedTrailerMod} {
				r, err := http.NewRequest(http.MethodPut, "https://s3.example.test/bucket/object", nil)
				require.NoError(t, err)
				r.Header.Set("X-Amz-Decoded-Content-Length", tc.declared)
				signS3(t, r, mode, testTime)
				a, err := sigv4.Parse(r)
				require.NoError(t, err)
				var signer *chunkSigner
				if mode == signedMode {
					signer = &chunkSigner{key: signingKey(testSecret, a.Date, a.Region, a.Service),
						amzDate: a.Time.Format("20060102T150405Z"), scope: a.Scope(), prev: a.Signature}
				}
				r.Body = newBody(streamSpec{mode: mode, data: data, chunkSize: 4096}.encode(signer))
				_, _, err = verifyS3(t, asServerRequest(r), testTime)
				require.Equal(t, tc.want, sigv4.KindOf(err), "%s: %v", mode, err)
			}
		})
	}
}

func TestStreamingMaxChunk(t *testing.T) {
	// A signed chunk may be at most MaxChunkSize; the limit is checked before any of it is buffered.
	r := newStreamRequest(t, streamSpec{mode: signedMode, data: []byte("abc"), chunkSize: 3}, replaceOnce("3;", strconv.FormatInt(sigv4.MaxChunkSize+1, 16)+";"))
	_, _, err := verifyS3(t, r, testTime)
	require.Equal(t, sigv4.KindMalformedChunk, sigv4.KindOf(err))

	// A body that ends early inside a huge declared chunk fails without buffering the declared size.
	body := "fffff0;chunk-signature=" + strings.Repeat("a", 64) + "\r\nshort"
	spec := streamSpec{mode: signedMode, data: []byte("abc"), chunkSize: 3, noDecodedLength: true}
	r = newStreamRequest(t, spec, func([]byte) []byte { return []byte(body) })
	_, _, err = verifyS3(t, r, testTime)
	require.Equal(t, sigv4.KindIncompleteBody, sigv4.KindOf(err), "%v", err)
}

func TestStreamingReadErrorPassesThrough(t *testing.T) {
	boom := errors.New("connection reset")
	r := newStreamRequest(t, streamSpec{mode: unsignedTrailerMod, data: []byte("hello"), chunkSize: 5}, nil)
	r.Body = io.NopCloser(iotest.ErrReader(boom))
	_, _, err := verifyS3(t, r, testTime)
	require.ErrorIs(t, err, boom)
	require.Equal(t, sigv4.Kind(0), sigv4.KindOf(err))
}

// flipAt changes the first byte of the encoded body where window appears.
func flipAt(window []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		j := bytes.Index(b, window)
		b = bytes.Clone(b)
		b[j] ^= 1
		return b
	}
}

// swap exchanges two equally long runs of the encoded body.
func swap(x, y []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		i, j := bytes.Index(b, x), bytes.Index(b, y)
		b = bytes.Clone(b)
		copy(b[i:], y)
		copy(b[j:], x)
		return b
	}
}

// flipSig changes the first digit of the n-th chunk signature.
func flipSig(n int) func([]byte) []byte {
	return func(b []byte) []byte {
		b = bytes.Clone(b)
		off := 0
		for range n + 1 {
			off += bytes.Index(b[off:], []byte(";chunk-signature=")) + len(";chunk-signature=")
		}
		b[off] = "01"[b2i(b[off] == '0')]
		return b
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
