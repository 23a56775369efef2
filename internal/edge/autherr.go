package edge

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/sigv4"
)

// family groups protocols by how they report authentication failures.
type family int

const (
	familyJSON  family = iota // JSON 1.0/1.1 and REST-JSON services
	familyQuery               // STS, IAM
	familyS3                  // S3
)

func familyOf(p awsproto.Protocol) family {
	switch p {
	case awsproto.Query:
		return familyQuery
	case awsproto.RESTXML:
		return familyS3
	}
	return familyJSON
}

const (
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
	msgSigMismatch  = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgS3Mismatch   = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)

// missingAuthError is the error for an unsigned request to a service that needs a signature.
func missingAuthError(f family) *awserr.Error {
	switch f {
	case familyQuery:
		return awserr.New("MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token")
	case familyS3:
		return awserr.New("AccessDenied", http.StatusForbidden, "Access Denied")
	}
	return awserr.New("MissingAuthenticationTokenException", http.StatusForbidden, "Missing Authentication Token")
}

// credentialError maps a failed access key lookup to the protocol's error.
func credentialError(f family, err error, keyID string) *awserr.Error {
	expired := errors.Is(err, iam.ErrExpiredToken)
	badToken := errors.Is(err, iam.ErrBadToken)
	switch f {
	case familyS3:
		switch {
		case expired:
			return awserr.New("ExpiredToken", http.StatusBadRequest, "The provided token has expired.")
		case badToken:
			return awserr.New("InvalidToken", http.StatusBadRequest, "The provided token is malformed or otherwise invalid.")
		}
		return awserr.New("InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records.").With("AWSAccessKeyId", keyID)
	case familyQuery:
		if expired {
			return awserr.New("ExpiredToken", http.StatusForbidden, "%s", msgExpiredToken)
		}
		return awserr.New("InvalidClientTokenId", http.StatusForbidden, "%s", msgInvalidToken)
	}
	if expired {
		return awserr.New("ExpiredTokenException", http.StatusBadRequest, "%s", msgExpiredToken)
	}
	return awserr.New("UnrecognizedClientException", http.StatusBadRequest, "%s", msgInvalidToken)
}

// signatureError maps a SigV4 verification failure to the protocol's error.
func signatureError(f family, e *sigv4.Error) *awserr.Error {
	if f == familyS3 {
		return s3SignatureError(e)
	}
	query := f == familyQuery
	pick := func(jsonCode, queryCode string, jsonStatus, queryStatus int, msg string) *awserr.Error {
		if query {
			return awserr.New(queryCode, queryStatus, "%s", msg)
		}
		return awserr.New(jsonCode, jsonStatus, "%s", msg)
	}
	switch e.Kind {
	case sigv4.KindSignatureMismatch:
		return pick("InvalidSignatureException", "SignatureDoesNotMatch", 400, 403, msgSigMismatch)
	case sigv4.KindSkewed, sigv4.KindExpired, sigv4.KindNotYetValid:
		return pick("InvalidSignatureException", "SignatureDoesNotMatch", 400, 403, e.Message)
	case sigv4.KindUnsupported:
		return pick("IncompleteSignatureException", "IncompleteSignature", 400, 400, e.Message)
	}
	return pick("IncompleteSignatureException", "IncompleteSignature", 400, 400, e.Message)
}

func s3SignatureError(e *sigv4.Error) *awserr.Error {
	switch e.Kind {
	case sigv4.KindSignatureMismatch:
		out := awserr.New("SignatureDoesNotMatch", http.StatusForbidden, "%s", msgS3Mismatch)
		if e.AccessKeyID != "" {
			out = out.With("AWSAccessKeyId", e.AccessKeyID)
		}
		if e.StringToSign != "" {
			out = out.With("StringToSign", e.StringToSign).With("SignatureProvided", e.SignatureProvided).
				With("StringToSignBytes", spacedHex(e.StringToSign))
		}
		if e.CanonicalRequest != "" {
			out = out.With("CanonicalRequest", e.CanonicalRequest).With("CanonicalRequestBytes", spacedHex(e.CanonicalRequest))
		}
		return out
	case sigv4.KindSkewed:
		return awserr.New("RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the current time is too large.").
			With("RequestTime", e.RequestTime).With("ServerTime", e.ServerTime.UTC().Format(time.RFC3339)).
			With("MaxAllowedSkewMilliseconds", strconv.FormatInt(e.MaxAllowedSkew.Milliseconds(), 10))
	case sigv4.KindExpired:
		return awserr.New("AccessDenied", http.StatusForbidden, "Request has expired").
			With("X-Amz-Expires", strconv.FormatInt(int64(e.Expires/time.Second), 10)).
			With("Expires", e.ExpiresAt.UTC().Format(time.RFC3339)).With("ServerTime", e.ServerTime.UTC().Format(time.RFC3339))
	case sigv4.KindNotYetValid:
		return awserr.New("AccessDenied", http.StatusForbidden, "Request is not valid yet").
			With("ServerTime", e.ServerTime.UTC().Format(time.RFC3339))
	case sigv4.KindUnsupported:
		return awserr.New("NotImplemented", http.StatusNotImplemented, "%s", e.Message)
	case sigv4.KindHeadersNotSigned:
		return awserr.New("AccessDenied", http.StatusForbidden, "There were headers present in the request which were not signed").
			With("HeadersNotSigned", strings.Join(e.HeadersNotSigned, ", "))
	case sigv4.KindInvalidContentSHA256:
		return awserr.New("InvalidArgument", http.StatusBadRequest, "%s", e.Message)
	case sigv4.KindInvalidRequest:
		return awserr.New("InvalidRequest", http.StatusBadRequest, "%s", e.Message)
	case sigv4.KindContentSHA256Mismatch:
		return awserr.New("XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	case sigv4.KindChecksumMismatch:
		return awserr.New("BadDigest", http.StatusBadRequest, "The %s you specified did not match the calculated checksum.", e.Algorithm)
	case sigv4.KindIncompleteBody:
		return awserr.New("IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	case sigv4.KindMalformedChunk, sigv4.KindMalformedTrailer:
		return awserr.New("IncompleteBody", http.StatusBadRequest, "%s", e.Message)
	}
	if e.Message != "" && strings.Contains(e.Message, "X-Amz-") {
		return awserr.New("AuthorizationQueryParametersError", http.StatusBadRequest, "%s", e.Message)
	}
	return awserr.New("AuthorizationHeaderMalformed", http.StatusBadRequest, "%s", e.Message)
}

// spacedHex renders s as S3 does in StringToSignBytes: lower-case hex bytes separated by spaces.
func spacedHex(s string) string {
	if len(s) == 0 {
		return ""
	}
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = hex.AppendEncode(b, []byte{s[i]})
	}
	return string(b)
}
