package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
)

func (h *handler) putObject(ctx context.Context, c *api.Call, t target) (any, error) {
	in, err := putInput(c, t)
	if err != nil {
		return nil, err
	}
	obj, err := h.s.PutObject(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	c.Audit.RecipientAccount = obj.Owner
	r := newResponse(http.StatusOK)
	r.header.Set("ETag", `"`+obj.ETag+`"`)
	if obj.Checksum != nil {
		r.header.Set(obj.Checksum.Algorithm.HeaderName(), obj.Checksum.Value)
		r.header.Set("X-Amz-Checksum-Type", obj.Checksum.Type)
	}
	setSSEHeaders(r.header, obj.SSE)
	setVersionHeader(r.header, obj)
	if obj.Expiration != "" {
		r.header.Set("X-Amz-Expiration", obj.Expiration)
	}
	return r, nil
}

// putInput decodes a PutObject request.
func putInput(c *api.Call, t target) (objstore.PutInput, error) {
	hd := c.HTTP.Header
	in := objstore.PutInput{Bucket: t.bucket, Key: t.key, Body: c.Stream, Size: bodySize(c),
		ContentMD5: hd.Get("Content-MD5"), Headers: systemHeaders(hd), StorageClass: hd.Get("X-Amz-Storage-Class"),
		IfNoneMatch: hd.Get("If-None-Match"), IfMatch: hd.Get("If-Match"), ACL: hd.Get("X-Amz-Acl"),
		ReplicaVersionID: hd.Get(objstore.ReplicaVersionHeader)}
	var err error
	if in.Metadata, err = userMetadata(hd); err != nil {
		return in, err
	}
	if in.Tags, err = tagsHeader(hd.Get("X-Amz-Tagging")); err != nil {
		return in, err
	}
	if in.SSE, err = sseRequest(hd); err != nil {
		return in, err
	}
	in.Checksum, err = checksumInput(c)
	return in, err
}

func (h *handler) getObject(ctx context.Context, c *api.Call, t target) (any, error) {
	return h.readObject(ctx, c, t, true)
}

func (h *handler) headObject(ctx context.Context, c *api.Call, t target) (any, error) {
	return h.readObject(ctx, c, t, false)
}

func (h *handler) readObject(ctx context.Context, c *api.Call, t target, body bool) (any, error) {
	q := c.HTTP.URL.Query()
	if hasOverrides(q) && c.Caller.Type == actor.TypeAnonymous {
		return nil, awserr.New("InvalidRequest", http.StatusBadRequest, "Request specific response headers cannot be used for anonymous GET requests.")
	}
	if c.HTTP.Header.Get("X-Amz-Server-Side-Encryption") != "" {
		return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "x-amz-server-side-encryption header is not supported for this operation.")
	}
	in := objstore.GetInput{Bucket: t.bucket, Key: t.key, VersionID: q.Get("versionId"), Range: parseRange(c.HTTP.Header.Get("Range")),
		Conditions: conditions(c.HTTP.Header, "")}
	if v := q.Get("partNumber"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > objstore.MaxParts {
			return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "Part number must be an integer between 1 and 10000, inclusive")
		}
		in.PartNumber = n
	}
	get := h.s.HeadObject
	if body {
		get = h.s.GetObject
	}
	out, err := get(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	o := out.Object
	c.Audit.RecipientAccount = o.Owner
	r := newResponse(http.StatusOK)
	setObjectHeaders(r.header, o, strings.EqualFold(c.HTTP.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && !out.Partial && !out.NotModified)
	setVersionHeader(r.header, o)
	if o.ReplicationStatus != "" {
		r.header.Set("X-Amz-Replication-Status", o.ReplicationStatus)
	}
	if o.Expiration != "" {
		r.header.Set("X-Amz-Expiration", o.Expiration)
	}
	if out.NotModified {
		r.status = http.StatusNotModified
		return r, nil
	}
	if in.PartNumber > 0 && o.PartsCount > 0 {
		r.header.Set("X-Amz-Mp-Parts-Count", strconv.Itoa(o.PartsCount))
	}
	applyOverrides(r.header, q)
	if out.Partial {
		r.status = http.StatusPartialContent
		r.header.Set("Content-Range", "bytes "+strconv.FormatInt(out.Start, 10)+"-"+strconv.FormatInt(out.Start+out.Length-1, 10)+"/"+strconv.FormatInt(o.Size, 10))
	}
	r.header.Set("Content-Length", strconv.FormatInt(out.Length, 10))
	if out.Body != nil {
		r.body, r.length = out.Body, out.Length
	}
	return r, nil
}

func (h *handler) deleteObject(ctx context.Context, c *api.Call, t target) (any, error) {
	v := versionOf(c, t)
	v.ReplicaOf = c.HTTP.Header.Get(objstore.ReplicaVersionHeader)
	d, err := h.s.DeleteVersion(ctx, c.Caller, v)
	if err != nil {
		return nil, err
	}
	r := newResponse(http.StatusNoContent)
	deleteHeaders(r, d)
	return r, nil
}

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string `xml:"Key"`
		VersionID string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	NS      string          `xml:"xmlns,attr"`
	Deleted []deletedObject `xml:"Deleted"`
	Errors  []deleteError   `xml:"Error"`
}

type deletedObject struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteError struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

