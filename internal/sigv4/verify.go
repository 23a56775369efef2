package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/clock"
)

// Clock skews the verifier allows for header-signed requests.
const (
	// DefaultMaxSkew is the skew allowed for services other than S3.
	DefaultMaxSkew = 5 * time.Minute
	// S3MaxSkew is the skew S3 allows.
	S3MaxSkew = 15 * time.Minute
	// DefaultPresignExpires is the lifetime of a non-S3 presigned URL that carries no X-Amz-Expires.
	DefaultPresignExpires = 15 * time.Minute
)

const (
	msgMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgMismatchS3 = "The request signature we calculated does not match the signature you provided. " +
		"Check your key and signing method."
	msgSkewedS3 = "The difference between the request time and the current time is too large."
)

// Config configures a Verifier.
type Config struct {
	// Now tells the time; nil means the system clock.
	Now func() time.Time
	// MaxSkew is the clock skew allowed for header-signed requests to services other than S3 (S3 always
	// allows S3MaxSkew); zero means DefaultMaxSkew.
	MaxSkew time.Duration
}

// Verifier checks SigV4 signatures. It caches derived signing keys and is safe for concurrent use.
type Verifier struct {
	now     func() time.Time
	maxSkew time.Duration
	keys    keyCache
}

// NewVerifier returns a Verifier configured by cfg.
func NewVerifier(cfg Config) *Verifier {
	v := &Verifier{now: cfg.Now, maxSkew: cfg.MaxSkew}
	if v.now == nil {
		v.now = clock.System.Now
	}
	if v.maxSkew <= 0 {
		v.maxSkew = DefaultMaxSkew
	}
	return v
}

// Request is one request to verify: the HTTP request, what [Parse] read from it, and the secret of
// Auth.AccessKeyID that the caller looked up.
type Request struct {
	HTTP   *http.Request
	Auth   *Auth
	Secret string
	// S3 selects S3's rules: the canonical URI encoded once and not normalized, the payload modes of
	// x-amz-content-sha256, streaming bodies, every x-amz-* header signed, a 15-minute skew. Otherwise
	// the other services' rules apply (normalized, double-encoded URI; payload hash of Body).
	S3 bool
	// Body is the whole body of a non-S3 request, already read by the caller; its SHA-256 is the payload
	// hash. It is ignored for S3, whose body is read from HTTP.Body through Result.Body.
	Body []byte
}

// Result is a verified request's payload.
type Result struct {
	// Body yields the decoded payload. For S3 it reads HTTP.Body and verifies as it goes: each signed chunk
	// before its bytes are returned, the payload hash, trailer signature and trailing checksum when the end
	// is reached. Read fails with an *Error where verification fails, so the payload may be trusted only
	// once Read has returned io.EOF. For other services it reads Request.Body.
	Body io.Reader
	// DecodedLength is the payload's length from x-amz-decoded-content-length or Content-Length; -1 if
	// unknown.
	DecodedLength int64
	// Payload is how the payload is protected.
	Payload PayloadMode
	// Trailer is the checksum algorithm named by x-amz-trailer, or "" if none was declared.
	Trailer checksum.Algorithm

	sum *trailerSum
}

// trailerSum is the trailing checksum, set once it has been verified against the payload.
type trailerSum struct {
	alg   checksum.Algorithm
	value string
	done  bool
}

// Checksum returns the trailing checksum (algorithm and base64 value) that was verified against the payload.
// ok is false until Body has returned io.EOF, and when the request carried no trailing checksum.
func (r *Result) Checksum() (alg checksum.Algorithm, value string, ok bool) {
	if r.sum == nil || !r.sum.done {
		return "", "", false
	}
	return r.sum.alg, r.sum.value, true
}

// Verify checks req's signature and time and, for S3, sets up verification of its payload. It returns an
// *Error (see Kind) when the request is not authentic.
func (v *Verifier) Verify(req Request) (*Result, error) {
	if req.HTTP == nil || req.Auth == nil {
		return nil, errors.New("verify sigv4: request and auth are required")
	}
	a := req.Auth
	if err := v.checkTime(a, req.S3); err != nil {
		return nil, err
	}
	var (
		p   payload
		err error
	)
	if req.S3 {
		if p, err = s3Payload(req.HTTP, a); err != nil {
			return nil, err
		}
	} else {
		sum := sha256.Sum256(req.Body)
		p = payload{mode: SignedPayload, hash: hex.EncodeToString(sum[:])}
	}
	key := v.keys.get(req.Secret, a.Date, a.Region, a.Service)
	if err := checkSignature(req.HTTP, a, &key, req.S3, p.hash); err != nil {
		return nil, err
	}
	if !req.S3 {
		return &Result{Body: bytes.NewReader(req.Body), DecodedLength: int64(len(req.Body)), Payload: SignedPayload}, nil
	}
	return p.result(req.HTTP, a, &key), nil
}

