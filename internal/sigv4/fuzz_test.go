package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/seclake/seclake/internal/checksum"
)

// FuzzCanonicalRequest feeds arbitrary paths, queries, headers and signed-header lists to the
// canonicalizer: it must not panic, and the URI and query it writes must be properly encoded.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("GET", "/", "", "host;x-amz-date", "X-Amz-Date", "20150830T123600Z", false)
	f.Add("PUT", "/bucket/a%20b/%E2%9C%93/%2F//./..", "a=1&b&c=%zz&X-Amz-Signature=x", "host;x-custom", "X-Custom", " a \t b  ", true)
	f.Add("POST", "//example/../..//x/.", "%E1%88%B4=1&Param=2&&=&X-Amz-Security-Token=t", "content-length;host", "Content-Length", "13", false)
	f.Add("GET", "http://host/abs?x", "", "host", "", "", true)
	f.Add("GET", "%", "%", ";", "\x00", "\xff", false)
	f.Fuzz(func(t *testing.T, method, target, query, signed, hname, hvalue string, s3 bool) {
		r := &http.Request{
			Method:     method,
			RequestURI: target,
			URL:        &url.URL{Path: target, RawQuery: query},
			Header:     http.Header{},
			Host:       "example.amazonaws.com",
		}
		if hname != "" {
			r.Header[hname] = []string{hvalue, hvalue}
		}
		a := &Auth{Mode: QueryAuth, SignedHeaders: strings.Split(signed, ";"), Date: "20150830", Region: "r", Service: "s"}
		for _, o := range []canonOptions{{s3: s3}, {s3: s3, dropToken: true, spacesOnly: true, rawURI: true}} {
			canon, _, err := appendCanonicalRequest(nil, r, a, o)
			if err != nil {
				if KindOf(err) != KindMalformed {
					t.Fatalf("unexpected error %v", err)
				}
				continue
			}
			if strings.Contains(method, "\n") {
				continue // the method is copied as it is; net/http never delivers one like this
			}
			lines := bytes.SplitN(canon, []byte("\n"), 4)
			if len(lines) < 4 || !bytes.Equal(lines[0], []byte(method)) {
				t.Fatalf("bad canonical request %q", canon)
			}
			if !o.rawURI {
				checkEncoded(t, lines[1], "/")
			}
			checkEncoded(t, lines[2], "=&")
		}
		// Parse must not panic on any Authorization header or query either.
		r.Header.Set("Authorization", hvalue)
		r.Header.Set("X-Amz-Date", hname)
		_, _ = Parse(r)
		r.Header.Del("Authorization")
		r.URL.RawQuery = query
		_, _ = Parse(r)
	})
}

// checkEncoded fails unless s holds only unreserved characters, %XX escapes and the extra bytes allowed.
func checkEncoded(t *testing.T, s []byte, extra string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isUnreserved(c) || strings.IndexByte(extra, c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) && !isLowerHexDigit(s[i+1]) && !isLowerHexDigit(s[i+2]):
			i += 2
		default:
			t.Fatalf("badly encoded %q at %d", s, i)
		}
	}
}

func isLowerHexDigit(c byte) bool { return 'a' <= c && c <= 'f' }

// fuzzAuth is a fixed identity for the chunk decoder's signature chain.
var fuzzAuth = &Auth{
	AccessKeyID: "AKID", Date: "20260314", Region: "us-east-1", Service: "s3", amzDate: "20260314T150926Z",
	Signature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
}

// FuzzChunkDecoder feeds arbitrary bodies to the aws-chunked decoder in every mode. It must not panic,
// must stop with an error or io.EOF, must keep a failure sticky, and must never return more bytes than it
// was given or, at a clean end, other than the declared length.
func FuzzChunkDecoder(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), uint8(2), uint8(0), int64(5), uint8(7))
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), uint8(2), uint8(5), int64(-1), uint8(1))
	f.Add([]byte("3;chunk-signature="+strings.Repeat("a", 64)+"\r\nabc\r\n0;chunk-signature="+strings.Repeat("b", 64)+"\r\n\r\n"),
		uint8(0), uint8(5), int64(3), uint8(3))
	f.Add([]byte("0;chunk-signature="+strings.Repeat("c", 64)+"\r\n\r\nx-amz-checksum-sha256:x\r\nx-amz-trailer-signature:y\r\n\r\n"),
		uint8(1), uint8(4), int64(0), uint8(64))
	f.Add([]byte("ffffffffffffffff\r\n"), uint8(2), uint8(1), int64(-1), uint8(200))
	f.Fuzz(func(t *testing.T, body []byte, modeSel, trailerSel uint8, decoded int64, step uint8) {
		modes := []PayloadMode{StreamingSigned, StreamingSignedTrailer, StreamingUnsignedTrailer}
		mode := modes[int(modeSel)%len(modes)]
		sum := &trailerSum{}
		if mode.trailer() && int(trailerSel) < len(checksum.Algorithms) {
			sum.alg = checksum.Algorithms[trailerSel]
		}
		if decoded < -1 {
			decoded = -1
		}
		cfg := chunkConfig{mode: mode, decodedLength: decoded, sum: sum, maxChunk: 1 << 16}
		if mode.signedChunks() {
			key := deriveKey("secret", fuzzAuth.Date, fuzzAuth.Region, fuzzAuth.Service)
			cfg.signer = newChunkSigner(fuzzAuth, &key)
		}
		c := newChunkReader(bytes.NewReader(body), cfg)
		buf := make([]byte, int(step)+1)
		total := 0
		var err error
		for range len(body) + 10 {
			var n int
			n, err = c.Read(buf)
			total += n
			if err != nil {
				break
			}
		}
		if err == nil {
			t.Fatalf("decoder made no progress on %q", body)
		}
		if total > len(body) {
			t.Fatalf("decoded %d bytes from %d", total, len(body))
		}
		if errors.Is(err, io.EOF) && KindOf(err) == 0 {
			if decoded >= 0 && int64(total) != decoded {
				t.Fatalf("clean end after %d bytes, declared %d", total, decoded)
			}
		} else if _, again := c.Read(buf); again == nil || again.Error() != err.Error() {
			t.Fatalf("error not sticky: %v then %v", err, again)
		}
	})
}

