// Package sigv4 verifies AWS Signature Version 4 on the server: the Authorization header, presigned URLs
// and S3's aws-chunked streaming bodies (signed chunks, unsigned chunks and trailing checksums).
//
// A request is verified in two steps so that the caller can look up the secret in between:
// [Parse] reads what the request claims (access key, scope, signed headers, time), then
// [Verifier.Verify] rebuilds the canonical request from the client's own SignedHeaders list and
// checks the signature, the clock skew or presigned expiry, and for S3 the payload.
package sigv4

import (
	"strings"
	"time"
)

// Mode says where a request carries its signature.
type Mode int

// The ways a request can be signed.
const (
	// HeaderAuth is the Authorization header.
	HeaderAuth Mode = iota + 1
	// QueryAuth is a presigned URL (X-Amz-Signature and friends in the query string).
	QueryAuth
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case HeaderAuth:
		return "HeaderAuth"
	case QueryAuth:
		return "QueryAuth"
	}
	return "Mode(?)"
}

// Algorithm is the only signing algorithm the verifier accepts.
const Algorithm = "AWS4-HMAC-SHA256"

const (
	algorithmECDSA = "AWS4-ECDSA-P256-SHA256" // SigV4a
	terminator     = "aws4_request"
	amzDateFormat  = "20060102T150405Z"
	scopeDate      = "20060102"
	emptySHA256    = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Auth is what a request says about its signature, read by [Parse] before any secret is looked up.
type Auth struct {
	Mode          Mode
	AccessKeyID   string
	Date          string // YYYYMMDD of the credential scope
	Region        string
	Service       string // signing name in the scope: "s3", "kms", "sts", ...
	SignedHeaders []string
	Signature     string
	Time          time.Time     // X-Amz-Date (or the Date header)
	Expires       time.Duration // presigned only (X-Amz-Expires); zero when absent
	SecurityToken string        // X-Amz-Security-Token, if sent

	amzDate string // the request time as the client wrote it into its string to sign
}

// Scope returns the credential scope, "<date>/<region>/<service>/aws4_request".
func (a *Auth) Scope() string {
	return a.Date + "/" + a.Region + "/" + a.Service + "/" + terminator
}

// requestTime returns the timestamp as it appears in the string to sign.
func (a *Auth) requestTime() string {
	if a.amzDate != "" {
		return a.amzDate
	}
	return a.Time.UTC().Format(amzDateFormat)
}

// signsHeader reports whether name (lower case) is in the signed headers list.
func (a *Auth) signsHeader(name string) bool {
	for _, h := range a.SignedHeaders {
		if h == name {
			return true
		}
	}
	return false
}

// PayloadMode is how an S3 request's body is protected, as its x-amz-content-sha256 header says.
type PayloadMode int

// The payload modes.
const (
	// UnsignedPayload is UNSIGNED-PAYLOAD (and every presigned URL without a signed payload hash).
	UnsignedPayload PayloadMode = iota + 1
	// SignedPayload is a literal hex SHA-256 of the body (always, for services other than S3).
	SignedPayload
	// StreamingSigned is STREAMING-AWS4-HMAC-SHA256-PAYLOAD: aws-chunked with a signature per chunk.
	StreamingSigned
	// StreamingSignedTrailer is STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed chunks and a signed trailer.
	StreamingSignedTrailer
	// StreamingUnsignedTrailer is STREAMING-UNSIGNED-PAYLOAD-TRAILER: plain aws-chunked and a trailer.
	StreamingUnsignedTrailer
)

// The x-amz-content-sha256 values that name a payload mode.
const (
	unsignedPayload          = "UNSIGNED-PAYLOAD"
	streamingSigned          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingECDSAPrefix     = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
)

// String returns the mode as x-amz-content-sha256 spells it ("SIGNED-PAYLOAD" stands for a literal hash).
func (p PayloadMode) String() string {
	switch p {
	case UnsignedPayload:
		return unsignedPayload
	case SignedPayload:
		return "SIGNED-PAYLOAD"
	case StreamingSigned:
		return streamingSigned
	case StreamingSignedTrailer:
		return streamingSignedTrailer
	case StreamingUnsignedTrailer:
		return streamingUnsignedTrailer
	}
	return "PayloadMode(?)"
}

// chunked reports whether the body is aws-chunked.
func (p PayloadMode) chunked() bool {
	return p == StreamingSigned || p == StreamingSignedTrailer || p == StreamingUnsignedTrailer
}

// signedChunks reports whether every chunk carries a signature.
func (p PayloadMode) signedChunks() bool {
	return p == StreamingSigned || p == StreamingSignedTrailer
}

// trailer reports whether a trailer follows the last chunk.
func (p PayloadMode) trailer() bool {
	return p == StreamingSignedTrailer || p == StreamingUnsignedTrailer
}

// isLowerHex reports whether s is n lower-case hex digits.
func isLowerHex[S string | []byte](s S, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