// checkTime rejects header-signed requests outside the allowed skew and presigned URLs outside their
// lifetime.
func (v *Verifier) checkTime(a *Auth, s3 bool) error {
	now := v.now().UTC()
	skew := v.maxSkew
	if s3 {
		skew = S3MaxSkew
	}
	if a.Mode == QueryAuth {
		return checkPresignedTime(a, now, skew, s3)
	}
	earliest, latest := now.Add(-skew), now.Add(skew)
	if !a.Time.Before(earliest) && !a.Time.After(latest) {
		return nil
	}
	e := &Error{Kind: KindSkewed, RequestTime: a.requestTime(), ServerTime: now, MaxAllowedSkew: skew}
	mins := strconv.Itoa(int(skew / time.Minute))
	switch {
	case s3:
		e.Message = msgSkewedS3
	case a.Time.Before(earliest):
		e.Message = "Signature expired: " + a.requestTime() + " is now earlier than " + earliest.Format(amzDateFormat) +
			" (" + now.Format(amzDateFormat) + " - " + mins + " min.)"
	default:
		e.Message = "Signature not yet current: " + a.requestTime() + " is still later than " + latest.Format(amzDateFormat) +
			" (" + now.Format(amzDateFormat) + " + " + mins + " min.)"
	}
	return e
}

func checkPresignedTime(a *Auth, now time.Time, skew time.Duration, s3 bool) error {
	expires := a.Expires
	if expires == 0 {
		if s3 {
			return newError(KindMalformed, msgQueryParams)
		}
		expires = DefaultPresignExpires
	}
	e := &Error{RequestTime: a.requestTime(), ServerTime: now, Expires: expires, ExpiresAt: a.Time.Add(expires)}
	switch {
	case a.Time.After(now.Add(skew)):
		e.Kind, e.Message, e.MaxAllowedSkew = KindNotYetValid, "Request is not valid yet", skew
	case now.After(e.ExpiresAt):
		e.Kind, e.Message = KindExpired, "Request has expired"
	default:
		return nil
	}
	return e
}

// canonPool recycles canonical-request buffers; unusually large ones are left to the garbage collector.
var canonPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledCanon = 64 << 10

// checkSignature rebuilds the canonical request and compares signatures. When the first attempt fails it
// tries the variants real signers produce, where they would differ: a session token appended to a presigned
// URL after signing, header values with tabs kept (aws-sdk-go-v2 collapses spaces only), and for S3 the path
// exactly as sent (signers that sign their escaped path and leave sub-delimiters such as '+' unencoded).
func checkSignature(r *http.Request, a *Auth, key *[sha256.Size]byte, s3 bool, payloadHash string) error {
	bp := canonPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledCanon {
			canonPool.Put(bp)
		}
	}()
	o := canonOptions{s3: s3, payloadHash: payloadHash}
	canon, seen, err := appendCanonicalRequest((*bp)[:0], r, a, o)
	*bp = canon[:0]
	if err != nil {
		return err
	}
	if signatureMatches(canon, a, key) {
		return nil
	}
	for _, alt := range []canonOptions{
		{s3: s3, payloadHash: payloadHash, dropToken: seen.queryToken},
		{s3: s3, payloadHash: payloadHash, spacesOnly: seen.otherSpace},
		{s3: s3, payloadHash: payloadHash, rawURI: seen.rawDiffers},
	} {
		if !alt.dropToken && !alt.spacesOnly && !alt.rawURI {
			continue
		}
		var buf []byte
		if buf, _, err = appendCanonicalRequest(nil, r, a, alt); err == nil && signatureMatches(buf, a, key) {
			return nil
		}
	}
	msg := msgMismatch
	if s3 {
		msg = msgMismatchS3
	}
	sum := sha256.Sum256(canon)
	return &Error{
		Kind:              KindSignatureMismatch,
		Message:           msg,
		AccessKeyID:       a.AccessKeyID,
		SignatureProvided: a.Signature,
		CanonicalRequest:  string(canon),
		StringToSign:      Algorithm + "\n" + a.requestTime() + "\n" + a.Scope() + "\n" + hex.EncodeToString(sum[:]),
	}
}

// signatureMatches computes the signature over canon and compares it with the one provided, in constant time.
// It appends the string to sign after canon in canon's buffer.
func signatureMatches(canon []byte, a *Auth, key *[sha256.Size]byte) bool {
	sum := sha256.Sum256(canon)
	sts := appendStringToSign(canon[len(canon):], Algorithm, a)
	sts = hex.AppendEncode(sts, sum[:])
	mac := hmac.New(sha256.New, key[:])
	mac.Write(sts)
	return macMatches(mac.Sum(sts[len(sts):]), a.Signature)
}

// appendStringToSign appends "<algorithm>\n<request time>\n<scope>\n" to b.
func appendStringToSign(b []byte, algorithm string, a *Auth) []byte {
	b = append(b, algorithm...)
	b = append(b, '\n')
	b = append(b, a.requestTime()...)
	b = append(b, '\n')
	b = append(b, a.Date...)
	b = append(b, '/')
	b = append(b, a.Region...)
	b = append(b, '/')
	b = append(b, a.Service...)
	b = append(b, "/"+terminator+"\n"...)
	return b
}

// macMatches compares the hex of a MAC with want. The comparison takes the same time wherever the two
// differ (the XOR of every byte is accumulated), so it does not reveal how much of a guess was right.
func macMatches[S string | []byte](mac []byte, want S) bool {
	var got [2 * sha256.Size]byte
	hex.Encode(got[:], mac)
	if len(want) != len(got) {
		return false
	}
	var diff byte
	for i := range got {
		diff |= got[i] ^ want[i]
	}
	return subtle.ConstantTimeByteEq(diff, 0) == 1
}

// readError turns a failure to read the body into the error Body returns: an early end is KindIncompleteBody.
func readError(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Kind: KindIncompleteBody, Message: "The request body ended before " + what + ".", Err: err}
	}
	return fmt.Errorf("read request body: %w", err)
}
