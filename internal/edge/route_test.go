package edge

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
