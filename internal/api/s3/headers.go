package s3

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/objstore"
)

const metaPrefix = "X-Amz-Meta-"

// systemHeaders reads the stored system headers of a write.
func systemHeaders(h http.Header) objstore.Headers {
	enc := h.Get("Content-Encoding")
	if strings.Contains(strings.ToLower(enc), "aws-chunked") { // the transfer's encoding, not the object's
		var parts []string
		for _, p := range strings.Split(enc, ",") {
			if p = strings.TrimSpace(p); p != "" && !strings.EqualFold(p, "aws-chunked") {
				parts = append(parts, p)
			}
		}
		enc = strings.Join(parts, ",")
	}
	return objstore.Headers{
		ContentType: h.Get("Content-Type"), CacheControl: h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"), ContentEncoding: enc,
		ContentLanguage: h.Get("Content-Language"), Expires: h.Get("Expires"),
		WebsiteRedirect: h.Get("X-Amz-Website-Redirect-Location"),
	}
}

// userMetadata reads the x-amz-meta-* headers, names lower-cased without the prefix.
func userMetadata(h http.Header) (map[string]string, error) {
	var m map[string]string
	size := 0
	for k, v := range h {
		if len(k) <= len(metaPrefix) || !strings.EqualFold(k[:len(metaPrefix)], metaPrefix) {
			continue
		}
		if m == nil {
			m = map[string]string{}
		}
		name := strings.ToLower(k[len(metaPrefix):])
		m[name] = decodeMetaValue(strings.Join(v, ","))
		size += len(name) + len(m[name])
	}
	if size > 2048 {
		return nil, awserr.New("MetadataTooLarge", http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size.")
	}
	return m, nil
}

// decodeMetaValue decodes the RFC 2047 encoded words of a metadata value, as S3 does before it stores the value;
// a value that is not valid RFC 2047 is kept as sent.
func decodeMetaValue(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	d, err := metaWords.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

var metaWords = &mime.WordDecoder{}

// encodeMetaValue makes a metadata value that is not all US-ASCII mail-safe, one RFC 2047 "B" encoded word,
// as S3 returns it; a US-ASCII value is returned as it is.
func encodeMetaValue(v string) string {
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(v)) + "?="
		}
	}
	return v
}

// tagsHeader parses x-amz-tagging ("k1=v1&k2=v2"), keeping the tags' order.
func tagsHeader(v string) ([]objstore.Tag, error) {
	if v == "" {
		return nil, nil
	}
	bad := awserr.New("InvalidArgument", http.StatusBadRequest, "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	var out []objstore.Tag
	seen := map[string]bool{}
	for _, pair := range strings.Split(v, "&") {
		if pair == "" {
			continue
		}
		k, val, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, bad
		}
		if val, err = url.QueryUnescape(val); err != nil {
			return nil, bad
		}
		if seen[key] {
			return nil, awserr.New("InvalidTag", http.StatusBadRequest, "Cannot provide multiple Tags with the same key")
		}
		seen[key] = true
		out = append(out, objstore.Tag{Key: key, Value: val})
	}
	return out, nil
}

// sseRequest reads the SSE headers of a write.
func sseRequest(h http.Header) (objstore.SSERequest, error) {
	if h.Get("X-Amz-Server-Side-Encryption-Customer-Algorithm") != "" {
		return objstore.SSERequest{}, awserr.New("NotImplemented", http.StatusNotImplemented, "seclake does not implement server-side encryption with customer-provided keys (SSE-C).")
	}
	r := objstore.SSERequest{
		Algorithm: h.Get("X-Amz-Server-Side-Encryption"),
		KMSKeyID:  h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"),
		Context:   h.Get("X-Amz-Server-Side-Encryption-Context"),
	}
	if v := h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return r, awserr.New("InvalidArgument", http.StatusBadRequest, "x-amz-server-side-encryption-bucket-key-enabled must be true or false")
		}
		r.BucketKey = &b
	}
	return r, nil
}

