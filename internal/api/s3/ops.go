package s3

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/objstore"
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
		h.op("GetBucketEncryption", read, mgmt, getDoc(func(ctx context.Context, c *api.Call, b string) (*objstore.Encryption, error) {
			return s.GetBucketEncryption(ctx, c.Caller, b)
		}, func(d *objstore.Encryption) { d.XMLNS = Namespace })),
		h.op("PutBucketEncryption", write, mgmt, putDoc(func(ctx context.Context, c *api.Call, b string, d *objstore.Encryption) error {
			return s.PutBucketEncryption(ctx, c.Caller, b, d)
		})),
		h.op("DeleteBucketEncryption", write, mgmt, deleteDoc(func(ctx context.Context, c *api.Call, b string) error {
			return s.DeleteBucketEncryption(ctx, c.Caller, b)
		})),
		h.op("GetPublicAccessBlock", read, mgmt, getDoc(func(ctx context.Context, c *api.Call, b string) (*objstore.PublicAccessBlock, error) {
			return s.GetPublicAccessBlock(ctx, c.Caller, b)
		}, func(d *objstore.PublicAccessBlock) { d.XMLNS = Namespace })),
		h.op("PutPublicAccessBlock", write, mgmt, putDoc(func(ctx context.Context, c *api.Call, b string, d *objstore.PublicAccessBlock) error {
			return s.PutPublicAccessBlock(ctx, c.Caller, b, d)
		})),
		h.op("DeletePublicAccessBlock", write, mgmt, deleteDoc(func(ctx context.Context, c *api.Call, b string) error {
			return s.DeletePublicAccessBlock(ctx, c.Caller, b)
		})),
		h.op("GetBucketTagging", read, mgmt, h.getBucketTagging),
		h.op("PutBucketTagging", write, mgmt, h.putBucketTagging),
		h.op("DeleteBucketTagging", write, mgmt, deleteDoc(func(ctx context.Context, c *api.Call, b string) error {
			return s.DeleteBucketTagging(ctx, c.Caller, b)
		})),
		h.op("GetBucketLifecycleConfiguration", read, mgmt, getDoc(func(ctx context.Context, c *api.Call, b string) (*objstore.Lifecycle, error) {
			return s.GetBucketLifecycle(ctx, c.Caller, b)
		}, func(d *objstore.Lifecycle) { d.XMLNS = Namespace })),
		h.op("PutBucketLifecycleConfiguration", write, mgmt, putDoc(func(ctx context.Context, c *api.Call, b string, d *objstore.Lifecycle) error {
			return s.PutBucketLifecycle(ctx, c.Caller, b, d)
		})),
		h.op("DeleteBucketLifecycle", write, mgmt, deleteDoc(func(ctx context.Context, c *api.Call, b string) error {
			return s.DeleteBucketLifecycle(ctx, c.Caller, b)
		})),
		h.op("GetBucketNotificationConfiguration", read, mgmt, getDoc(func(ctx context.Context, c *api.Call, b string) (*objstore.Notification, error) {
			return s.GetBucketNotification(ctx, c.Caller, b)
		}, func(d *objstore.Notification) { d.XMLNS = Namespace })),
		h.op("PutBucketNotificationConfiguration", write, mgmt, putDoc(func(ctx context.Context, c *api.Call, b string, d *objstore.Notification) error {
			return s.PutBucketNotification(ctx, c.Caller, b, d)
		})),
		h.op("GetBucketReplication", read, mgmt, getDoc(func(ctx context.Context, c *api.Call, b string) (*objstore.Replication, error) {
			return s.GetBucketReplication(ctx, c.Caller, b)
		}, func(d *objstore.Replication) { d.XMLNS = Namespace })),
		h.op("PutBucketReplication", write, mgmt, putDoc(func(ctx context.Context, c *api.Call, b string, d *objstore.Replication) error {
			return s.PutBucketReplication(ctx, c.Caller, b, d)
		})),
		h.op("DeleteBucketReplication", write, mgmt, deleteDoc(func(ctx context.Context, c *api.Call, b string) error {
			return s.DeleteBucketReplication(ctx, c.Caller, b)
		})),
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
	h.ops = api.Ops(list...)
}
