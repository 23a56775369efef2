package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/checksum"
)

const (
	headerContentSHA256  = "X-Amz-Content-Sha256"
	headerDecodedLength  = "X-Amz-Decoded-Content-Length"
	headerTrailer        = "X-Amz-Trailer"
	msgInvalidSHA256Mode = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, " +
		"STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, " +
		"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value."
)

// payload is what an S3 request's headers say about its body.
type payload struct {
	mode          PayloadMode
	hash          string // the canonical request's last line
	decodedLength int64
	trailer       checksum.Algorithm
}

// s3Payload checks that every x-amz-* header is signed and reads the payload mode and its headers.
func s3Payload(r *http.Request, a *Auth) (payload, error) {
	if err := checkAmzHeadersSigned(r, a); err != nil {
		return payload{}, err
	}
	p := payload{decodedLength: r.ContentLength}
	value := r.Header.Get(headerContentSHA256)
	if a.Mode == QueryAuth && (value == "" || !a.signsHeader("x-amz-content-sha256")) {
		p.mode, p.hash = UnsignedPayload, unsignedPayload
		return p, nil
	}
	p.hash = value
	switch {
	case value == "":
		return p, newError(KindInvalidRequest, "Missing required header for this request: x-amz-content-sha256")
	case value == unsignedPayload:
		p.mode = UnsignedPayload
	case value == streamingSigned:
		p.mode = StreamingSigned
	case value == streamingSignedTrailer:
		p.mode = StreamingSignedTrailer
	case value == streamingUnsignedTrailer:
		p.mode = StreamingUnsignedTrailer
	case strings.HasPrefix(value, streamingECDSAPrefix):
		return p, newError(KindUnsupported, "x-amz-content-sha256 "+value+" (SigV4a streaming) is not supported.")
	case isLowerHex(strings.ToLower(value), 2*sha256.Size):
		p.mode = SignedPayload
	default:
		return p, newError(KindInvalidContentSHA256, msgInvalidSHA256Mode)
	}
	if !p.mode.chunked() {
		return p, nil
	}
	if p.mode.signedChunks() && a.Mode == QueryAuth {
		return p, newError(KindInvalidRequest, value+" requires the Authorization header, not a presigned URL.")
	}
	p.decodedLength = -1
	if v := r.Header.Get(headerDecodedLength); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return p, newError(KindInvalidRequest, "x-amz-decoded-content-length must be a non-negative integer.")
		}
		p.decodedLength = n
	}
	if p.mode.trailer() {
		alg, err := declaredTrailer(r)
		if err != nil {
			return p, err
		}
		p.trailer = alg
	}
	return p, nil
}

// checkAmzHeadersSigned insists, as S3 does, that every x-amz-* header present is signed. The payload hash
// header is exempt: it is the canonical request's last line, so it is signed either way.
func checkAmzHeadersSigned(r *http.Request, a *Auth) error {
	var unsigned []string
	for name := range r.Header {
		if !hasPrefixFold(name, "x-amz-") {
			continue
		}
		lower := strings.ToLower(name)
		if lower != "x-amz-content-sha256" && !a.signsHeader(lower) {
			unsigned = append(unsigned, lower)
		}
	}
	if len(unsigned) == 0 {
		return nil
	}
	sort.Strings(unsigned)
	return &Error{
		Kind:             KindHeadersNotSigned,
		Message:          "There were headers present in the request which were not signed",
		HeadersNotSigned: unsigned,
	}
}

// declaredTrailer reads x-amz-trailer: nothing, or exactly one checksum header.
func declaredTrailer(r *http.Request) (checksum.Algorithm, error) {
	vals := r.Header.Values(headerTrailer)
	if len(vals) == 0 {
		return "", nil
	}
	names := strings.Split(strings.Join(vals, ","), ",")
	if len(names) != 1 {
		return "", newError(KindInvalidRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	name := strings.TrimSpace(names[0])
	alg, err := checksum.Parse(name)
	if err != nil || !hasPrefixFold(name, checksum.HeaderPrefix) {
		return "", newError(KindInvalidRequest, "The value specified in the x-amz-trailer header is not supported")
	}
	return alg, nil
}

// result builds the Result whose Body verifies the payload.
func (p payload) result(r *http.Request, a *Auth, key *[sha256.Size]byte) *Result {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	res := &Result{DecodedLength: p.decodedLength, Payload: p.mode, Trailer: p.trailer}
	switch p.mode {
	case UnsignedPayload:
		res.Body = &plainReader{src: body}
	case SignedPayload:
		res.Body = &hashReader{src: body, h: sha256.New(), want: strings.ToLower(p.hash)}
	default:
		res.sum = &trailerSum{alg: p.trailer}
		var s *chunkSigner
		if p.mode.signedChunks() {
			s = newChunkSigner(a, key)
		}
		res.Body = newChunkReader(body, chunkConfig{
			mode: p.mode, signer: s, decodedLength: p.decodedLength, sum: res.sum,
		})
	}
	return res
}

// plainReader passes an unsigned body through, reporting an early end as KindIncompleteBody.
type plainReader struct {
	src io.Reader
}

func (p *plainReader) Read(b []byte) (int, error) {
	n, err := p.src.Read(b)
	if err != nil && err != io.EOF {
		err = readError(err, "Content-Length bytes were read")
	}
	return n, err
}

// hashReader passes the body through and, at its end, compares its SHA-256 with x-amz-content-sha256.
type hashReader struct {
	src  io.Reader
	h    hash.Hash
	want string
	err  error
}

func (hr *hashReader) Read(b []byte) (int, error) {
	if hr.err != nil {
		return 0, hr.err
	}
	n, err := hr.src.Read(b)
	hr.h.Write(b[:n])
	switch {
	case err == io.EOF:
		var sum [sha256.Size]byte
		if hex.EncodeToString(hr.h.Sum(sum[:0])) != hr.want {
			err = newError(KindContentSHA256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
	case err != nil:
		err = readError(err, "Content-Length bytes were read")
	}
	hr.err = err
	return n, err
}
