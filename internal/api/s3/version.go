package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/objstore"
)

// setVersionHeader sets x-amz-version-id for an object's version (none in a bucket never versioned).
func setVersionHeader(h http.Header, o *objstore.Object) {
	if v := o.VersionHeader(); v != "" {
		h.Set("X-Amz-Version-Id", v)
	}
}

// versionOf returns the object version a request names with ?versionId.
func versionOf(c *api.Call, t target) objstore.ObjectVersion {
	return objstore.ObjectVersion{Bucket: t.bucket, Key: t.key, VersionID: c.HTTP.URL.Query().Get("versionId")}
}

func (h *handler) putBucketVersioning(ctx context.Context, c *api.Call, t target) (any, error) {
	var vc versioningConfiguration
	if err := decodeXML(c.Stream, &vc, false); err != nil {
		return nil, err
	}
	if err := h.s.PutBucketVersioning(ctx, c.Caller, t.bucket, vc.Status, vc.MfaDelete); err != nil {
		return nil, err
	}
	return newResponse(http.StatusOK), nil
}

type objectVersionXML struct {
	Key               string `xml:"Key"`
	VersionID         string `xml:"VersionId"`
	IsLatest          bool   `xml:"IsLatest"`
	LastModified      string `xml:"LastModified"`
	ETag              string `xml:"ETag,omitempty"`
	ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
	Size              *int64 `xml:"Size,omitempty"`
	StorageClass      string `xml:"StorageClass,omitempty"`
	Owner             *owner `xml:"Owner,omitempty"`
}

// versionEntry is a Version or a DeleteMarker element, in listing order.
type versionEntry struct {
	Version      *objectVersionXML `xml:"Version,omitempty"`
	DeleteMarker *objectVersionXML `xml:"DeleteMarker,omitempty"`
}

// MarshalXML writes the entry as the element it is.
func (e versionEntry) MarshalXML(enc *xml.Encoder, _ xml.StartElement) error {
	if e.DeleteMarker != nil {
		return enc.EncodeElement(e.DeleteMarker, xml.StartElement{Name: xml.Name{Local: "DeleteMarker"}})
	}
	return enc.EncodeElement(e.Version, xml.StartElement{Name: xml.Name{Local: "Version"}})
}

type listVersionsResult struct {
	XMLName             xml.Name       `xml:"ListVersionsResult"`
	NS                  string         `xml:"xmlns,attr"`
	Name                string         `xml:"Name"`
	Prefix              string         `xml:"Prefix"`
	KeyMarker           string         `xml:"KeyMarker"`
	VersionIDMarker     string         `xml:"VersionIdMarker"`
	NextKeyMarker       string         `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int            `xml:"MaxKeys"`
	Delimiter           string         `xml:"Delimiter,omitempty"`
	EncodingType        string         `xml:"EncodingType,omitempty"`
	IsTruncated         bool           `xml:"IsTruncated"`
	Entries             []versionEntry `xml:"Entry"`
	CommonPrefixes      []commonPrefix `xml:"CommonPrefixes"`
}

func (h *handler) listObjectVersions(ctx context.Context, c *api.Call, t target) (any, error) {
	q := c.HTTP.URL.Query()
	li, enc, err := listParams(q, t.bucket)
	if err != nil {
		return nil, err
	}
	in := objstore.VersionListInput{Bucket: t.bucket, Prefix: li.Prefix, Delimiter: li.Delimiter, MaxKeys: li.MaxKeys,
		KeyMarker: q.Get("key-marker"), VersionIDMarker: q.Get("version-id-marker")}
	res, err := h.s.ListObjectVersions(ctx, c.Caller, in)
	if err != nil {
		return nil, err
	}
	out := &listVersionsResult{NS: Namespace, Name: t.bucket, Prefix: enc(in.Prefix), KeyMarker: enc(in.KeyMarker),
		VersionIDMarker: in.VersionIDMarker, MaxKeys: in.MaxKeys, Delimiter: enc(in.Delimiter), IsTruncated: res.IsTruncated,
		NextKeyMarker: enc(res.NextKeyMarker), NextVersionIDMarker: res.NextVersionIDMarker}
	if q.Get("encoding-type") == "url" {
		out.EncodingType = "url"
	}
	for _, o := range res.Versions {
		v := &objectVersionXML{Key: enc(o.Key), VersionID: o.VersionHeader(), IsLatest: o.IsLatest,
			LastModified: s3Time(o.LastModified), Owner: &owner{ID: o.Owner, DisplayName: o.Owner}}
		if v.VersionID == "" {
			v.VersionID = objstore.NullVersion
		}
		if o.DeleteMarker {
			out.Entries = append(out.Entries, versionEntry{DeleteMarker: v})
			continue
		}
		size := o.Size
		v.ETag, v.Size, v.StorageClass = `"`+o.ETag+`"`, &size, o.StorageClass
		if o.Checksum != nil {
			v.ChecksumAlgorithm, v.ChecksumType = string(o.Checksum.Algorithm), o.Checksum.Type
		}
		out.Entries = append(out.Entries, versionEntry{Version: v})
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: enc(p)})
	}
	return xmlResponse(out), nil
}

// deleteHeaders sets the headers of a DeleteObject response.
func deleteHeaders(r *response, d *objstore.DeleteOutput) {
	if d.VersionID != "" {
		r.header.Set("X-Amz-Version-Id", d.VersionID)
	}
	if d.DeleteMarker {
		r.header.Set("X-Amz-Delete-Marker", strconv.FormatBool(true))
	}
}
