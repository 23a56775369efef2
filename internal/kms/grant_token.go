package kms

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
)

// A grant token names its grant and is authenticated by the service, so it can be checked and resolved
// without a store read:
//
//	1 byte version (1) ‖ uint16 len(key ARN) ‖ key ARN ‖ 32-byte grant ID ‖ 16-byte nonce ‖ HMAC-SHA256 of all before
//
// in unpadded base64url. Every CreateGrant call returns a new token (the nonce differs); all tokens of one
// grant are interchangeable, as on AWS.
const (
	tokenVersion   = 1
	tokenNonceSize = 16
	maxGrantTokens = 10
)

// grantToken issues a token for a grant.
func (s *Service) grantToken(keyARN, grantID string) (string, error) {
	id, err := hex.DecodeString(grantID)
	if err != nil || len(id) != 32 {
		return "", fmt.Errorf("grant ID %q is not 64 hex digits", grantID)
	}
	b := make([]byte, 0, 3+len(keyARN)+len(id)+tokenNonceSize+sha256.Size)
	b = append(b, tokenVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(len(keyARN)))
	b = append(b, keyARN...)
	b = append(b, id...)
	nonce := make([]byte, tokenNonceSize)
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("grant token nonce: %w", err)
	}
	b = append(b, nonce...)
	b = s.tokenMAC(b).Sum(b)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// parseGrantToken checks a token and returns the key ARN and grant ID it names.
func (s *Service) parseGrantToken(token string) (keyARN, grantID string, err error) {
	if len(token) == 0 || len(token) > 8192 {
		return "", "", errInvalidGrantToken()
	}
	b, derr := base64.RawURLEncoding.DecodeString(token)
	if derr != nil || len(b) < 3+32+tokenNonceSize+sha256.Size || b[0] != tokenVersion {
		return "", "", errInvalidGrantToken()
	}
	body, mac := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if !hmac.Equal(s.tokenMAC(body).Sum(nil), mac) {
		return "", "", errInvalidGrantToken()
	}
	n := int(binary.BigEndian.Uint16(body[1:3]))
	if len(body) != 3+n+32+tokenNonceSize {
		return "", "", errInvalidGrantToken()
	}
	return string(body[3 : 3+n]), hex.EncodeToString(body[3+n : 3+n+32]), nil
}

func (s *Service) tokenMAC(body []byte) interface {
	Sum([]byte) []byte
} {
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write(body)
	return m
}

// checkGrantTokens validates a request's grant tokens. Grants take effect at once in seclake, so a valid
// token adds nothing to what the grant itself allows; an invalid one is refused as on AWS.
func (s *Service) checkGrantTokens(tokens []string) error {
	if len(tokens) > maxGrantTokens {
		return errValidation("grantTokens", "", fmt.Sprintf("Member must have length less than or equal to %d", maxGrantTokens))
	}
	for _, t := range tokens {
		if _, _, err := s.parseGrantToken(t); err != nil {
			return err
		}
	}
	return nil
}

// errValidation is a one-constraint ValidationException.
func errValidation(member, value, constraint string) error {
	var v validation
	v.add(member, value, constraint)
	return v.err()
}
