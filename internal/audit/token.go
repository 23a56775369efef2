package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"
)

// A next token holds what the next page needs to resume the lookup's merge exactly, and a truncated HMAC
// over it and the query it belongs to (account, attribute, time range, category). A token that was altered,
// or is replayed with other parameters or by another account, fails the MAC and is rejected with
// InvalidNextTokenException. Layout, then base64url:
//
//	version(1) ‖ cursor(16) ‖ scan(1) ‖ [from(16)] ‖ n(1) ‖ n × row(16) ‖ mac(16)
//
// cursor is the position (time, seq) of the last event returned: the next page returns only events below
// it. scan says where the index scan resumes: scanDone (nothing left to scan), scanBelow (rows below from)
// or scanAtOrBelow (rows at or below from). The rows (max, first) were read already but hold events not
// yet returned; the next page reads them again.
const (
	tokenVersion = 2
	tokenMACLen  = 16
	tokenRowsCap = 8 // the most rows a token can hold

	scanDone      byte = 0
	scanBelow     byte = 1
	scanAtOrBelow byte = 2
)

// maxTokenRows is how many rows the tokens Lookup issues hold at most (a variable for tests).
var maxTokenRows = tokenRowsCap

// resume is the state a next token carries.
type resume struct {
	cursor position
	scan   byte
	from   position
	rows   []position
}

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

// encodeToken returns the next token that resumes the query with r. At most tokenRowsCap rows fit.
func (k macKey) encodeToken(binding Hash, r resume) string {
	b := make([]byte, 0, 1+2*suffixLen+2+len(r.rows)*suffixLen+tokenMACLen)
	b = append(b, tokenVersion)
	b = append(b, r.cursor.suffix()...)
	b = append(b, r.scan)
	if r.scan != scanDone {
		b = append(b, r.from.suffix()...)
	}
	b = append(b, byte(len(r.rows)))
	for _, p := range r.rows {
		b = append(b, p.suffix()...)
	}
	b = append(b, k.tokenMAC(binding, b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken checks a next token against the query's binding and returns what it carries.
func (k macKey) decodeToken(binding Hash, s string) (resume, error) {
	var r resume
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 1+suffixLen+1+1+tokenMACLen || b[0] != tokenVersion {
		return r, fmt.Errorf("token encoding: %w", errCorrupt)
	}
	body, mac := b[:len(b)-tokenMACLen], b[len(b)-tokenMACLen:]
	if !hmac.Equal(mac, k.tokenMAC(binding, body)) {
		return r, fmt.Errorf("token MAC: %w", errCorrupt)
	}
	r.cursor, _ = indexPosition(string(body[1 : 1+suffixLen]))
	rest := body[1+suffixLen:]
	r.scan, rest = rest[0], rest[1:]
	switch r.scan {
	case scanDone:
	case scanBelow, scanAtOrBelow:
		if len(rest) < suffixLen {
			return resume{}, fmt.Errorf("token scan position: %w", errCorrupt)
		}
		r.from, _ = indexPosition(string(rest[:suffixLen]))
		rest = rest[suffixLen:]
	default:
		return resume{}, fmt.Errorf("token scan %d: %w", r.scan, errCorrupt)
	}
	if len(rest) < 1 || int(rest[0]) > tokenRowsCap || len(rest) != 1+int(rest[0])*suffixLen {
		return resume{}, fmt.Errorf("token rows: %w", errCorrupt)
	}
	for i := range int(rest[0]) {
		p, _ := indexPosition(string(rest[1+i*suffixLen : 1+(i+1)*suffixLen]))
		r.rows = append(r.rows, p)
	}
	return r, nil
}
