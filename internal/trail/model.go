package trail

import (
	"strings"
	"time"
)

// Trail is a trail's configuration.
type Trail struct {
	Name       string
	Account    string
	HomeRegion string
	// S3BucketName and S3KeyPrefix are where log files go.
	S3BucketName string
	S3KeyPrefix  string `json:",omitempty"`
	// KmsKeyID is the ARN of the KMS key that encrypts log files, or "" for the bucket's default encryption.
	KmsKeyID                   string `json:",omitempty"`
	IsMultiRegionTrail         bool
	IncludeGlobalServiceEvents bool
	LogFileValidationEnabled   bool
	// EventSelectors decide which records the trail delivers (DefaultSelectors when none were put).
	EventSelectors          []EventSelector
	HasCustomEventSelectors bool
	Created                 time.Time
}

// ARN returns the trail's ARN.
func (t *Trail) ARN() string { return TrailARN(t.HomeRegion, t.Account, t.Name) }

// TrailARN returns the ARN of a trail.
func TrailARN(region, account, name string) string {
	return "arn:aws:cloudtrail:" + region + ":" + account + ":trail/" + name
}

// storeKey is where the trail and its status are stored.
func (t *Trail) storeKey() string { return trailKey(t.Account, t.HomeRegion, t.Name) }

func trailKey(account, region, name string) string { return account + "/" + region + "/" + name }

// accountPrefix returns the key prefix under which CloudTrail writes an account's files: [prefix/]AWSLogs/<account>/.
func accountPrefix(keyPrefix, account string) string {
	p := "AWSLogs/" + account + "/"
	if keyPrefix != "" {
		p = strings.TrimSuffix(keyPrefix, "/") + "/" + p
	}
	return p
}

// Kinds of files, as their folders are named.
const (
	kindLogs    = "CloudTrail"
	kindDigests = "CloudTrail-Digest"
)

// logPrefix returns the key prefix of an account's log or digest files (kind) in a region, ending in "/".
func logPrefix(keyPrefix, account, kind, region string) string {
	return accountPrefix(keyPrefix, account) + kind + "/" + region + "/"
}

// ReadWriteType selects read-only events, write events or both, spelled as CloudTrail spells it.
type ReadWriteType string

// Read/write types.
const (
	ReadOnly  ReadWriteType = "ReadOnly"
	WriteOnly ReadWriteType = "WriteOnly"
	All       ReadWriteType = "All"
)

// EventSelector is a basic event selector.
type EventSelector struct {
	ReadWriteType ReadWriteType
	// IncludeManagementEvents is nil when not given (which means true).
	IncludeManagementEvents       *bool
	DataResources                 []DataResource
	ExcludeManagementEventSources []string
}

// DataResource selects data events on resources of a type whose ARNs start with one of Values.
type DataResource struct {
	Type   string
	Values []string
}

// DefaultSelectors are a trail's selectors until PutEventSelectors: every management event, read and write.
func DefaultSelectors() []EventSelector {
	yes := true
	return []EventSelector{{ReadWriteType: All, IncludeManagementEvents: &yes}}
}

// status is a trail's delivery state. It lives apart from the trail's configuration, which the API changes,
// so deliveries and API calls seldom touch the same key.
type status struct {
	Logging               bool
	StartTime, StopTime   time.Time `json:",omitzero"`
	Cursor                uint64
	StopSeq               uint64            `json:",omitempty"` // the last record before StopLogging
	Ahead                 map[string]uint64 `json:",omitempty"` // regions delivered beyond Cursor
	LatestDelivery        time.Time         `json:",omitzero"`
	LatestDeliveryAttempt time.Time         `json:",omitzero"`
	LatestDeliveryError   string            `json:",omitempty"`
	LatestDigest          time.Time         `json:",omitzero"`
	LatestDigestAttempt   time.Time         `json:",omitzero"`
	LatestDigestError     string            `json:",omitempty"`
	Digests               map[string]*chain `json:",omitempty"` // per region, while validation is on
	Lease                 string            `json:",omitempty"`
	LeaseUntil            time.Time         `json:",omitzero"`
	DeliveryFailingSince  time.Time         `json:",omitzero"`
	DigestFailingSince    time.Time         `json:",omitzero"`
}

// chain is a region's digest chain: when its current digest period began, and the last digest written.
type chain struct {
	Start     time.Time
	Bucket    string `json:",omitempty"`
	Key       string `json:",omitempty"`
	Hash      string `json:",omitempty"` // hex SHA-256 of the last digest's JSON
	Signature string `json:",omitempty"` // hex
}

// LogFile is a delivered log file, as a digest lists it.
type LogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// Status is a trail's logging and delivery status, as GetTrailStatus reports it.
type Status struct {
	IsLogging                 bool
	StartLoggingTime          time.Time
	StopLoggingTime           time.Time
	LatestDeliveryTime        time.Time
	LatestDeliveryAttemptTime time.Time
	// LatestDeliveryError is AWS's error (an S3 or KMS error code and message) and what to fix, or "".
	LatestDeliveryError       string
	LatestDigestDeliveryTime  time.Time
	LatestDigestAttemptTime   time.Time
	LatestDigestDeliveryError string
}

// PublicKey is the public half of a signing key, as ListPublicKeys returns it.
type PublicKey struct {
	// Value is the DER encoding of the PKCS #1 RSA public key.
	Value         []byte
	ValidityStart time.Time
	ValidityEnd   time.Time // zero while the key is current
	Fingerprint   string
}

// timeFormat is how CloudTrail writes times in digest files and status strings.
const timeFormat = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }
