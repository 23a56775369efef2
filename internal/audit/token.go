package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"
)

// A next token is base64url(version(1) ‖ time(8) ‖ seq(8) ‖ mac(16)): the index position of the last event
// returned, and a truncated HMAC over it and the query it belongs to (account, attribute, time range,
// category). A token that was altered, or is replayed with other parameters or by another account, fails
// the MAC and is rejected with InvalidNextTokenException.
const (
	tokenVersion = 1
	tokenMACLen  = 16
	tokenLen     = 1 + 16 + tokenMACLen
)

// queryBinding identifies a query for its next tokens: a hash of every parameter except MaxResults and
// NextToken.
func queryBinding(account string, attr *LookupAttribute, start, end *time.Time, category string) Hash {
	h := sha256.New()
	b := appendComponent(nil, account)
	if attr != nil {
		b = appendComponent(append(b, 1), string(attr.AttributeKey))
		b = appendComponent(b, attr.AttributeValue)
	} else {
		b = append(b, 0)
	}
	for _, t := range []*time.Time{start, end} {
		if t == nil {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = binary.BigEndian.AppendUint64(b, uint64(t.Unix()))
		b = binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
	}
	b = appendComponent(b, category)
	h.Write(b)
	var out Hash
	h.Sum(out[:0])
	return out
}

// tokenMAC is the MAC of a token body for the query with the given binding.
func (k macKey) tokenMAC(binding Hash, body []byte) []byte {
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(labelToken))
	m.Write(binding[:])
	m.Write(body)
	return m.Sum(nil)[:tokenMACLen]
}

// encodeToken returns the next token that continues the query after position p.
func (k macKey) encodeToken(binding Hash, p position) string {
	b := make([]byte, 0, tokenLen)
	b = append(b, tokenVersion)
	b = append(b, p.suffix()...)
	b = append(b, k.tokenMAC(binding, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken checks a next token against the query's binding and returns its position.
func (k macKey) decodeToken(binding Hash, s string) (position, error) {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return position{}, fmt.Errorf("token length %d: %w", len(s), errCorrupt)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != tokenLen || b[0] != tokenVersion {
		return position{}, fmt.Errorf("token encoding: %w", errCorrupt)
	}
	body, mac := b[:1+16], b[1+16:]
	if !hmac.Equal(mac, k.tokenMAC(binding, body)) {
		return position{}, fmt.Errorf("token MAC: %w", errCorrupt)
	}
	return indexPosition(string(body[1:]))
}
