package objstore

import "encoding/xml"

// The bucket configurations, shaped as S3's XML documents so the API decodes into them directly. XMLNS is
// set by the API layer when it encodes a document.

// SSE algorithms as S3 spells them.
const (
	SSEAES256  = "AES256"
	SSEKMS     = "aws:kms"
	SSEKMSDSSE = "aws:kms:dsse"
)

// Encryption is a ServerSideEncryptionConfiguration.
type Encryption struct {
	XMLName xml.Name         `xml:"ServerSideEncryptionConfiguration" json:"-"`
	XMLNS   string           `xml:"xmlns,attr,omitempty" json:"-"`
	Rules   []EncryptionRule `xml:"Rule"`
}

// EncryptionRule is one rule of a bucket's default encryption.
type EncryptionRule struct {
	Default          *EncryptionDefault `xml:"ApplyServerSideEncryptionByDefault,omitempty"`
	BucketKeyEnabled *bool              `xml:"BucketKeyEnabled,omitempty"`
}

// EncryptionDefault is ApplyServerSideEncryptionByDefault.
type EncryptionDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

// PublicAccessBlock is a PublicAccessBlockConfiguration.
type PublicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration" json:"-"`
	XMLNS                 string   `xml:"xmlns,attr,omitempty" json:"-"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

// Tag is a key/value tag.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// Tagging is a Tagging document (bucket or object tags).
type Tagging struct {
	XMLName xml.Name `xml:"Tagging" json:"-"`
	XMLNS   string   `xml:"xmlns,attr,omitempty" json:"-"`
	TagSet  []Tag    `xml:"TagSet>Tag"`
}

// Lifecycle is a LifecycleConfiguration.
type Lifecycle struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration" json:"-"`
	XMLNS   string          `xml:"xmlns,attr,omitempty" json:"-"`
	Rules   []LifecycleRule `xml:"Rule"`
}

// LifecycleRule is one lifecycle rule.
type LifecycleRule struct {
	ID                             string                `xml:"ID,omitempty"`
	Prefix                         *string               `xml:"Prefix,omitempty"`
	Filter                         *LifecycleFilter      `xml:"Filter,omitempty"`
	Status                         string                `xml:"Status"`
	Expiration                     *LifecycleExpiration  `xml:"Expiration,omitempty"`
	Transitions                    []LifecycleTransition `xml:"Transition,omitempty"`
	AbortIncompleteMultipartUpload *struct {
		DaysAfterInitiation int `xml:"DaysAfterInitiation"`
	} `xml:"AbortIncompleteMultipartUpload,omitempty"`
	NoncurrentVersionExpiration *struct {
		NoncurrentDays int `xml:"NoncurrentDays"`
	} `xml:"NoncurrentVersionExpiration,omitempty"`
}

// LifecycleFilter selects the objects a rule applies to.
type LifecycleFilter struct {
	Prefix                *string `xml:"Prefix,omitempty"`
	Tag                   *Tag    `xml:"Tag,omitempty"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan,omitempty"`
	And                   *struct {
		Prefix                *string `xml:"Prefix,omitempty"`
		Tags                  []Tag   `xml:"Tag,omitempty"`
		ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan,omitempty"`
		ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan,omitempty"`
	} `xml:"And,omitempty"`
}

// LifecycleExpiration expires objects after Days or on Date.
type LifecycleExpiration struct {
	Days                      int    `xml:"Days,omitempty"`
	Date                      string `xml:"Date,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

// LifecycleTransition moves objects to another storage class after Days or on Date.
type LifecycleTransition struct {
	Days         int    `xml:"Days,omitempty"`
	Date         string `xml:"Date,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

// Notification is a NotificationConfiguration.
type Notification struct {
	XMLName     xml.Name             `xml:"NotificationConfiguration" json:"-"`
	XMLNS       string               `xml:"xmlns,attr,omitempty" json:"-"`
	Topics      []NotificationTarget `xml:"TopicConfiguration,omitempty"`
	Queues      []NotificationTarget `xml:"QueueConfiguration,omitempty"`
	Functions   []NotificationTarget `xml:"CloudFunctionConfiguration,omitempty"`
	EventBridge *struct{}            `xml:"EventBridgeConfiguration,omitempty"`
}

// NotificationTarget is a topic, queue or function configuration.
type NotificationTarget struct {
	ID       string   `xml:"Id,omitempty"`
	Topic    string   `xml:"Topic,omitempty"`
	Queue    string   `xml:"Queue,omitempty"`
	Function string   `xml:"CloudFunction,omitempty"`
	Events   []string `xml:"Event"`
	Filter   *struct {
		Rules []FilterRule `xml:"S3Key>FilterRule"`
	} `xml:"Filter,omitempty"`
}

// FilterRule is a key name filter: Name is "prefix" or "suffix".
type FilterRule struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

// Replication is a ReplicationConfiguration.
type Replication struct {
	XMLName xml.Name          `xml:"ReplicationConfiguration" json:"-"`
	XMLNS   string            `xml:"xmlns,attr,omitempty" json:"-"`
	Role    string            `xml:"Role"`
	Rules   []ReplicationRule `xml:"Rule"`
}

// ReplicationRule is one replication rule.
type ReplicationRule struct {
	ID                      string           `xml:"ID,omitempty"`
	Priority                *int             `xml:"Priority,omitempty"`
	Prefix                  *string          `xml:"Prefix,omitempty"`
	Filter                  *LifecycleFilter `xml:"Filter,omitempty"`
	Status                  string           `xml:"Status"`
	SourceSelectionCriteria *struct {
		SseKmsEncryptedObjects *struct {
			Status string `xml:"Status"`
		} `xml:"SseKmsEncryptedObjects,omitempty"`
	} `xml:"SourceSelectionCriteria,omitempty"`
	Destination struct {
		Bucket                  string `xml:"Bucket"`
		Account                 string `xml:"Account,omitempty"`
		StorageClass            string `xml:"StorageClass,omitempty"`
		EncryptionConfiguration *struct {
			ReplicaKmsKeyID string `xml:"ReplicaKmsKeyID"`
		} `xml:"EncryptionConfiguration,omitempty"`
	} `xml:"Destination"`
	DeleteMarkerReplication *struct {
		Status string `xml:"Status"`
	} `xml:"DeleteMarkerReplication,omitempty"`
}

// StorageClasses are the storage classes S3 accepts. seclake stores every class alike and reports the class.
var StorageClasses = map[string]bool{"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true,
	"ONEZONE_IA": true, "INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "GLACIER_IR": true,
	"OUTPOSTS": true, "SNOW": true, "EXPRESS_ONEZONE": true}
