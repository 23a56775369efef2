package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/objstore"
)

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

func (h *handler) createMultipartUpload(ctx context.Context, c *api.Call, t target) (any, error) {
	hd := c.HTTP.Header
	in := objstore.CreateUploadInput{Bucket: t.bucket, Key: t.key, Headers: systemHeaders(hd), StorageClass: hd.Get("X-Amz-Storage-Class")}
	var err error
	if in.Metadata, err = userMetadata(hd); err != nil {
		return nil, err
	}
	if in.Tags, err = tagsHeader(hd.Get("X-Amz-Tagging")); err != nil {
		return nil, err
	}
	if in.SSE, err = sseRequest(hd); err != nil {
		return nil, err
	}
	if v := hd.Get("X-Amz-Checksum-Algorithm"); v != "" {
		if in.Checksum, err = checksum.Parse(v); err != nil {
			return nil, awserr.New("InvalidRequest", http.StatusBadRequest, "Checksum algorithm provided is unsupported.")
		}
	}
	in.ChecksumType = strings.ToUpper(hd.Get("X-Amz-Checksum-Type"))
	u, err := h.s.CreateMultipartUpload(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	r := xmlResponse(&initiateResult{NS: Namespace, Bucket: t.bucket, Key: t.key, UploadID: u.ID})
	setSSEHeaders(r.header, u.SSE)
	if u.Checksum != "" {
		r.header.Set("X-Amz-Checksum-Algorithm", string(u.Checksum))
		ctype := u.ChecksumType
		if ctype == "" {
			ctype = "COMPOSITE"
		}
		r.header.Set("X-Amz-Checksum-Type", ctype)
	}
	c.Audit.ResponseElements = map[string]any{"uploadId": u.ID}
	return r, nil
}

func partNumber(q url.Values) (int, error) {
	n, err := strconv.Atoi(q.Get("partNumber"))
	if err != nil || n < 1 || n > objstore.MaxParts {
		return 0, awserr.New("InvalidArgument", http.StatusBadRequest, "Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber").With("ArgumentValue", q.Get("partNumber"))
	}
	return n, nil
}

func (h *handler) uploadPart(ctx context.Context, c *api.Call, t target) (any, error) {
	q := c.HTTP.URL.Query()
	n, err := partNumber(q)
	if err != nil {
		return nil, err
	}
	ci, err := checksumInput(c)
	if err != nil {
		return nil, err
	}
	p, u, err := h.s.UploadPart(ctx, c.Caller, objstore.UploadPartInput{Bucket: t.bucket, Key: t.key, UploadID: q.Get("uploadId"),
		PartNumber: n, Body: c.Stream, Size: bodySize(c), ContentMD5: c.HTTP.Header.Get("Content-MD5"), Checksum: ci})
	if err != nil {
		return nil, err
	}
	r := newResponse(http.StatusOK)
	r.header.Set("ETag", `"`+p.ETag+`"`)
	if p.Checksum != "" {
		alg := ci.Algorithm
		if alg == "" {
			alg = u.Checksum
		}
		r.header.Set(alg.HeaderName(), p.Checksum)
	}
	setSSEHeaders(r.header, u.SSE)
	return r, nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"CopyPartResult"`
	NS           string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

func (h *handler) uploadPartCopy(ctx context.Context, c *api.Call, t target) (any, error) {
	q := c.HTTP.URL.Query()
	n, err := partNumber(q)
	if err != nil {
		return nil, err
	}
	src, err := copySource(c)
	if err != nil {
		return nil, err
	}
	if v := c.HTTP.Header.Get("X-Amz-Copy-Source-Range"); v != "" {
		if src.Range = parseRange(v); src.Range == nil || src.Range.IsSuffix {
			return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
		}
	}
	p, u, _, err := h.s.UploadPartCopy(ctx, c.Caller, objstore.UploadPartCopyInput{Source: src, Bucket: t.bucket, Key: t.key,
		UploadID: q.Get("uploadId"), PartNumber: n})
	if err != nil {
		return nil, err
	}
	r := xmlResponse(&copyPartResult{NS: Namespace, ETag: `"` + p.ETag + `"`, LastModified: s3Time(p.LastModified)})
	setSSEHeaders(r.header, u.SSE)
	return r, nil
}

type completeRequest struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber     int    `xml:"PartNumber"`
		ETag           string `xml:"ETag"`
		ChecksumCRC32  string `xml:"ChecksumCRC32"`
		ChecksumCRC32C string `xml:"ChecksumCRC32C"`
		ChecksumSHA1   string `xml:"ChecksumSHA1"`
		ChecksumSHA256 string `xml:"ChecksumSHA256"`
	} `xml:"Part"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	NS       string   `xml:"xmlns,attr"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	checksumFields
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

func (h *handler) completeMultipartUpload(ctx context.Context, c *api.Call, t target) (any, error) {
	var req completeRequest
	if err := decodeXML(c.Stream, &req, false); err != nil {
		return nil, err
	}
	in := objstore.CompleteInput{Bucket: t.bucket, Key: t.key, UploadID: c.HTTP.URL.Query().Get("uploadId"),
		IfNoneMatch: c.HTTP.Header.Get("If-None-Match"), IfMatch: c.HTTP.Header.Get("If-Match")}
	for _, p := range req.Parts {
		in.Parts = append(in.Parts, objstore.CompletedPart{Number: p.PartNumber, ETag: p.ETag})
	}
	in.Checksum = givenChecksum(c.HTTP.Header)
	obj, err := h.s.CompleteMultipartUpload(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	out := &completeResult{NS: Namespace, Location: "/" + t.bucket + "/" + t.key, Bucket: t.bucket, Key: t.key, ETag: `"` + obj.ETag + `"`}
	if cs := obj.Checksum; cs != nil {
		out.ChecksumType = cs.Type
		out.set(cs.Algorithm, cs.Value)
	}
	r := xmlResponse(out)
	setVersionHeader(r.header, obj)
	setSSEHeaders(r.header, obj.SSE)
	return r, nil
}

func (h *handler) abortMultipartUpload(ctx context.Context, c *api.Call, t target) (any, error) {
	return noContent(h.s.AbortMultipartUpload(ctx, c.Caller, t.bucket, t.key, c.HTTP.URL.Query().Get("uploadId")))
}

type partInfo struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
}

type listPartsResult struct {
	XMLName              xml.Name   `xml:"ListPartsResult"`
	NS                   string     `xml:"xmlns,attr"`
	Bucket               string     `xml:"Bucket"`
	Key                  string     `xml:"Key"`
	UploadID             string     `xml:"UploadId"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
	MaxParts             int        `xml:"MaxParts"`
	IsTruncated          bool       `xml:"IsTruncated"`
	StorageClass         string     `xml:"StorageClass"`
	Parts                []partInfo `xml:"Part"`
}

func (h *handler) listParts(ctx context.Context, c *api.Call, t target) (any, error) {
	q := c.HTTP.URL.Query()
	in := objstore.ListPartsInput{Bucket: t.bucket, Key: t.key, UploadID: q.Get("uploadId"), MaxParts: 1000}
	in.After, _ = strconv.Atoi(q.Get("part-number-marker"))
	if v := q.Get("max-parts"); v != "" {
		in.MaxParts, _ = strconv.Atoi(v)
	}
	res, err := h.s.ListParts(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	out := &listPartsResult{NS: Namespace, Bucket: t.bucket, Key: t.key, UploadID: in.UploadID, PartNumberMarker: in.After,
		NextPartNumberMarker: res.Next, MaxParts: in.MaxParts, IsTruncated: res.IsTruncated, StorageClass: res.Upload.StorageClass}
	for _, p := range res.Parts {
		out.Parts = append(out.Parts, partInfo{PartNumber: p.Number, LastModified: s3Time(p.LastModified), ETag: `"` + p.ETag + `"`, Size: p.Size})
	}
	return xmlResponse(out), nil
}

type uploadInfo struct {
	Key          string `xml:"Key"`
	UploadID     string `xml:"UploadId"`
	Initiated    string `xml:"Initiated"`
	StorageClass string `xml:"StorageClass"`
}

type listUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	NS                 string         `xml:"xmlns,attr"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker"`
	Prefix             string         `xml:"Prefix"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	MaxUploads         int            `xml:"MaxUploads"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []uploadInfo   `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
}

func (h *handler) listMultipartUploads(ctx context.Context, c *api.Call, t target) (any, error) {
	q := c.HTTP.URL.Query()
	in := objstore.ListUploadsInput{Bucket: t.bucket, Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"),
		KeyMarker: q.Get("key-marker"), UploadIDMarker: q.Get("upload-id-marker"), MaxUploads: 1000}
	if v := q.Get("max-uploads"); v != "" {
		in.MaxUploads, _ = strconv.Atoi(v)
	}
	res, err := h.s.ListMultipartUploads(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	out := &listUploadsResult{NS: Namespace, Bucket: t.bucket, KeyMarker: in.KeyMarker, UploadIDMarker: in.UploadIDMarker,
		Prefix: in.Prefix, Delimiter: in.Delimiter, MaxUploads: in.MaxUploads, IsTruncated: res.IsTruncated}
	if res.IsTruncated {
		out.NextKeyMarker, out.NextUploadIDMarker = res.NextKey, res.NextUploadID
	}
	for _, u := range res.Uploads {
		out.Uploads = append(out.Uploads, uploadInfo{Key: u.Key, UploadID: u.ID, Initiated: s3Time(u.Initiated), StorageClass: u.StorageClass})
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: p})
	}
	return xmlResponse(out), nil
}

// givenChecksum reads the whole object's checksum a CompleteMultipartUpload gives (x-amz-checksum-<algorithm>
// and x-amz-checksum-type), nil if none.
func givenChecksum(hd http.Header) *objstore.Checksum {
	for _, a := range checksum.Algorithms {
		if v := hd.Get(a.HeaderName()); v != "" {
			return &objstore.Checksum{Algorithm: a, Value: v, Type: strings.ToUpper(hd.Get("X-Amz-Checksum-Type"))}
		}
	}
	return nil
}
