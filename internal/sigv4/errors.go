package sigv4

import (
	"errors"
	"time"

	"github.com/seclake/seclake/internal/checksum"
)

// Kind classifies a verification failure. The caller maps a Kind and its protocol to the AWS error code
// (IncompleteSignature, InvalidSignatureException, SignatureDoesNotMatch, RequestTimeTooSkewed, ...).
type Kind int

// The kinds of verification failure.
const (
	// KindMalformed is a bad or incomplete Authorization header or presigned query (S3:
	// AuthorizationHeaderMalformed / AuthorizationQueryParametersError; JSON: IncompleteSignature).
	KindMalformed Kind = iota + 1
	// KindUnsupported is a signature this verifier does not accept: SigV2, SigV4a, ECDSA streaming,
	// an unknown Authorization scheme.
	KindUnsupported
	// KindSignatureMismatch is a signature (request, chunk or trailer) that does not match.
	KindSignatureMismatch
	// KindSkewed is a header-signed request whose time is too far from the server's.
	KindSkewed
	// KindExpired is a presigned URL used after X-Amz-Date + X-Amz-Expires.
	KindExpired
	// KindNotYetValid is a presigned URL whose X-Amz-Date is still in the future (beyond the skew).
	KindNotYetValid
	// KindHeadersNotSigned is an S3 request carrying x-amz-* headers that are not signed
	// (S3: AccessDenied "There were headers present in the request which were not signed").
	KindHeadersNotSigned
	// KindInvalidContentSHA256 is an x-amz-content-sha256 value that is neither a known mode nor a
	// SHA-256 (S3: InvalidArgument).
	KindInvalidContentSHA256
	// KindInvalidRequest is an S3 request whose payload headers are missing or inconsistent:
	// no x-amz-content-sha256, an unsupported x-amz-trailer, a bad x-amz-decoded-content-length or
	// checksum value (S3: InvalidRequest).
	KindInvalidRequest
	// KindContentSHA256Mismatch is a body that does not hash to its x-amz-content-sha256
	// (S3: XAmzContentSHA256Mismatch).
	KindContentSHA256Mismatch
	// KindChecksumMismatch is a body that does not match its trailing checksum (S3: BadDigest).
	KindChecksumMismatch
	// KindIncompleteBody is a body that ended early (S3: IncompleteBody).
	KindIncompleteBody
	// KindMalformedChunk is aws-chunked framing that cannot be parsed, or chunks that disagree with
	// x-amz-decoded-content-length.
	KindMalformedChunk
	// KindMalformedTrailer is a trailer section that cannot be parsed or lacks the declared trailer
	// (S3: MalformedTrailerError).
	KindMalformedTrailer
)

var kindNames = map[Kind]string{
	KindMalformed:             "malformed",
	KindUnsupported:           "unsupported",
	KindSignatureMismatch:     "signature mismatch",
	KindSkewed:                "skewed",
	KindExpired:               "expired",
	KindNotYetValid:           "not yet valid",
	KindHeadersNotSigned:      "headers not signed",
	KindInvalidContentSHA256:  "invalid content sha256",
	KindInvalidRequest:        "invalid request",
	KindContentSHA256Mismatch: "content sha256 mismatch",
	KindChecksumMismatch:      "checksum mismatch",
	KindIncompleteBody:        "incomplete body",
	KindMalformedChunk:        "malformed chunk",
	KindMalformedTrailer:      "malformed trailer",
}

// String returns a short lower-case name for the kind.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "unknown"
}

// Error is a verification failure: its Kind, a message in AWS's words where AWS has them, and the details
// S3 puts into its error bodies. It never holds a secret key. CanonicalRequest can hold the session token the
// client sent (S3 echoes it too), so log Error() rather than the details.
type Error struct {
	Kind    Kind
	Message string

	// Signature mismatch details (S3 returns them in SignatureDoesNotMatch).
	AccessKeyID       string
	SignatureProvided string
	StringToSign      string
	CanonicalRequest  string

	// Time details: the request time as the client sent it, the server's time, and the allowed skew
	// (RequestTimeTooSkewed), or the presigned lifetime and the moment it ended ("Request has expired").
	RequestTime    string
	ServerTime     time.Time
	MaxAllowedSkew time.Duration
	Expires        time.Duration
	ExpiresAt      time.Time

	// Algorithm is the checksum that did not match (KindChecksumMismatch) or was malformed.
	Algorithm checksum.Algorithm
	// HeadersNotSigned lists the x-amz-* headers present but not signed (KindHeadersNotSigned).
	HeadersNotSigned []string

	// Err is the underlying cause, if any (for example the body's read error).
	Err error
}

// Error returns the kind and the message.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Kind.String() + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Kind.String() + ": " + e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the *Error in err's chain, or 0 if there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func newError(kind Kind, msg string) *Error {
	return &Error{Kind: kind, Message: msg}
}
