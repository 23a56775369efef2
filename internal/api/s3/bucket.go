package s3

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/objstore"
)

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

type listAllMyBucketsResult struct {
	XMLName           xml.Name     `xml:"ListAllMyBucketsResult"`
	NS                string       `xml:"xmlns,attr"`
	Owner             owner        `xml:"Owner"`
	Buckets           []bucketInfo `xml:"Buckets>Bucket"`
	ContinuationToken *string      `xml:"ContinuationToken"`
	Prefix            string       `xml:"Prefix,omitempty"`
}

type bucketInfo struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion,omitempty"`
}

func (h *handler) listBuckets(ctx context.Context, c *api.Call, _ target) (any, error) {
	q := c.HTTP.URL.Query()
	limit := 10000
	if v := q.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "Argument max-buckets must be an integer between 1 and 10000").
				With("ArgumentName", "max-buckets").With("ArgumentValue", v)
		}
		limit = n
	}
	after := ""
	if token := q.Get("continuation-token"); token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, awserr.New("InvalidArgument", http.StatusBadRequest, "The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
		}
		after = string(b)
	}
	prefix := q.Get("prefix")
	bs, err := h.s.ListBuckets(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := &listAllMyBucketsResult{NS: Namespace, Owner: owner{ID: c.Caller.Account, DisplayName: c.Caller.Account}, Buckets: []bucketInfo{}, Prefix: prefix}
	if _, given := q["continuation-token"]; given {
		empty := "" // S3 echoes an empty continuation token that was given
		out.ContinuationToken = &empty
	}
	for _, b := range bs { // by name
		if b.Name <= after || !strings.HasPrefix(b.Name, prefix) {
			continue
		}
		if len(out.Buckets) == limit {
			next := base64.RawURLEncoding.EncodeToString([]byte(out.Buckets[limit-1].Name))
			out.ContinuationToken = &next
			break
		}
		out.Buckets = append(out.Buckets, bucketInfo{Name: b.Name, CreationDate: s3Time(b.Created), BucketRegion: b.Region})
	}
	return xmlResponse(out), nil
}

type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

func (h *handler) createBucket(ctx context.Context, c *api.Call, t target) (any, error) {
	var cfg createBucketConfiguration
	if err := decodeXML(c.Stream, &cfg, true); err != nil {
		return nil, err
	}
	if _, err := h.s.CreateBucket(ctx, c.Caller, objstore.CreateBucketInput{Bucket: t.bucket, LocationConstraint: cfg.LocationConstraint}); err != nil {
		return nil, err
	}
	r := newResponse(http.StatusOK)
	r.header.Set("Location", "/"+t.bucket)
	return r, nil
}

func (h *handler) deleteBucket(ctx context.Context, c *api.Call, t target) (any, error) {
	if err := h.s.DeleteBucket(ctx, c.Caller, t.bucket); err != nil {
		return nil, err
	}
	return newResponse(http.StatusNoContent), nil
}

func (h *handler) headBucket(ctx context.Context, c *api.Call, t target) (any, error) {
	b, err := h.s.HeadBucket(ctx, c.Caller, t.bucket)
	if err != nil {
		return nil, err
	}
	r := newResponse(http.StatusOK)
	r.header.Set("X-Amz-Bucket-Region", b.Region)
	return r, nil
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	NS      string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

func (h *handler) getBucketLocation(ctx context.Context, c *api.Call, t target) (any, error) {
	region, err := h.s.GetBucketLocation(ctx, c.Caller, t.bucket)
	if err != nil {
		return nil, err
	}
	if region == "us-east-1" {
		region = "" // S3 reports us-east-1 as an empty constraint
	}
	return xmlResponse(&locationConstraint{NS: Namespace, Region: region}), nil
}

type versioningConfiguration struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	NS        string   `xml:"xmlns,attr"`
	Status    string   `xml:"Status,omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

func (h *handler) getBucketVersioning(ctx context.Context, c *api.Call, t target) (any, error) {
	status, err := h.s.GetBucketVersioning(ctx, c.Caller, t.bucket)
	if err != nil {
		return nil, err
	}
	return xmlResponse(&versioningConfiguration{NS: Namespace, Status: status}), nil
}

func (h *handler) getBucketPolicy(ctx context.Context, c *api.Call, t target) (any, error) {
	doc, err := h.s.GetBucketPolicy(ctx, c.Caller, t.bucket)
	if err != nil {
		return nil, err
	}
	r := newResponse(http.StatusOK)
	r.header.Set("Content-Type", "application/json")
	r.raw = []byte(doc)
	return r, nil
}

func (h *handler) putBucketPolicy(ctx context.Context, c *api.Call, t target) (any, error) {
	doc, err := io.ReadAll(io.LimitReader(c.Stream, maxXMLBody))
	if err != nil {
		return nil, err
	}
	c.Audit.RequestParameters.(map[string]any)["bucketPolicy"] = string(doc)
	if err := h.s.PutBucketPolicy(ctx, c.Caller, t.bucket, string(doc)); err != nil {
		return nil, err
	}
	return newResponse(http.StatusNoContent), nil
}

func (h *handler) deleteBucketPolicy(ctx context.Context, c *api.Call, t target) (any, error) {
	return noContent(h.s.DeleteBucketPolicy(ctx, c.Caller, t.bucket))
}

func noContent(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return newResponse(http.StatusNoContent), nil
}

func ok(err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return newResponse(http.StatusOK), nil
}

// getDoc serves a Get* configuration operation: it encodes the domain's configuration as its XML document.
func getDoc[D, W any](doc xmlDoc[D, W], fn func(context.Context, *actor.Caller, string) (*D, error)) func(context.Context, *api.Call, target) (any, error) {
	return func(ctx context.Context, c *api.Call, t target) (any, error) {
		cfg, err := fn(ctx, c.Caller, t.bucket)
		if err != nil {
			return nil, err
		}
		return xmlResponse(doc.toXML(cfg)), nil
	}
}

// putDoc serves a Put* configuration operation: it decodes the body's XML document into the domain's
// configuration.
func putDoc[D, W any](doc xmlDoc[D, W], fn func(context.Context, *actor.Caller, string, *D) error) func(context.Context, *api.Call, target) (any, error) {
	return func(ctx context.Context, c *api.Call, t target) (any, error) {
		w := new(W)
		if err := decodeXML(c.Stream, w, false); err != nil {
			return nil, err
		}
		return ok(fn(ctx, c.Caller, t.bucket, doc.toDomain(w)))
	}
}

// deleteDoc serves a Delete* configuration operation.
func deleteDoc(fn func(context.Context, *actor.Caller, string) error) func(context.Context, *api.Call, target) (any, error) {
	return func(ctx context.Context, c *api.Call, t target) (any, error) {
		return noContent(fn(ctx, c.Caller, t.bucket))
	}
}

func (h *handler) getBucketTagging(ctx context.Context, c *api.Call, t target) (any, error) {
	tags, err := h.s.GetBucketTagging(ctx, c.Caller, t.bucket)
	if err != nil {
		return nil, err
	}
	return xmlResponse(taggingXML(tags)), nil
}

func (h *handler) putBucketTagging(ctx context.Context, c *api.Call, t target) (any, error) {
	var tg tagging
	if err := decodeXML(c.Stream, &tg, false); err != nil {
		return nil, err
	}
	return noContent(h.s.PutBucketTagging(ctx, c.Caller, t.bucket, tg.tags()))
}
