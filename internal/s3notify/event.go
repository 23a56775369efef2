package s3notify

import (
	"encoding/json"
	"strings"

	"github.com/seclake/seclake/internal/objstore"
)

// busEvent renders an S3 event as the EventBridge event S3 puts on the default bus (S3 User Guide, "EventBridge
// event message structure"): "Object Created" for ObjectCreated:*, "Object Deleted" for ObjectRemoved:*.
func busEvent(e *objstore.Event) (ServiceEvent, error) {
	type m = map[string]any
	detailType, reason := "Object Created", "PutObject"
	detail := m{"version": "0", "bucket": m{"name": e.Bucket},
		"object":     m{"key": e.Key, "size": e.Size, "etag": strings.Trim(e.ETag, `"`), "sequencer": e.Sequencer},
		"request-id": e.RequestID, "requester": e.Owner, "source-ip-address": e.SourceIP}
	switch {
	case strings.HasPrefix(e.Name, "ObjectRemoved:"):
		detailType, reason = "Object Deleted", "DeleteObject"
		detail["object"] = m{"key": e.Key, "sequencer": e.Sequencer}
		detail["deletion-type"] = "Permanently Deleted"
		if e.Name == "ObjectRemoved:DeleteMarkerCreated" {
			detail["deletion-type"] = "Delete Marker Created"
		}
	case e.Name == "ObjectCreated:Copy":
		reason = "CopyObject"
	case e.Name == "ObjectCreated:CompleteMultipartUpload":
		reason = "CompleteMultipartUpload"
	}
	detail["reason"] = reason
	b, err := json.Marshal(detail)
	if err != nil {
		return ServiceEvent{}, err
	}
	return ServiceEvent{Account: e.Owner, Region: e.Region, Source: "aws.s3", DetailType: detailType, Time: e.Time,
		Resources: []string{objstore.BucketARN(e.Bucket)}, Detail: b}, nil
}

// TestMessage is the s3:TestEvent S3 sends to a queue when a configuration names it.
func TestMessage(bucket, requestID string, at string) string {
	b, _ := json.Marshal(map[string]string{"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": at, "Bucket": bucket,
		"RequestId": requestID, "HostId": requestID})
	return string(b)
}
