package athena

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// sealToken makes a NextToken of payload: the payload and a MAC, so that a token can be trusted when it comes
// back (GetQueryResults' tokens hold a byte offset in the result file).
func (s *Service) sealToken(payload string) string {
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// openToken returns the payload of a token sealToken made.
func (s *Service) openToken(token string) (string, error) {
	p, sum, ok := strings.Cut(token, ".")
	if !ok {
		return "", errors.New("malformed token")
	}
	payload, err1 := base64.RawURLEncoding.Strict().DecodeString(p)
	mac, err2 := base64.RawURLEncoding.Strict().DecodeString(sum)
	if err1 != nil || err2 != nil {
		return "", errors.New("malformed token")
	}
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write(payload)
	if !hmac.Equal(mac, m.Sum(nil)[:16]) {
		return "", errors.New("token not ours")
	}
	return string(payload), nil
}
