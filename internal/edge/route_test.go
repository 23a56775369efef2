package edge

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seclake/seclake/internal/api"
)

func TestTargetOperation(t *testing.T) {
	const ct = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
	cases := []struct{ prefix, target, want string }{
		{ct, ct + ".LookupEvents", "LookupEvents"},
		{ct, "CloudTrail_20131101.LookupEvents", "LookupEvents"},
		{"TrentService", "TrentService.Decrypt", "Decrypt"},
		{"TrentService", "Decrypt", ""},
		{"TrentService", "OtherService.Decrypt", ""},
		{ct, "v20131101.CloudTrail_20131101.LookupEvents", "LookupEvents"},
		{ct, "Trail_20131101.LookupEvents", ""},
		{"TrentService", "", ""},
	}
	for _, c := range cases {
		if got := targetOperation(c.prefix, c.target); got != c.want {
			t.Errorf("targetOperation(%q, %q) = %q, want %q", c.prefix, c.target, got, c.want)
		}
	}
}

func TestMayBeS3(t *testing.T) {
	req := func(method, target, ctype string) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		if ctype != "" {
			r.Header.Set("Content-Type", ctype)
		}
		return r
	}
	json := req("POST", "/", "application/x-amz-json-1.1")
	json.Header.Set("X-Amz-Target", "TrentService.ListKeys")
	cases := []struct {
		r    *http.Request
		want bool
	}{
		{req("GET", "/", ""), true},                                            // ListBuckets
		{req("PUT", "/bucket/key.json", "application/json"), true},             // an object upload
		{req("POST", "/bucket/key?uploads", "application/octet-stream"), true}, // CreateMultipartUpload
		{req("POST", "/", "application/x-www-form-urlencoded"), false},         // STS, IAM
		{req("GET", "/?Action=GetCallerIdentity&Version=2011-06-15", ""), false},
		{json, false},
	}
	for _, c := range cases {
		if got := mayBeS3(c.r); got != c.want {
			t.Errorf("mayBeS3(%s %s) = %v, want %v", c.r.Method, c.r.URL, got, c.want)
		}
	}
}

// TestNamedByPathPrefix: a service with a PathPrefix shares its signing name with another (Glue's Iceberg REST
// catalog and Glue's API): requests under the prefix go to it, the others to the service without one.
func TestNamedByPathPrefix(t *testing.T) {
	glue := &api.Service{Name: "glue"}
	iceberg := &api.Service{Name: "glue", PathPrefix: "/iceberg/"}
	s := &Server{byName: map[string]*api.Service{"glue": glue}, byPrefix: map[string][]*api.Service{"glue": {iceberg}}}
	cases := []struct {
		name, path string
		want       *api.Service
	}{
		{"glue", "/iceberg/v1/config", iceberg},
		{"glue", "/iceberg/v1/catalogs/111122223333/namespaces", iceberg},
		{"glue", "/", glue},
		{"glue", "/icebergs", glue},
		{"kms", "/iceberg/v1/config", nil},
	}
	for _, c := range cases {
		if got := s.named(c.name, c.path); got != c.want {
			t.Errorf("named(%q, %q) = %v, want %v", c.name, c.path, got, c.want)
		}
	}
}
