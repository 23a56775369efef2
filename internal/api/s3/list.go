package s3

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
)

type listEntry struct {
	Key               string `xml:"Key"`
	LastModified      string `xml:"LastModified"`
	ETag              string `xml:"ETag"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
	Size              int64  `xml:"Size"`
	Owner             *owner `xml:"Owner,omitempty"`
	StorageClass      string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResult struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	NS                    string         `xml:"xmlns,attr"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Marker                *string        `xml:"Marker"`
	NextMarker            string         `xml:"NextMarker,omitempty"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	KeyCount              *int           `xml:"KeyCount"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	Contents              []listEntry    `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

// listParams reads the parameters ListObjects and ListObjectsV2 share.
func listParams(q url.Values, bucket string) (objstore.ListInput, func(string) string, error) {
	in := objstore.ListInput{Bucket: bucket, Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: 1000}
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return in, nil, awserr.New("InvalidArgument", http.StatusBadRequest, "Provided max-keys not an integer or within integer range").With("ArgumentName", "max-keys").With("ArgumentValue", v)
		}
		in.MaxKeys = min(n, 1000)
	}
	enc := func(s string) string { return s }
	switch et := q.Get("encoding-type"); et {
	case "":
	case "url":
		enc = urlEncode
	default:
		return in, nil, awserr.New("InvalidArgument", http.StatusBadRequest, "Invalid Encoding Method specified in Request").With("ArgumentName", "encoding-type").With("ArgumentValue", et)
	}
	return in, enc, nil
}

// urlEncode encodes a key as S3's encoding-type=url does: every byte but the unreserved characters and "/"
// as %XX (a space is %20).
func urlEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func fillList(out *listBucketResult, res *objstore.ListOutput, enc func(string) string, withOwner bool) {
	for _, o := range res.Objects {
		e := listEntry{Key: enc(o.Key), LastModified: s3Time(o.LastModified), ETag: `"` + o.ETag + `"`, Size: o.Size, StorageClass: o.StorageClass}
		if o.Checksum != nil {
			e.ChecksumAlgorithm, e.ChecksumType = string(o.Checksum.Algorithm), o.Checksum.Type
		}
		if withOwner {
			e.Owner = &owner{ID: o.Owner, DisplayName: o.Owner}
		}
		out.Contents = append(out.Contents, e)
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: enc(p)})
	}
	out.Prefix, out.Delimiter = enc(out.Prefix), enc(out.Delimiter)
	out.IsTruncated = res.IsTruncated
}

func (h *handler) listObjects(ctx context.Context, c *api.Call, t target) (any, error) {
	q := c.HTTP.URL.Query()
	in, enc, err := listParams(q, t.bucket)
	if err != nil {
		return nil, err
	}
	in.After = q.Get("marker")
	res, err := h.s.ListObjects(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	marker := enc(in.After)
	out := &listBucketResult{NS: Namespace, Name: t.bucket, Prefix: in.Prefix, Marker: &marker, MaxKeys: in.MaxKeys, Delimiter: in.Delimiter}
	if q.Get("encoding-type") == "url" {
		out.EncodingType = "url"
	}
	fillList(out, res, enc, true)
	if res.IsTruncated && in.Delimiter != "" {
		out.NextMarker = enc(res.Last)
	}
	return xmlResponse(out), nil
}

func (h *handler) listObjectsV2(ctx context.Context, c *api.Call, t target) (any, error) {
	q := c.HTTP.URL.Query()
	in, enc, err := listParams(q, t.bucket)
	if err != nil {
		return nil, err
	}
	token := q.Get("continuation-token")
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		in.After = string(b)
	} else {
		in.After = q.Get("start-after")
	}
	res, err := h.s.ListObjects(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	count := len(res.Objects) + len(res.CommonPrefixes)
	out := &listBucketResult{NS: Namespace, Name: t.bucket, Prefix: in.Prefix, MaxKeys: in.MaxKeys, Delimiter: in.Delimiter,
		ContinuationToken: token, StartAfter: enc(q.Get("start-after")), KeyCount: &count}
	if q.Get("encoding-type") == "url" {
		out.EncodingType = "url"
	}
	fillList(out, res, enc, q.Get("fetch-owner") == "true")
	if res.IsTruncated {
		out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(res.Last))
	}
	return xmlResponse(out), nil
}
