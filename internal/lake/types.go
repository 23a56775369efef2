package lake

import "time"

// DataLakeStatus is a data lake's createStatus or updateStatus.status.
type DataLakeStatus string

// The statuses of a data lake's creation and of its last update.
const (
	StatusInitialized DataLakeStatus = "INITIALIZED"
	StatusPending     DataLakeStatus = "PENDING"
	StatusCompleted   DataLakeStatus = "COMPLETED"
	StatusFailed      DataLakeStatus = "FAILED"
)

// S3ManagedKey is the kmsKeyId that puts a lake back on S3 managed keys (SSE-S3).
const S3ManagedKey = "S3_MANAGED_KEY"

// Encryption is a data lake's encryptionConfiguration.
type Encryption struct {
	KMSKeyID string `json:"kmsKeyId,omitempty"`
}

// Lifecycle is a data lake's lifecycleConfiguration: when objects expire and move to other storage classes.
type Lifecycle struct {
	Expiration  *Expiration  `json:"expiration,omitempty"`
	Transitions []Transition `json:"transitions,omitempty"`
}

// Expiration expires objects after Days.
type Expiration struct {
	Days *int `json:"days,omitempty"`
}

// Transition moves objects to StorageClass after Days.
type Transition struct {
	Days         *int   `json:"days,omitempty"`
	StorageClass string `json:"storageClass,omitempty"`
}

// Replication is a data lake's replicationConfiguration: the rollup regions it contributes to, and the role.
type Replication struct {
	Regions []string `json:"regions,omitempty"`
	RoleARN string   `json:"roleArn,omitempty"`
}

// Configuration is one region's configuration in CreateDataLake and UpdateDataLake.
type Configuration struct {
	Region      string       `json:"region"`
	Encryption  *Encryption  `json:"encryptionConfiguration,omitempty"`
	Lifecycle   *Lifecycle   `json:"lifecycleConfiguration,omitempty"`
	Replication *Replication `json:"replicationConfiguration,omitempty"`
}

// UpdateException is why the last update failed.
type UpdateException struct {
	Code   string `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// UpdateStatus is the status of a data lake's last UpdateDataLake or DeleteDataLake.
type UpdateStatus struct {
	RequestID string           `json:"requestId,omitempty"`
	Status    DataLakeStatus   `json:"status,omitempty"`
	Exception *UpdateException `json:"exception,omitempty"`
}

// DataLake is the record of an account's data lake in a region.
type DataLake struct {
	Account     string       `json:"account"`
	Region      string       `json:"region"`
	ARN         string       `json:"dataLakeArn"`
	BucketARN   string       `json:"s3BucketArn,omitempty"`
	Encryption  *Encryption  `json:"encryptionConfiguration,omitempty"`
	Lifecycle   *Lifecycle   `json:"lifecycleConfiguration,omitempty"`
	Replication *Replication `json:"replicationConfiguration,omitempty"`
	// MetaStoreRole is the metaStoreManagerRoleArn it was created with.
	MetaStoreRole string         `json:"metaStoreManagerRoleArn,omitempty"`
	CreateStatus  DataLakeStatus `json:"createStatus"`
	UpdateStatus  *UpdateStatus  `json:"updateStatus,omitempty"`
	// AppliedKey is the ARN of the KMS key the bucket was last switched to ("" for SSE-S3): what the lake's
	// files are written under, whatever a failed update asked for.
	AppliedKey string `json:"appliedKey,omitempty"`
	// Pending is the work the provisioning job has still to do: "create" or "update"; empty when none.
	Pending string    `json:"pending,omitempty"`
	Created time.Time `json:"created"`
	// keyApplied is set by the provisioning job when it switched the bucket's encryption.
	keyApplied bool
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Exception is an entry of ListDataLakeExceptions: a failure the lake hit, and what to do about it.
type Exception struct {
	Region      string    `json:"region"`
	Exception   string    `json:"exception"`
	Remediation string    `json:"remediation"`
	Timestamp   time.Time `json:"timestamp"`
}
