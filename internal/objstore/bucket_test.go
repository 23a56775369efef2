package objstore

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// storedBuckets are bucket records as seclake has stored them: every configuration with every field set, and
// configurations with fields absent. They pin the JSON form of Bucket, which is a storage format.
var storedBuckets = []string{
	`{"Name":"b","Owner":"111122223333","Region":"us-east-1","Created":"2026-01-02T03:04:05.006Z",` +
		`"Encryption":{"Rules":[{"Default":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"arn:aws:kms:us-east-1:111122223333:key/k"},"BucketKeyEnabled":true}]},` +
		`"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[]}",` +
		`"PublicAccessBlock":{"BlockPublicAcls":true,"IgnorePublicAcls":false,"BlockPublicPolicy":false,"RestrictPublicBuckets":true},` +
		`"Tags":[{"Key":"team","Value":"sec"}],` +
		`"Lifecycle":{"Rules":[` +
		`{"ID":"a","Prefix":null,"Filter":{"Prefix":"logs/","Tag":{"Key":"k","Value":"v"},"ObjectSizeGreaterThan":10,"ObjectSizeLessThan":1000,"And":null},"Status":"Enabled",` +
		`"Expiration":{"Days":30,"Date":"","ExpiredObjectDeleteMarker":false},` +
		`"Transitions":[{"Days":7,"Date":"","StorageClass":"GLACIER"},{"Days":0,"Date":"2027-01-01T00:00:00Z","StorageClass":"DEEP_ARCHIVE"}],` +
		`"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":2},"NoncurrentVersionExpiration":{"NoncurrentDays":3}},` +
		`{"ID":"","Prefix":"logs/","Filter":{"Prefix":null,"Tag":null,"ObjectSizeGreaterThan":null,"ObjectSizeLessThan":null,` +
		`"And":{"Prefix":"logs/","Tags":[{"Key":"a","Value":"b"},{"Key":"c","Value":"d"}],"ObjectSizeGreaterThan":10,"ObjectSizeLessThan":1000}},"Status":"Disabled",` +
		`"Expiration":{"Days":0,"Date":"2027-01-01T00:00:00Z","ExpiredObjectDeleteMarker":null},"Transitions":null,"AbortIncompleteMultipartUpload":null,"NoncurrentVersionExpiration":null}]},` +
		`"Notification":{` +
		`"Topics":[{"ID":"t","Topic":"arn:aws:sns:us-east-1:111122223333:t","Queue":"","Function":"","Events":["s3:ObjectRemoved:*"],"Filter":null}],` +
		`"Queues":[{"ID":"q","Topic":"","Queue":"arn:aws:sqs:us-east-1:111122223333:q","Function":"","Events":["s3:ObjectCreated:*"],"Filter":{"Rules":[{"Name":"prefix","Value":"AWSLogs/"},{"Name":"suffix","Value":".gz"}]}}],` +
		`"Functions":[{"ID":"","Topic":"","Queue":"","Function":"arn:aws:lambda:us-east-1:111122223333:function:f","Events":["s3:ObjectCreated:Put"],"Filter":null}],` +
		`"EventBridge":{}},` +
		`"Replication":{"Role":"arn:aws:iam::111122223333:role/r","Rules":[` +
		`{"ID":"r1","Priority":1,"Prefix":null,"Filter":{"Prefix":"logs/","Tag":null,"ObjectSizeGreaterThan":null,"ObjectSizeLessThan":null,"And":null},"Status":"Enabled",` +
		`"SourceSelectionCriteria":{"SseKmsEncryptedObjects":{"Status":"Enabled"}},` +
		`"Destination":{"Bucket":"arn:aws:s3:::dst","Account":"444455556666","StorageClass":"STANDARD_IA","EncryptionConfiguration":{"ReplicaKmsKeyID":"arn:aws:kms:us-east-1:444455556666:key/k"}},` +
		`"DeleteMarkerReplication":{"Status":"Disabled"}},` +
		`{"ID":"","Priority":null,"Prefix":"logs/","Filter":null,"Status":"Disabled","SourceSelectionCriteria":null,` +
		`"Destination":{"Bucket":"arn:aws:s3:::dst","Account":"","StorageClass":"","EncryptionConfiguration":null},"DeleteMarkerReplication":null}]}}`,

	`{"Name":"b","Owner":"111122223333","Region":"us-east-1","Created":"2026-01-02T03:04:05.006Z",` +
		`"Encryption":{"Rules":[{"Default":{"SSEAlgorithm":"AES256","KMSMasterKeyID":""},"BucketKeyEnabled":null}]},` +
		`"Lifecycle":{"Rules":[{"ID":"","Prefix":null,"Filter":null,"Status":"","Expiration":null,"Transitions":null,"AbortIncompleteMultipartUpload":null,"NoncurrentVersionExpiration":null}]},` +
		`"Notification":{"Topics":null,"Queues":null,"Functions":null,"EventBridge":null},` +
		`"Replication":{"Role":"","Rules":null}}`,
}

// TestBucketRecordJSON reads stored bucket records and writes them back unchanged: no stored field is lost and
// none is renamed.
func TestBucketRecordJSON(t *testing.T) {
	for i, stored := range storedBuckets {
		var b Bucket
		require.NoError(t, json.Unmarshal([]byte(stored), &b), "record %d", i)
		again, err := json.Marshal(&b)
		require.NoError(t, err)
		require.Equal(t, stored, string(again), "record %d", i)
	}
	var b Bucket
	require.NoError(t, json.Unmarshal([]byte(storedBuckets[0]), &b))
	require.Equal(t, 2, b.Lifecycle.Rules[0].AbortIncompleteMultipartUpload.DaysAfterInitiation)
	require.Equal(t, "logs/", *b.Lifecycle.Rules[1].Filter.And.Prefix)
	require.Equal(t, ".gz", b.Notification.Queues[0].Filter.Rules[1].Value)
	require.NotNil(t, b.Notification.EventBridge)
	require.Equal(t, "Enabled", b.Replication.Rules[0].SourceSelectionCriteria.SseKmsEncryptedObjects.Status)
	require.Equal(t, "arn:aws:kms:us-east-1:444455556666:key/k", b.Replication.Rules[0].Destination.EncryptionConfiguration.ReplicaKmsKeyID)
}
