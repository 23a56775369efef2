package s3

import (
	"context"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/checksum"
	"github.com/seclake/seclake/internal/objstore"
)

// checksumFields are the Checksum<ALGORITHM> elements of S3's XML documents; one of them is set.
type checksumFields struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

func (f *checksumFields) set(a checksum.Algorithm, value string) {
	switch a {
	case checksum.CRC32:
		f.ChecksumCRC32 = value
	case checksum.CRC32C:
		f.ChecksumCRC32C = value
	case checksum.CRC64NVME:
		f.ChecksumCRC64NVME = value
	case checksum.SHA1:
		f.ChecksumSHA1 = value
	case checksum.SHA256:
		f.ChecksumSHA256 = value
	}
}

type attributesResult struct {
	XMLName      xml.Name            `xml:"GetObjectAttributesResponse"`
	NS           string              `xml:"xmlns,attr"`
	ETag         string              `xml:"ETag,omitempty"`
	Checksum     *attributesChecksum `xml:"Checksum,omitempty"`
	ObjectParts  *attributesParts    `xml:"ObjectParts,omitempty"`
	StorageClass string              `xml:"StorageClass,omitempty"`
	ObjectSize   *int64              `xml:"ObjectSize,omitempty"`
}

type attributesChecksum struct {
	checksumFields
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

type attributesParts struct {
	TotalPartsCount      int              `xml:"PartsCount"`
	PartNumberMarker     int              `xml:"PartNumberMarker"`
	NextPartNumberMarker int              `xml:"NextPartNumberMarker"`
	MaxParts             int              `xml:"MaxParts"`
	IsTruncated          bool             `xml:"IsTruncated"`
	Parts                []attributesPart `xml:"Part"`
}

type attributesPart struct {
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
	checksumFields
}

// objectAttributes parses x-amz-object-attributes: a comma-separated list of the attributes to return.
func objectAttributes(v string) (map[string]bool, error) {
	want := map[string]bool{}
	for _, a := range strings.Split(v, ",") {
		a = strings.TrimSpace(a)
		switch a {
		case "":
			continue
		case "ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize":
			want[a] = true
		default:
			return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "Invalid attribute name specified.").With("ArgumentName", "x-amz-object-attributes")
		}
	}
	if len(want) == 0 {
		return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "Minimum one object attribute must be specified.").With("ArgumentName", "x-amz-object-attributes")
	}
	return want, nil
}

// headerInt reads a non-negative integer header, def when absent.
func headerInt(h http.Header, name string, def int) (int, error) {
	v := h.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, awserr.New("InvalidArgument", http.StatusBadRequest, "Provided %s not an integer or within integer range", name).With("ArgumentName", name)
	}
	return n, nil
}

func (h *handler) getObjectAttributes(ctx context.Context, c *api.Call, t target) (any, error) {
	hd := c.HTTP.Header
	want, err := objectAttributes(strings.Join(hd.Values("X-Amz-Object-Attributes"), ","))
	if err != nil {
		return nil, err
	}
	maxParts, err := headerInt(hd, "X-Amz-Max-Parts", 1000)
	if err != nil {
		return nil, err
	}
	marker, err := headerInt(hd, "X-Amz-Part-Number-Marker", 0)
	if err != nil {
		return nil, err
	}
	o, err := h.s.GetObjectAttributes(ctx, c.Caller, objstore.GetInput{Bucket: t.bucket, Key: t.key, VersionID: c.HTTP.URL.Query().Get("versionId")})
	if err != nil {
		return nil, err
	}
	c.Audit.RecipientAccount = o.Owner
	out := &attributesResult{NS: Namespace}
	if want["ETag"] {
		out.ETag = o.ETag // S3 answers this ETag without quotes
	}
	if want["Checksum"] && o.Checksum != nil {
		out.Checksum = &attributesChecksum{ChecksumType: o.Checksum.Type}
		out.Checksum.set(o.Checksum.Algorithm, o.Checksum.Value)
	}
	if want["ObjectParts"] && o.PartsCount > 0 {
		out.ObjectParts = objectParts(o, marker, maxParts)
	}
	if want["StorageClass"] {
		out.StorageClass = o.StorageClass
	}
	if want["ObjectSize"] {
		out.ObjectSize = &o.Size
	}
	r := xmlResponse(out)
	r.header.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	setVersionHeader(r.header, o)
	return r, nil
}

// objectParts lists a multipart object's parts after marker, maxParts at most.
func objectParts(o *objstore.Object, marker, maxParts int) *attributesParts {
	p := &attributesParts{TotalPartsCount: o.PartsCount, PartNumberMarker: marker, MaxParts: maxParts}
	for _, b := range o.Blobs {
		if b.Number <= marker {
			continue
		}
		if len(p.Parts) == maxParts {
			p.IsTruncated = true
			break
		}
		part := attributesPart{PartNumber: b.Number, Size: b.Size}
		if o.Checksum != nil {
			part.set(o.Checksum.Algorithm, b.Checksum)
		}
		p.Parts = append(p.Parts, part)
		p.NextPartNumberMarker = b.Number
	}
	return p
}
