package objstore

// The bucket configurations as S3 defines them: default encryption, public access block, tags, lifecycle,
// notifications and replication. Their XML documents live with the API (internal/api/s3), which converts them
// to and from these types. A bucket is stored as the JSON of Bucket, so these field names are a storage format:
// renaming one loses what was stored under the old name.

// SSE algorithms as S3 spells them.
const (
	SSEAES256  = "AES256"
	SSEKMS     = "aws:kms"
	SSEKMSDSSE = "aws:kms:dsse"
)

// Encryption is a bucket's default encryption (a ServerSideEncryptionConfiguration).
type Encryption struct {
	Rules []EncryptionRule
}

// EncryptionRule is one rule of a bucket's default encryption.
type EncryptionRule struct {
	Default          *EncryptionDefault // ApplyServerSideEncryptionByDefault
	BucketKeyEnabled *bool
}

// EncryptionDefault is the encryption applied to objects written without their own.
type EncryptionDefault struct {
	SSEAlgorithm   string // SSEAES256, SSEKMS or SSEKMSDSSE
	KMSMasterKeyID string // the KMS key of SSEKMS and SSEKMSDSSE; empty for the AWS managed key aws/s3
}

// PublicAccessBlock is a bucket's public access block (a PublicAccessBlockConfiguration).
type PublicAccessBlock struct {
	BlockPublicAcls       bool
	IgnorePublicAcls      bool
	BlockPublicPolicy     bool
	RestrictPublicBuckets bool
}

// Tag is a key/value tag of a bucket or an object.
type Tag struct {
	Key   string
	Value string
}

// Lifecycle is a bucket's lifecycle configuration.
type Lifecycle struct {
	Rules []LifecycleRule
}

// LifecycleRule is one lifecycle rule. It selects objects by the legacy Prefix or by Filter, never both.
type LifecycleRule struct {
	ID                             string
	Prefix                         *string
	Filter                         *LifecycleFilter
	Status                         string // "Enabled" or "Disabled"
	Expiration                     *LifecycleExpiration
	Transitions                    []LifecycleTransition
	AbortIncompleteMultipartUpload *LifecycleAbortUpload
	NoncurrentVersionExpiration    *LifecycleNoncurrentExpiration
}

// LifecycleAbortUpload aborts multipart uploads left incomplete for DaysAfterInitiation days.
type LifecycleAbortUpload struct {
	DaysAfterInitiation int
}

// LifecycleNoncurrentExpiration expires noncurrent versions NoncurrentDays after they became noncurrent,
// keeping the NewerNoncurrentVersions newest noncurrent versions (0: none kept).
type LifecycleNoncurrentExpiration struct {
	NoncurrentDays          int
	NewerNoncurrentVersions int `json:",omitempty"`
}

// LifecycleFilter selects the objects a rule applies to: by one condition, or by all of And's.
type LifecycleFilter struct {
	Prefix                *string
	Tag                   *Tag
	ObjectSizeGreaterThan *int64
	ObjectSizeLessThan    *int64
	And                   *LifecycleAnd
}

// LifecycleAnd is a filter whose conditions must all hold.
type LifecycleAnd struct {
	Prefix                *string
	Tags                  []Tag
	ObjectSizeGreaterThan *int64
	ObjectSizeLessThan    *int64
}

// LifecycleExpiration expires objects after Days or on Date.
type LifecycleExpiration struct {
	Days                      int
	Date                      string
	ExpiredObjectDeleteMarker *bool
	// DaysGiven is set when the request has a Days element, so that Days 0 is refused as S3 refuses it.
	DaysGiven bool `json:"-"`
}

// LifecycleTransition moves objects to another storage class after Days or on Date.
type LifecycleTransition struct {
	Days         int
	Date         string
	StorageClass string
}

// Notification is a bucket's notification configuration: where its events are sent.
type Notification struct {
	Topics      []NotificationTarget
	Queues      []NotificationTarget
	Functions   []NotificationTarget
	EventBridge *struct{} // non-nil when every event also goes to EventBridge
}

// NotificationTarget is a topic, queue or function and the events it receives. Exactly one of Topic, Queue
// and Function is set.
type NotificationTarget struct {
	ID       string
	Topic    string
	Queue    string
	Function string
	Events   []string
	Filter   *NotificationFilter
}

// NotificationFilter selects events by their object's key.
type NotificationFilter struct {
	Rules []FilterRule
}

// FilterRule is a key name filter: Name is "prefix" or "suffix".
type FilterRule struct {
	Name  string
	Value string
}

// Replication is a bucket's replication configuration.
type Replication struct {
	Role  string // the IAM role S3 assumes to replicate
	Rules []ReplicationRule
}

// ReplicationRule is one replication rule. It selects objects by the legacy Prefix or by Filter.
type ReplicationRule struct {
	ID                      string
	Priority                *int
	Prefix                  *string
	Filter                  *LifecycleFilter
	Status                  string // "Enabled" or "Disabled"
	SourceSelectionCriteria *ReplicationSourceSelection
	Destination             ReplicationDestination
	DeleteMarkerReplication *ReplicationSwitch
}

// ReplicationSourceSelection selects objects by how they are encrypted.
type ReplicationSourceSelection struct {
	SseKmsEncryptedObjects *ReplicationSwitch
}

// ReplicationDestination is the bucket replicas are written to.
type ReplicationDestination struct {
	Bucket                  string // the bucket's ARN
	Account                 string
	StorageClass            string
	EncryptionConfiguration *ReplicationEncryption
}

// ReplicationEncryption is the KMS key that encrypts replicas.
type ReplicationEncryption struct {
	ReplicaKmsKeyID string
}

// ReplicationSwitch turns a replication feature on or off: Status is "Enabled" or "Disabled".
type ReplicationSwitch struct {
	Status string
}

// StorageClasses are the storage classes S3 accepts. seclake stores every class alike and reports the class.
var StorageClasses = map[string]bool{"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true,
	"ONEZONE_IA": true, "INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true}
