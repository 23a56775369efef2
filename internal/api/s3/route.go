package s3

import (
	"net/http"

	"github.com/seclake/seclake/internal/api"
)

// route picks the operation from the method, whether the path names a bucket or an object, and the
// subresource in the query.
func (h *handler) route(r *http.Request) *api.Op {
	if name := h.routeName(r); name != "" {
		return h.ops[name]
	}
	return nil
}

func (h *handler) routeName(r *http.Request) string {
	t := h.target(r)
	q := r.URL.Query()
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch {
	case t.bucket == "":
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return ""
	case t.hasKey:
		return h.objectRoute(r, has)
	}
	return h.bucketRoute(r, has)
}

// bucketSub maps a bucket subresource to its get, put and delete operations.
type bucketSub struct {
	name             string
	get, put, delete string
}

// subs are the bucket configuration subresources.
var subs = []bucketSub{
	{"policy", "GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"},
	{"encryption", "GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"},
	{"publicAccessBlock", "GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"},
	{"tagging", "GetBucketTagging", "PutBucketTagging", "DeleteBucketTagging"},
	{"lifecycle", "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"},
	{"notification", "GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", ""},
	{"replication", "GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"},
	{"ownershipControls", "GetBucketOwnershipControls", "PutBucketOwnershipControls", "DeleteBucketOwnershipControls"},
}

func (h *handler) bucketRoute(r *http.Request, has func(string) bool) string {
	for _, sub := range subs {
		if !has(sub.name) {
			continue
		}
		switch r.Method {
		case http.MethodGet:
			return sub.get
		case http.MethodPut:
			return sub.put
		case http.MethodDelete:
			return sub.delete
		}
		return ""
	}
	switch r.Method {
	case http.MethodGet:
		switch {
		case has("location"):
			return "GetBucketLocation"
		case has("uploads"):
			return "ListMultipartUploads"
		case has("versioning"):
			return "GetBucketVersioning"
		case has("versions"):
			return "ListObjectVersions"
		case has("policyStatus"):
			return "GetBucketPolicyStatus"
		case r.URL.Query().Get("list-type") == "2":
			return "ListObjectsV2"
		case has("acl") || has("cors") || has("website") || has("logging") || has("object-lock") || has("ownershipControls") || has("accelerate") || has("requestPayment") || has("analytics") || has("metrics") || has("inventory") || has("intelligent-tiering") || has("policyStatus"):
			return ""
		}
		return "ListObjects"
	case http.MethodPut:
		if len(r.URL.RawQuery) == 0 {
			return "CreateBucket"
		}
		if has("versioning") {
			return "PutBucketVersioning"
		}
	case http.MethodDelete:
		if len(r.URL.RawQuery) == 0 {
			return "DeleteBucket"
		}
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPost:
		if has("delete") {
			return "DeleteObjects"
		}
	}
	return ""
}

func (h *handler) objectRoute(r *http.Request, has func(string) bool) string {
	copySource := r.Header.Get("X-Amz-Copy-Source") != ""
	switch r.Method {
	case http.MethodGet:
		switch {
		case has("uploadId"):
			return "ListParts"
		case has("tagging"):
			return "GetObjectTagging"
		case has("attributes"):
			return "GetObjectAttributes"
		case has("acl") || has("retention") || has("legal-hold") || has("torrent"):
			return ""
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodPut:
		switch {
		case has("uploadId") && has("partNumber"):
			if copySource {
				return "UploadPartCopy"
			}
			return "UploadPart"
		case has("tagging"):
			return "PutObjectTagging"
		case has("acl") || has("retention") || has("legal-hold"):
			return ""
		case copySource:
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodPost:
		switch {
		case has("uploads"):
			return "CreateMultipartUpload"
		case has("uploadId"):
			return "CompleteMultipartUpload"
		}
	case http.MethodDelete:
		switch {
		case has("uploadId"):
			return "AbortMultipartUpload"
		case has("tagging"):
			return "DeleteObjectTagging"
		}
		return "DeleteObject"
	}
	return ""
}
