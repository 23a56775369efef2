package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// canonOptions select the canonicalization rules for one attempt.
type canonOptions struct {
	s3          bool   // S3 URI rule: encode once, do not normalize
	payloadHash string // last line of the canonical request
	dropToken   bool   // leave X-Amz-Security-Token out of the canonical query (added after signing)
	spacesOnly  bool   // collapse only runs of ' ' in header values (aws-sdk-go-v2), not all whitespace
	rawURI      bool   // S3: the path exactly as sent, as a signer that signs its escaped path does
}

// canonResult reports what the canonicalizer saw that another attempt could treat differently.
type canonResult struct {
	queryToken bool // the canonical query holds X-Amz-Security-Token
	otherSpace bool // a signed header value holds whitespace other than ' ' between words
	rawDiffers bool // the raw path differs from its S3 canonical form
}

// appendCanonicalRequest appends the canonical request of r, as the client should have built it from its
// own SignedHeaders list, to b.
func appendCanonicalRequest(b []byte, r *http.Request, a *Auth, o canonOptions) ([]byte, canonResult, error) {
	var res canonResult
	b = append(b, r.Method...)
	b = append(b, '\n')
	raw := rawPath(r)
	start := len(b)
	if o.rawURI && isWirePath(raw) {
		b = append(b, raw...)
	} else {
		b = appendCanonicalURI(b, raw, o.s3)
	}
	res.rawDiffers = o.s3 && string(b[start:]) != raw && isWirePath(raw)
	b = append(b, '\n')
	var err error
	b, res.queryToken, err = appendCanonicalQuery(b, r.URL.RawQuery, a.Mode == QueryAuth, o.dropToken)
	if err != nil {
		return b, res, err
	}
	b = append(b, '\n')
	for _, name := range a.SignedHeaders {
		b = append(b, name...)
		b = append(b, ':')
		var other bool
		b, other = appendHeaderValues(b, r, name, o.spacesOnly)
		res.otherSpace = res.otherSpace || other
		b = append(b, '\n')
	}
	b = append(b, '\n')
	for i, name := range a.SignedHeaders {
		if i > 0 {
			b = append(b, ';')
		}
		b = append(b, name...)
	}
	b = append(b, '\n')
	b = append(b, o.payloadHash...)
	return b, res, nil
}

// rawPath returns the request path as the client sent it, still percent-encoded.
func rawPath(r *http.Request) string {
	if p := r.RequestURI; p != "" && p != "*" {
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if !strings.HasPrefix(p, "/") { // absolute form: scheme://authority/path
			if i := strings.Index(p, "://"); i >= 0 {
				p = p[i+3:]
				if j := strings.IndexByte(p, '/'); j >= 0 {
					return p[j:]
				}
				return "/"
			}
		}
		return p
	}
	if op := r.URL.Opaque; op != "" { // "//host/path" set by a client that wants its path sent verbatim
		if i := strings.IndexByte(op, '?'); i >= 0 {
			op = op[:i]
		}
		op = strings.TrimPrefix(op, "//")
		if i := strings.IndexByte(op, '/'); i >= 0 {
			return op[i:]
		}
		return "/"
	}
	return r.URL.EscapedPath()
}

// appendCanonicalURI appends the canonical URI of the raw (percent-encoded) path. For S3 the path is decoded
// and encoded once more in AWS's way, without normalization ("%2F" stays an encoded slash). For the other
// services the path is normalized (dot segments and empty segments removed) and the raw path is encoded
// again, so that it is encoded twice.
func appendCanonicalURI(b []byte, raw string, s3 bool) []byte {
	if raw == "" {
		return append(b, '/')
	}
	if !s3 {
		return appendURIEncode(b, normalizePath(raw), true)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '/':
			b = append(b, '/')
		case c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]):
			b = appendEncodedByte(b, unhex(raw[i+1])<<4|unhex(raw[i+2]), false)
			i += 2
		default:
			b = appendEncodedByte(b, c, false)
		}
	}
	return b
}

// isWirePath reports whether p could be sent on the wire as it is: visible ASCII only, starting with '/'.
func isWirePath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7f {
			return false
		}
	}
	return true
}