// TestFuzzSeedsDecode keeps the fuzz seeds honest: the valid unsigned seed decodes.
func TestFuzzSeedsDecode(t *testing.T) {
	sum := &trailerSum{alg: checksum.CRC32}
	c := newChunkReader(strings.NewReader("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"),
		chunkConfig{mode: StreamingUnsignedTrailer, decodedLength: 5, sum: sum})
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hello" || !sum.done || sum.value != "NhCmhg==" {
		t.Fatalf("got %q, %v, %+v", got, err, sum)
	}
}

// FuzzSignedChunks encodes a valid signed aws-chunked body, optionally with a signed trailing checksum,
// changes one byte and may cut it short. Whatever the change, the decoder must either fail or return exactly
// the original payload: nothing altered gets past the chunk and trailer signatures.
func FuzzSignedChunks(f *testing.F) {
	f.Add([]byte("hello, world"), uint16(5), uint32(0), byte(0), uint16(0), true)
	f.Add([]byte("hello, world"), uint16(5), uint32(30), byte(1), uint16(0), false)
	f.Add(bytes.Repeat([]byte("x"), 3000), uint16(1000), uint32(2000), byte(0x20), uint16(3), true)
	f.Fuzz(func(t *testing.T, data []byte, chunkSize uint16, pos uint32, xor byte, cut uint16, trailer bool) {
		if chunkSize == 0 || len(data) > 1<<16 || len(data)/int(chunkSize) > 64 {
			return
		}
		key := deriveKey("secret", fuzzAuth.Date, fuzzAuth.Region, fuzzAuth.Service)
		body := encodeSignedForFuzz(data, int(chunkSize), trailer, &key)
		if len(body) > 0 {
			body[int(pos)%len(body)] ^= xor
		}
		body = body[:len(body)-int(cut)%(len(body)+1)]
		mode, sum := StreamingSigned, &trailerSum{}
		if trailer {
			mode, sum.alg = StreamingSignedTrailer, checksum.CRC32C
		}
		c := newChunkReader(bytes.NewReader(body), chunkConfig{
			mode: mode, signer: newChunkSigner(fuzzAuth, &key), decodedLength: int64(len(data)), sum: sum,
		})
		got, err := io.ReadAll(c)
		if xor == 0 && cut == 0 && err != nil {
			t.Fatalf("valid body rejected: %v", err)
		}
		if err == nil && !bytes.Equal(got, data) {
			t.Fatalf("accepted altered payload %q, want %q", got, data)
		}
		if err != nil && !bytes.HasPrefix(data, got) {
			t.Fatalf("released unverified bytes %q", got)
		}
	})
}

// encodeSignedForFuzz builds a signed aws-chunked body for fuzzAuth.
func encodeSignedForFuzz(data []byte, chunkSize int, trailer bool, key *[32]byte) []byte {
	s := newChunkSigner(fuzzAuth, key)
	sign := func(alg string, payload []byte) string {
		sum := sha256.Sum256(payload)
		b := appendStringToSign(nil, alg, fuzzAuth)
		b = append(append(b, s.prev...), '\n')
		if alg == "AWS4-HMAC-SHA256-PAYLOAD" {
			b = append(b, emptySHA256+"\n"...)
		}
		b = hex.AppendEncode(b, sum[:])
		mac := hmac.New(sha256.New, key[:])
		mac.Write(b)
		sig := hex.EncodeToString(mac.Sum(nil))
		s.prev = s.prevBuf[:copy(s.prevBuf[:], sig)]
		return sig
	}
	var out bytes.Buffer
	for off := 0; ; off += chunkSize {
		chunk := data[min(off, len(data)):min(off+chunkSize, len(data))]
		out.WriteString(strconv.FormatInt(int64(len(chunk)), 16) + ";chunk-signature=" + sign("AWS4-HMAC-SHA256-PAYLOAD", chunk) + "\r\n")
		if len(chunk) == 0 {
			break
		}
		out.Write(chunk)
		out.WriteString("\r\n")
	}
	if trailer {
		h := checksum.CRC32C.New()
		h.Write(data)
		line := "x-amz-checksum-crc32c:" + checksum.Encode(h.Sum(nil))
		out.WriteString(line + "\r\nx-amz-trailer-signature:" + sign("AWS4-HMAC-SHA256-TRAILER", []byte(line+"\n")) + "\r\n")
	}
	out.WriteString("\r\n")
	return out.Bytes()
}
