// Package s3 serves the S3 API (REST-XML) over the object store: path-style and virtual-hosted-style
// addressing, buckets and their configurations, objects, multipart uploads and listings. Handlers decode the
// request's path, query, headers and XML body, call one objstore method, and write S3's response.
package s3

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/objstore"
)

// Namespace is S3's XML namespace.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// Options configure the API.
type Options struct {
	// Domains are the endpoint host names under which "<bucket>.<domain>" addresses a bucket
	// (virtual-hosted style), for example "s3.localhost". Other hosts are path-style.
	Domains []string
}

type handler struct {
	s       *objstore.Service
	domains []string
	ops     map[string]*api.Op
}

// New returns the S3 service.
func New(s *objstore.Service, opt Options) *api.Service {
	h := &handler{s: s}
	for _, d := range opt.Domains {
		if d = strings.Trim(strings.ToLower(d), "."); d != "" {
			h.domains = append(h.domains, d)
		}
	}
	h.buildOps()
	return &api.Service{
		Name:          "s3",
		EventSource:   "s3.amazonaws.com",
		Protocol:      awsproto.RESTXML,
		XMLNamespace:  Namespace,
		S3:            true,
		Ops:           h.ops, // for the edge's checks and the tests; requests are routed by Route
		Route:         h.route,
		Unimplemented: h.unimplementedName,
	}
}

// target is the bucket and key a request addresses.
type target struct {
	bucket, key string
	hasKey      bool // the path names an object ("/bucket/key"), possibly with an empty remainder
}

// target reads the bucket and key from the Host header (virtual-hosted style) or the path.
func (h *handler) target(r *http.Request) target {
	host := strings.ToLower(r.Host)
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	path := r.URL.Path
	for _, d := range h.domains {
		if strings.HasSuffix(host, "."+d) {
			t := target{bucket: strings.TrimSuffix(host, "."+d)}
			if key := strings.TrimPrefix(path, "/"); key != "" {
				t.key, t.hasKey = key, true
			}
			return t
		}
	}
	rest := strings.TrimPrefix(path, "/")
	bucket, key, found := strings.Cut(rest, "/")
	return target{bucket: bucket, key: key, hasKey: found && key != ""}
}

// op builds an operation whose handler receives the request's target. The audit record gets the bucket, the
// key and the host as CloudTrail's S3 events have them, and the resources touched.
func (h *handler) op(name, action string, readOnly, data bool, fn func(ctx context.Context, c *api.Call, t target) (any, error)) *api.Op {
	return &api.Op{Name: name, Action: action, ReadOnly: readOnly, Data: data, Serve: func(ctx context.Context, c *api.Call) (any, error) {
		t := h.target(c.HTTP)
		params := map[string]any{"Host": c.HTTP.Host}
		if t.bucket != "" {
			params["bucketName"] = t.bucket
			c.AddResource(objstore.BucketARN(t.bucket), "", "AWS::S3::Bucket")
		}
		if t.hasKey {
			params["key"] = t.key
			c.AddResource(objstore.ObjectARN(t.bucket, t.key), "", "AWS::S3::Object")
		}
		for k, v := range c.HTTP.URL.Query() {
			if len(v) == 1 && !strings.HasPrefix(strings.ToLower(k), "x-amz-") {
				params[k] = v[0]
			}
		}
		c.Audit.RequestParameters = params
		return fn(ctx, c, t)
	}}
}
