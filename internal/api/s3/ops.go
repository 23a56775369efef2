package s3

import (
	"context"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/api"
)

// buildOps makes the operations the router names.
func (h *handler) buildOps() {
	s := h.s
	read, write := true, false
	mgmt, data := false, true
	list := []*api.Op{
		h.op("ListBuckets", read, mgmt, h.listBuckets),
		h.op("CreateBucket", write, mgmt, h.createBucket),
		h.op("DeleteBucket", write, mgmt, h.deleteBucket),
		h.op("HeadBucket", read, mgmt, h.headBucket),
		h.op("GetBucketLocation", read, mgmt, h.getBucketLocation),
		h.op("GetBucketVersioning", read, mgmt, h.getBucketVersioning),
		h.op("GetBucketPolicy", read, mgmt, h.getBucketPolicy),
		h.op("PutBucketPolicy", write, mgmt, h.putBucketPolicy),
		h.op("DeleteBucketPolicy", write, mgmt, h.deleteBucketPolicy),
		h.op("GetBucketTagging", read, mgmt, h.getBucketTagging),
		h.op("PutBucketTagging", write, mgmt, h.putBucketTagging),
		h.op("DeleteBucketTagging", write, mgmt, deleteDoc(s.DeleteBucketTagging)),
		h.op("ListObjects", read, data, h.listObjects),
		h.op("ListObjectsV2", read, data, h.listObjectsV2),
		h.op("ListMultipartUploads", read, data, h.listMultipartUploads),
		h.op("PutObject", write, data, h.putObject),
		h.op("GetObject", read, data, h.getObject),
		h.op("HeadObject", read, data, h.headObject),
		h.op("DeleteObject", write, data, h.deleteObject),
		h.op("DeleteObjects", write, data, h.deleteObjects),
		h.op("CopyObject", write, data, h.copyObject),
		h.op("GetObjectTagging", read, data, h.getObjectTagging),
		h.op("PutObjectTagging", write, data, h.putObjectTagging),
		h.op("DeleteObjectTagging", write, data, h.deleteObjectTagging),
		h.op("CreateMultipartUpload", write, data, h.createMultipartUpload),
		h.op("UploadPart", write, data, h.uploadPart),
		h.op("UploadPartCopy", write, data, h.uploadPartCopy),
		h.op("CompleteMultipartUpload", write, data, h.completeMultipartUpload),
		h.op("AbortMultipartUpload", write, data, h.abortMultipartUpload),
		h.op("ListParts", read, data, h.listParts),
	}
	list = append(list, bucketConfig(h, [3]string{"GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"},
		encryptionDoc, s.GetBucketEncryption, s.PutBucketEncryption, s.DeleteBucketEncryption)...)
	list = append(list, bucketConfig(h, [3]string{"GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"},
		publicAccessBlockDoc, s.GetPublicAccessBlock, s.PutPublicAccessBlock, s.DeletePublicAccessBlock)...)
	list = append(list, bucketConfig(h, [3]string{"GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"},
		lifecycleDoc, s.GetBucketLifecycle, s.PutBucketLifecycle, s.DeleteBucketLifecycle)...)
	list = append(list, bucketConfig(h, [3]string{"GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", ""},
		notificationDoc, s.GetBucketNotification, s.PutBucketNotification, nil)...)
	list = append(list, bucketConfig(h, [3]string{"GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"},
		replicationDoc, s.GetBucketReplication, s.PutBucketReplication, s.DeleteBucketReplication)...)
	h.ops = api.Ops(list...)
}

// bucketConfig makes the get, put and delete operations of a bucket configuration sent and returned as the XML
// document doc.
func bucketConfig[D, W any](h *handler, names [3]string, doc xmlDoc[D, W], get func(context.Context, *actor.Caller, string) (*D, error),
	put func(context.Context, *actor.Caller, string, *D) error, del func(context.Context, *actor.Caller, string) error) []*api.Op {
	ops := []*api.Op{h.op(names[0], true, false, getDoc(doc, get)), h.op(names[1], false, false, putDoc(doc, put))}
	if del != nil {
		ops = append(ops, h.op(names[2], false, false, deleteDoc(del)))
	}
	return ops
}