// normalizePath removes "." and ".." segments and empty segments, keeping a trailing slash.
func normalizePath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") && strings.HasPrefix(p, "/") {
		return p
	}
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	res := "/" + strings.Join(out, "/")
	if last := segs[len(segs)-1]; len(out) > 0 && (last == "" || last == "." || last == "..") {
		res += "/"
	}
	return res
}

type queryParam struct{ key, value string }

// appendCanonicalQuery appends the canonical query string: names and values decoded, encoded in AWS's way,
// sorted by encoded name and then value. X-Amz-Signature is left out of a presigned URL's query.
func appendCanonicalQuery(b []byte, raw string, presigned, dropToken bool) ([]byte, bool, error) {
	if raw == "" {
		return b, false, nil
	}
	params := make([]queryParam, 0, strings.Count(raw, "&")+1)
	sawToken := false
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return b, false, newError(KindMalformed, "The query string has an invalid percent-encoding.")
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return b, false, newError(KindMalformed, "The query string has an invalid percent-encoding.")
		}
		if presigned && key == paramSignature {
			continue
		}
		if key == paramSecurityToken {
			if dropToken {
				continue
			}
			sawToken = true
		}
		params = append(params, queryParam{uriEncode(key), uriEncode(val)})
	}
	slices.SortFunc(params, func(x, y queryParam) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range params {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b, sawToken, nil
}

// appendHeaderValues appends the canonical value of the named header: each value trimmed with inner runs of
// whitespace collapsed to one space, repeated headers joined with commas. It reports whether a value held
// inner whitespace other than spaces, which the spacesOnly rule keeps.
func appendHeaderValues(b []byte, r *http.Request, name string, spacesOnly bool) ([]byte, bool) {
	if name == "host" || name == ":authority" {
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		return appendTrimmed(b, host, spacesOnly)
	}
	other := false
	for i, v := range headerValues(r, name) {
		if i > 0 {
			b = append(b, ',')
		}
		var o bool
		b, o = appendTrimmed(b, v, spacesOnly)
		other = other || o
	}
	return b, other
}

// headerValues returns the values of a header by its lower-case name, including those net/http keeps out
// of r.Header on requests built by a client (Content-Length, Transfer-Encoding).
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "content-length":
		if v, ok := r.Header["Content-Length"]; ok {
			return v
		}
		if r.ContentLength > 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		if v, ok := r.Header["Transfer-Encoding"]; ok {
			return v
		}
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	var buf [64]byte
	if key, ok := canonicalKey(buf[:0], name); ok {
		if v, found := r.Header[string(key)]; found {
			return v
		}
	}
	for k, v := range r.Header { // keys set directly in the map, not in canonical form
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// canonicalKey writes the MIME canonical form of a header name into b without allocating.
func canonicalKey(b []byte, name string) ([]byte, bool) {
	if len(name) > cap(b) {
		return nil, false
	}
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case upper && 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case !upper && 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
		upper = c == '-'
	}
	return b, true
}

// appendTrimmed appends v without leading and trailing whitespace and with each inner run of whitespace
// (or, with spacesOnly, of spaces) replaced by one space.
func appendTrimmed(b []byte, v string, spacesOnly bool) ([]byte, bool) {
	v = strings.TrimSpace(v)
	other := false
	inRun := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		ws := isSpace(c)
		if ws && c != ' ' {
			other = true
			if spacesOnly {
				ws = false
			}
		}
		switch {
		case ws && inRun:
		case ws:
			inRun = true
			b = append(b, ' ')
		default:
			inRun = false
			b = append(b, c)
		}
	}
	return b, other
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// uriEncode encodes s in AWS's way: every byte but A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex).
func uriEncode(s string) string {
	for i := 0; i < len(s); i++ {
		if !isUnreserved(s[i]) {
			return string(appendURIEncode(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

// appendURIEncode appends s encoded in AWS's way, keeping '/' if keepSlash.
func appendURIEncode(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		b = appendEncodedByte(b, s[i], keepSlash)
	}
	return b
}

func appendEncodedByte(b []byte, c byte, keepSlash bool) []byte {
	if isUnreserved(c) || (keepSlash && c == '/') {
		return append(b, c)
	}
	const hexUpper = "0123456789ABCDEF"
	return append(b, '%', hexUpper[c>>4], hexUpper[c&15])
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
