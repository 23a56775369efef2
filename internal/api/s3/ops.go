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
		h.op("ListBuckets", "s3:ListAllMyBuckets", read, mgmt, h.listBuckets),
		h.op("CreateBucket", "s3:CreateBucket", write, mgmt, h.createBucket),
		h.op("DeleteBucket", "s3:DeleteBucket", write, mgmt, h.deleteBucket),
		h.op("HeadBucket", "s3:ListBucket", read, mgmt, h.headBucket),
		h.op("GetBucketLocation", "s3:GetBucketLocation", read, mgmt, h.getBucketLocation),
		h.op("GetBucketVersioning", "s3:GetBucketVersioning", read, mgmt, h.getBucketVersioning),
		h.op("PutBucketVersioning", "s3:PutBucketVersioning", write, mgmt, h.putBucketVersioning),
		h.op("ListObjectVersions", "s3:ListBucketVersions", read, data, h.listObjectVersions),
		h.op("GetBucketPolicy", "s3:GetBucketPolicy", read, mgmt, h.getBucketPolicy),
		h.op("PutBucketPolicy", "s3:PutBucketPolicy", write, mgmt, h.putBucketPolicy),
		h.op("DeleteBucketPolicy", "s3:DeleteBucketPolicy", write, mgmt, h.deleteBucketPolicy),
		h.op("GetBucketTagging", "s3:GetBucketTagging", read, mgmt, h.getBucketTagging),
		h.op("PutBucketTagging", "s3:PutBucketTagging", write, mgmt, h.putBucketTagging),
		h.op("DeleteBucketTagging", "s3:PutBucketTagging", write, mgmt, deleteDoc(s.DeleteBucketTagging)),
		h.op("ListObjects", "s3:ListBucket", read, data, h.listObjects),
		h.op("ListObjectsV2", "s3:ListBucket", read, data, h.listObjectsV2),
		h.op("ListMultipartUploads", "s3:ListBucketMultipartUploads", read, data, h.listMultipartUploads),
		h.op("PutObject", "s3:PutObject", write, data, h.putObject),
		h.op("GetObject", "s3:GetObject", read, data, h.getObject),
		h.op("HeadObject", "s3:GetObject", read, data, h.headObject),
		h.op("DeleteObject", "s3:DeleteObject", write, data, h.deleteObject),
		h.op("DeleteObjects", "s3:DeleteObject", write, data, h.deleteObjects),
		h.op("CopyObject", "s3:PutObject", write, data, h.copyObject),
		h.op("GetObjectTagging", "s3:GetObjectTagging", read, data, h.getObjectTagging),
		h.op("PutObjectTagging", "s3:PutObjectTagging", write, data, h.putObjectTagging),
		h.op("DeleteObjectTagging", "s3:DeleteObjectTagging", write, data, h.deleteObjectTagging),
		h.op("CreateMultipartUpload", "s3:PutObject", write, data, h.createMultipartUpload),
		h.op("UploadPart", "s3:PutObject", write, data, h.uploadPart),
		h.op("UploadPartCopy", "s3:PutObject", write, data, h.uploadPartCopy),
		h.op("CompleteMultipartUpload", "s3:PutObject", write, data, h.completeMultipartUpload),
		h.op("AbortMultipartUpload", "s3:AbortMultipartUpload", write, data, h.abortMultipartUpload),
		h.op("ListParts", "s3:ListMultipartUploadParts", read, data, h.listParts),
		h.op("GetObjectAttributes", "s3:GetObjectAttributes", read, data, h.getObjectAttributes),
	}
	// A configuration's operations and the actions that govern them (deleting one is putting it, to IAM).
	list = append(list, bucketConfig(h, [3]string{"GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"},
		[2]string{"s3:GetEncryptionConfiguration", "s3:PutEncryptionConfiguration"},
		encryptionDoc, s.GetBucketEncryption, s.PutBucketEncryption, s.DeleteBucketEncryption)...)
	list = append(list, bucketConfig(h, [3]string{"GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"},
		[2]string{"s3:GetBucketPublicAccessBlock", "s3:PutBucketPublicAccessBlock"},
		publicAccessBlockDoc, s.GetPublicAccessBlock, s.PutPublicAccessBlock, s.DeletePublicAccessBlock)...)
	list = append(list, bucketConfig(h, [3]string{"GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"},
		[2]string{"s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration"},
		lifecycleDoc, s.GetBucketLifecycle, s.PutBucketLifecycle, s.DeleteBucketLifecycle)...)
	list = append(list, bucketConfig(h, [3]string{"GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", ""},
		[2]string{"s3:GetBucketNotification", "s3:PutBucketNotification"},
		notificationDoc, s.GetBucketNotification, s.PutBucketNotification, nil)...)
	list = append(list, bucketConfig(h, [3]string{"GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"},
		[2]string{"s3:GetReplicationConfiguration", "s3:PutReplicationConfiguration"},
		replicationDoc, s.GetBucketReplication, s.PutBucketReplication, s.DeleteBucketReplication)...)
	list = append(list, bucketConfig(h, [3]string{"GetBucketOwnershipControls", "PutBucketOwnershipControls", "DeleteBucketOwnershipControls"},
		[2]string{"s3:GetBucketOwnershipControls", "s3:PutBucketOwnershipControls"},
		ownershipDoc, s.GetBucketOwnershipControls, s.PutBucketOwnershipControls, s.DeleteBucketOwnershipControls)...)
	list = append(list, h.op("GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", read, mgmt, h.getBucketPolicyStatus))
	// Operations that act on a version when the request names one authorize the version's action instead; the
	// writes of replicas from another server (objstore.ReplicaVersionHeader) authorize the replication actions.
	versionActions := map[string][]string{"GetObject": {"s3:GetObjectVersion"}, "HeadObject": {"s3:GetObjectVersion"},
		"GetObjectAttributes": {"s3:GetObjectVersionAttributes"}, "PutObject": {"s3:ReplicateObject"},
		"DeleteObject": {"s3:DeleteObjectVersion", "s3:ReplicateDelete"}, "DeleteObjects": {"s3:DeleteObjectVersion"},
		"GetObjectTagging": {"s3:GetObjectVersionTagging"}, "PutObjectTagging": {"s3:PutObjectVersionTagging"},
		"DeleteObjectTagging": {"s3:DeleteObjectVersionTagging"}}
	for _, op := range list {
		if op.Name == "CopyObject" || op.Name == "UploadPartCopy" {
			op.Also = []string{"s3:GetObject"} // of the source
		}
		op.Or = versionActions[op.Name]
	}
	h.ops = api.Ops(list...)
}

// bucketConfig makes the get, put and delete operations of a bucket configuration sent and returned as the XML
// document doc, governed by the get and put actions.
func bucketConfig[D, W any](h *handler, names [3]string, actions [2]string, doc xmlDoc[D, W], get func(context.Context, *actor.Caller, string) (*D, error),
	put func(context.Context, *actor.Caller, string, *D) error, del func(context.Context, *actor.Caller, string) error) []*api.Op {
	ops := []*api.Op{h.op(names[0], actions[0], true, false, getDoc(doc, get)), h.op(names[1], actions[1], false, false, putDoc(doc, put))}
	if del != nil {
		ops = append(ops, h.op(names[2], actions[1], false, false, deleteDoc(del)))
	}
	return ops
}
