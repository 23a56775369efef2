package s3

import (
	"net/http"
)

// unimplementedSub names the operations of an S3 subresource seclake does not implement: on a bucket, on an
// object, by method.
type unimplementedSub struct {
	query          string
	bucket, object map[string]string
}

var unimplemented = []unimplementedSub{
	{"acl", ops3("GetBucketAcl", "PutBucketAcl", ""), ops3("GetObjectAcl", "PutObjectAcl", "")},
	{"cors", ops3("GetBucketCors", "PutBucketCors", "DeleteBucketCors"), nil},
	{"website", ops3("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"), nil},
	{"logging", ops3("GetBucketLogging", "PutBucketLogging", ""), nil},
	{"object-lock", ops3("GetObjectLockConfiguration", "PutObjectLockConfiguration", ""), nil},
	{"accelerate", ops3("GetBucketAccelerateConfiguration", "PutBucketAccelerateConfiguration", ""), nil},
	{"requestPayment", ops3("GetBucketRequestPayment", "PutBucketRequestPayment", ""), nil},
	{"analytics", ops3("GetBucketAnalyticsConfiguration", "PutBucketAnalyticsConfiguration", "DeleteBucketAnalyticsConfiguration"), nil},
	{"metrics", ops3("GetBucketMetricsConfiguration", "PutBucketMetricsConfiguration", "DeleteBucketMetricsConfiguration"), nil},
	{"inventory", ops3("GetBucketInventoryConfiguration", "PutBucketInventoryConfiguration", "DeleteBucketInventoryConfiguration"), nil},
	{"intelligent-tiering", ops3("GetBucketIntelligentTieringConfiguration", "PutBucketIntelligentTieringConfiguration", "DeleteBucketIntelligentTieringConfiguration"), nil},
	{"retention", nil, ops3("GetObjectRetention", "PutObjectRetention", "")},
	{"legal-hold", nil, ops3("GetObjectLegalHold", "PutObjectLegalHold", "")},
	{"torrent", nil, ops3("GetObjectTorrent", "", "")},
	{"restore", nil, map[string]string{http.MethodPost: "RestoreObject"}},
	{"select", nil, map[string]string{http.MethodPost: "SelectObjectContent"}},
}

func ops3(get, put, del string) map[string]string {
	m := map[string]string{}
	for method, name := range map[string]string{http.MethodGet: get, http.MethodPut: put, http.MethodDelete: del} {
		if name != "" {
			m[method] = name
		}
	}
	return m
}

// unimplementedName returns the S3 operation a request that no served operation matches asks for, or "".
func (h *handler) unimplementedName(r *http.Request) string {
	t := h.target(r)
	q := r.URL.Query()
	if t.bucket == "" {
		return ""
	}
	for _, u := range unimplemented {
		if _, ok := q[u.query]; !ok {
			continue
		}
		if t.hasKey {
			return u.object[r.Method]
		}
		return u.bucket[r.Method]
	}
	if !t.hasKey && r.Method == http.MethodPost {
		return "PostObject" // browser-based uploads (HTML forms)
	}
	return ""
}