// checksumInput reads the checksum a write declares: a header, a trailer or an algorithm to compute.
func checksumInput(c *api.Call) (objstore.ChecksumInput, error) {
	h := c.HTTP.Header
	var in objstore.ChecksumInput
	for _, alg := range checksum.Algorithms {
		if v := h.Get(alg.HeaderName()); v != "" {
			if in.Algorithm != "" {
				return in, awserr.New("InvalidRequest", http.StatusBadRequest, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
			}
			if _, err := alg.Decode(v); err != nil {
				return in, awserr.New("InvalidRequest", http.StatusBadRequest, "Value for %s header is invalid.", alg.HeaderName())
			}
			in.Algorithm, in.Value = alg, v
		}
	}
	if in.Algorithm == "" && c.Payload != nil && c.Payload.Trailer != "" {
		in.Algorithm = c.Payload.Trailer
		p := c.Payload
		in.Trailer = p.Checksum
	}
	if in.Algorithm == "" {
		if v := h.Get("X-Amz-Sdk-Checksum-Algorithm"); v != "" {
			alg, err := checksum.Parse(v)
			if err != nil {
				return in, awserr.New("InvalidRequest", http.StatusBadRequest, "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
			}
			in.Algorithm = alg
		}
	}
	return in, nil
}

// bodySize is the decoded length of the request's payload, or -1.
func bodySize(c *api.Call) int64 {
	if c.Payload != nil {
		return c.Payload.DecodedLength
	}
	if c.HTTP.ContentLength >= 0 {
		return c.HTTP.ContentLength
	}
	return -1
}

// parseRange reads a Range header; a malformed one is ignored, as S3 does.
func parseRange(v string) *objstore.Range {
	spec, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return nil
	}
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return nil
		}
		return &objstore.Range{Suffix: n, IsSuffix: true}
	}
	start, err := strconv.ParseInt(a, 10, 64)
	if err != nil || start < 0 {
		return nil
	}
	end := int64(-1)
	if b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return nil
		}
	}
	return &objstore.Range{Start: start, End: end}
}

// conditions reads the preconditions (with the given header prefix: "" or "X-Amz-Copy-Source-").
func conditions(h http.Header, prefix string) objstore.Conditions {
	c := objstore.Conditions{IfMatch: h.Get(prefix + "If-Match"), IfNoneMatch: h.Get(prefix + "If-None-Match")}
	if t, err := http.ParseTime(h.Get(prefix + "If-Modified-Since")); err == nil {
		c.IfModifiedSince = &t
	}
	if t, err := http.ParseTime(h.Get(prefix + "If-Unmodified-Since")); err == nil {
		c.IfUnmodifiedSince = &t
	}
	return c
}

// setSSEHeaders writes the encryption response headers.
func setSSEHeaders(h http.Header, sse objstore.SSE) {
	if sse.Algorithm == "" {
		return
	}
	h.Set("X-Amz-Server-Side-Encryption", sse.Algorithm)
	if sse.KeyARN != "" {
		h.Set("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", sse.KeyARN)
	}
	if sse.BucketKey {
		h.Set("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled", "true")
	}
	if sse.Context != "" {
		h.Set("X-Amz-Server-Side-Encryption-Context", sse.Context)
	}
}

// setObjectHeaders writes an object's headers for GET and HEAD.
func setObjectHeaders(h http.Header, o *objstore.Object, withChecksum bool) {
	h.Set("ETag", `"`+o.ETag+`"`)
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	ct := o.Headers.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	for name, v := range map[string]string{"Cache-Control": o.Headers.CacheControl, "Content-Disposition": o.Headers.ContentDisposition,
		"Content-Encoding": o.Headers.ContentEncoding, "Content-Language": o.Headers.ContentLanguage, "Expires": o.Headers.Expires,
		"X-Amz-Website-Redirect-Location": o.Headers.WebsiteRedirect} {
		if v != "" {
			h.Set(name, v)
		}
	}
	for k, v := range o.Metadata {
		h["x-amz-meta-"+k] = []string{encodeMetaValue(v)} // lower case, as S3 sends it: clients keep the name as written
	}
	if o.StorageClass != "" && o.StorageClass != "STANDARD" {
		h.Set("X-Amz-Storage-Class", o.StorageClass)
	}
	if len(o.Tags) > 0 {
		h.Set("X-Amz-Tagging-Count", strconv.Itoa(len(o.Tags)))
	}
	if withChecksum && o.Checksum != nil {
		h.Set(o.Checksum.Algorithm.HeaderName(), o.Checksum.Value)
		h.Set("X-Amz-Checksum-Type", o.Checksum.Type)
	}
	setSSEHeaders(h, o.SSE)
}

// overrides are GetObject's response-* query parameters and the headers they replace.
var overrides = [][2]string{{"response-content-type", "Content-Type"}, {"response-content-language", "Content-Language"},
	{"response-expires", "Expires"}, {"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"}, {"response-content-encoding", "Content-Encoding"}}

func applyOverrides(h http.Header, q url.Values) {
	for _, o := range overrides {
		if v := q.Get(o[0]); v != "" {
			h.Set(o[1], v)
		}
	}
}

func hasOverrides(q url.Values) bool {
	for _, o := range overrides {
		if q.Has(o[0]) {
			return true
		}
	}
	return false
}