func (h *handler) deleteObjects(ctx context.Context, c *api.Call, t target) (any, error) {
	var req deleteRequest
	if err := decodeXML(c.Stream, &req, false); err != nil {
		return nil, err
	}
	objects := make([]objstore.ObjectVersion, len(req.Objects))
	for i, o := range req.Objects {
		objects[i] = objstore.ObjectVersion{Key: o.Key, VersionID: o.VersionID}
	}
	res, err := h.s.DeleteObjects(ctx, c.Caller, t.bucket, objects)
	if err != nil {
		return nil, err
	}
	out := &deleteResult{NS: Namespace}
	for _, r := range res {
		switch {
		case r.Code != "":
			out.Errors = append(out.Errors, deleteError{Key: r.Key, VersionID: r.VersionID, Code: r.Code, Message: r.Message})
		case !req.Quiet:
			out.Deleted = append(out.Deleted, deletedObject{Key: r.Key, VersionID: r.VersionID, DeleteMarker: r.DeleteMarker,
				DeleteMarkerVersionID: r.DeleteMarkerVersionID})
		}
	}
	return xmlResponse(out), nil
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	NS           string   `xml:"xmlns,attr"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// copySource parses x-amz-copy-source: "[/]bucket/key[?versionId=…]", URL-encoded.
func copySource(c *api.Call) (objstore.CopySource, error) {
	raw := c.HTTP.Header.Get("X-Amz-Copy-Source")
	raw, query, _ := strings.Cut(raw, "?")
	vq, err := url.ParseQuery(query)
	if err != nil {
		return objstore.CopySource{}, awserr.New("InvalidArgument", http.StatusBadRequest, "Invalid copy source encoding")
	}
	v, err := url.PathUnescape(raw)
	if err != nil {
		return objstore.CopySource{}, awserr.New("InvalidArgument", http.StatusBadRequest, "Invalid copy source encoding")
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(v, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return objstore.CopySource{}, awserr.New("InvalidArgument", http.StatusBadRequest, "Invalid copy source object key")
	}
	return objstore.CopySource{Bucket: bucket, Key: key, VersionID: vq.Get("versionId"), Conditions: conditions(c.HTTP.Header, "X-Amz-Copy-Source-")}, nil
}

func (h *handler) copyObject(ctx context.Context, c *api.Call, t target) (any, error) {
	src, err := copySource(c)
	if err != nil {
		return nil, err
	}
	hd := c.HTTP.Header
	in := objstore.CopyInput{Source: src, Bucket: t.bucket, Key: t.key, StorageClass: hd.Get("X-Amz-Storage-Class"),
		ReplaceMetadata: strings.EqualFold(hd.Get("X-Amz-Metadata-Directive"), "REPLACE"), MetadataDirective: hd.Get("X-Amz-Metadata-Directive"),
		ReplaceTags: strings.EqualFold(hd.Get("X-Amz-Tagging-Directive"), "REPLACE"), IfNoneMatch: hd.Get("If-None-Match")}
	if in.ReplaceMetadata {
		in.Headers = systemHeaders(hd)
		if in.Metadata, err = userMetadata(hd); err != nil {
			return nil, err
		}
	}
	if in.ReplaceTags {
		if in.Tags, err = tagsHeader(hd.Get("X-Amz-Tagging")); err != nil {
			return nil, err
		}
	}
	if in.SSE, err = sseRequest(hd); err != nil {
		return nil, err
	}
	obj, so, err := h.s.CopyObject(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	r := xmlResponse(&copyObjectResult{NS: Namespace, ETag: `"` + obj.ETag + `"`, LastModified: s3Time(obj.LastModified)})
	setSSEHeaders(r.header, obj.SSE)
	setVersionHeader(r.header, obj)
	if v := so.VersionHeader(); v != "" {
		r.header.Set("X-Amz-Copy-Source-Version-Id", v)
	}
	return r, nil
}

func (h *handler) getObjectTagging(ctx context.Context, c *api.Call, t target) (any, error) {
	tags, version, err := h.s.GetObjectTagging(ctx, c.Caller, versionOf(c, t))
	if err != nil {
		return nil, err
	}
	r := xmlResponse(taggingXML(tags))
	if version != "" {
		r.header.Set("X-Amz-Version-Id", version)
	}
	return r, nil
}

func (h *handler) putObjectTagging(ctx context.Context, c *api.Call, t target) (any, error) {
	var tg tagging
	if err := decodeXML(c.Stream, &tg, false); err != nil {
		return nil, err
	}
	tags := tg.tags()
	if tags == nil {
		tags = []objstore.Tag{}
	}
	return h.tagged(h.s.PutObjectTagging(ctx, c.Caller, versionOf(c, t), tags))(http.StatusOK)
}

func (h *handler) deleteObjectTagging(ctx context.Context, c *api.Call, t target) (any, error) {
	return h.tagged(h.s.PutObjectTagging(ctx, c.Caller, versionOf(c, t), nil))(http.StatusNoContent)
}

// tagged answers a tagging change with the version it changed.
func (h *handler) tagged(version string, err error) func(status int) (any, error) {
	return func(status int) (any, error) {
		if err != nil {
			return nil, err
		}
		r := newResponse(status)
		if version != "" {
			r.header.Set("X-Amz-Version-Id", version)
		}
		return r, nil
	}
}
