// Package audit keeps seclake's audit trail: every authenticated request (allowed or denied) and every use of a
// KMS key becomes a CloudTrail-format Record, appended to one hash-chained log in the metadata store and read
// back through CloudTrail's LookupEvents semantics (Log.Lookup). Verify checks the whole chain; Read follows
// it from a cursor.
//
// The trail lives in the meta table Table, which only this package reads. Records of every account share one
// chain with gap-free sequence numbers, and hash_n = SHA-256(hash_{n-1} ‖ seq_n ‖ json_n) over each record's
// JSON exactly as stored, with hash_0 all zero. Each record carries an HMAC-SHA256 of (seq_n, hash_n) and the
// chain head an HMAC of (seq, hash), both keyed by the chain key, so rewriting, reordering, deleting or
// truncating records without that key shows up in Verify, which names the first record concerned.
//
// A Log has one writer goroutine that commits queued records in batches (group commit), each batch in one
// meta.Update that reads and advances the chain head; several Logs (nodes) may share one store. A commit
// stores its records in one batch row (or a few, for large commits; batch.go), and indexes them with rows
// per commit rather than per record (index.go): for each account, a time index row, and a posting per
// distinct value of each LookupAttributeKey among its management events; event IDs that are version 7
// UUIDs are found by the milliseconds they carry. Lookup merges the rows newest first (merge.go). Data
// events are chained but not indexed, as CloudTrail's event history does not show them.
package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// EventVersion is the CloudTrail record format version seclake writes.
const EventVersion = "1.11"

// IdentityType is the type of a userIdentity, spelled as CloudTrail spells it.
type IdentityType string

// Identity types.
const (
	IdentityRoot          IdentityType = "Root"
	IdentityIAMUser       IdentityType = "IAMUser"
	IdentityAssumedRole   IdentityType = "AssumedRole"
	IdentityRole          IdentityType = "Role"
	IdentityFederatedUser IdentityType = "FederatedUser"
	IdentityAWSAccount    IdentityType = "AWSAccount"
	IdentityAWSService    IdentityType = "AWSService"
	IdentityUnknown       IdentityType = "Unknown"
)

// EventType is a record's eventType.
type EventType string

// Event types.
const (
	EventTypeAPICall      EventType = "AwsApiCall"
	EventTypeServiceEvent EventType = "AwsServiceEvent"
)

// EventCategory is a record's eventCategory.
type EventCategory string

// Event categories. Lookup returns Management events, as CloudTrail's event history does; Data events are
// chained, delivered by trails that select them, and found by Lookup only when it asks for an event name
// (DataEventsByName).
const (
	CategoryManagement EventCategory = "Management"
	CategoryData       EventCategory = "Data"
)

// Record is one CloudTrail event. Its JSON form (the field names CloudTrail writes, in CloudTrail's order) is
// what the trail stores, hashes and returns as CloudTrailEvent. RequestParameters, ResponseElements and
// AdditionalEventData must never hold secrets or plaintext: build them with Params.
type Record struct {
	EventVersion        string          `json:"eventVersion"`
	UserIdentity        UserIdentity    `json:"userIdentity"`
	EventTime           time.Time       `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress,omitempty"`
	UserAgent           string          `json:"userAgent,omitempty"`
	ErrorCode           string          `json:"errorCode,omitempty"`
	ErrorMessage        string          `json:"errorMessage,omitempty"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData,omitempty"`
	RequestID           string          `json:"requestID,omitempty"`
	EventID             string          `json:"eventID"`
	ReadOnly            bool            `json:"readOnly"`
	Resources           []Resource      `json:"resources,omitempty"`
	EventType           EventType       `json:"eventType"`
	APIVersion          string          `json:"apiVersion,omitempty"`
	ManagementEvent     bool            `json:"managementEvent"`
	RecipientAccountID  string          `json:"recipientAccountId"`
	SharedEventID       string          `json:"sharedEventID,omitempty"`
	VPCEndpointID       string          `json:"vpcEndpointId,omitempty"`
	EventCategory       EventCategory   `json:"eventCategory"`
	TLSDetails          *TLSDetails     `json:"tlsDetails,omitempty"`

	// compact is set when RequestParameters, ResponseElements and AdditionalEventData are known to be compact,
	// valid JSON (made by Params, as the Recorder makes them), so writing the record need not check them again.
	compact bool
}

// UserIdentity says who made the request.
type UserIdentity struct {
	Type           IdentityType    `json:"type,omitempty"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
	// InvokedBy names the service that made the request on the principal's behalf ("s3.amazonaws.com").
	InvokedBy string `json:"invokedBy,omitempty"`
}

// SessionContext describes the temporary credentials a request was signed with.
type SessionContext struct {
	SessionIssuer  *SessionIssuer     `json:"sessionIssuer,omitempty"`
	Attributes     *SessionAttributes `json:"attributes,omitempty"`
	SourceIdentity string             `json:"sourceIdentity,omitempty"`
}

// SessionIssuer is the role or user that issued the session.
type SessionIssuer struct {
	Type        IdentityType `json:"type,omitempty"`
	PrincipalID string       `json:"principalId,omitempty"`
	ARN         string       `json:"arn,omitempty"`
	AccountID   string       `json:"accountId,omitempty"`
	UserName    string       `json:"userName,omitempty"`
}

// SessionAttributes are the session's creation date and whether it was MFA-authenticated.
type SessionAttributes struct {
	CreationDate     time.Time `json:"creationDate,omitzero"`
	MFAAuthenticated string    `json:"mfaAuthenticated,omitempty"` // "true" or "false"
}

// Resource is a resource the request acted on.
type Resource struct {
	AccountID string `json:"accountId,omitempty"`
	Type      string `json:"type,omitempty"` // for example "AWS::KMS::Key"
	ARN       string `json:"ARN,omitempty"`
}

// TLSDetails describes the TLS connection of the request.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion,omitempty"`
	CipherSuite              string `json:"cipherSuite,omitempty"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader,omitempty"`
}

// MaxRecordBytes is the largest record JSON the trail stores (CloudTrail's limit is 256 KB). A larger record
// keeps its identity and outcome, but its requestParameters, responseElements and additionalEventData are
// replaced by a marker (see normalize).
const MaxRecordBytes = 256 << 10

// maxIndexedValue is the longest attribute value indexed for Lookup (LookupAttributeValue's maximum).
const maxIndexedValue = 2000

// ErrInvalidRecord is returned by Append for a record that lacks what the trail needs.
var ErrInvalidRecord = errors.New("audit: invalid record")

// normalize fills in r's defaults and puts its times in CloudTrail's form (UTC, whole seconds):
// EventVersion, EventTime (now), EventID (newID), EventType (AwsApiCall), EventCategory (Management), and
// ManagementEvent, which always follows EventCategory.
func normalize(r *Record, now time.Time, newID func() string) error {
	switch {
	case r.EventSource == "":
		return fmt.Errorf("%w: eventSource is empty", ErrInvalidRecord)
	case r.EventName == "":
		return fmt.Errorf("%w: eventName is empty", ErrInvalidRecord)
	case r.RecipientAccountID == "":
		return fmt.Errorf("%w: recipientAccountId is empty", ErrInvalidRecord)
	case len(r.RecipientAccountID) > maxIndexedValue:
		return fmt.Errorf("%w: recipientAccountId is too long", ErrInvalidRecord)
	}
	if r.EventVersion == "" {
		r.EventVersion = EventVersion
	}
	if r.EventTime.IsZero() {
		r.EventTime = now
	}
	r.EventTime = r.EventTime.UTC().Truncate(time.Second)
	if sc := r.UserIdentity.SessionContext; sc != nil && sc.Attributes != nil && !sc.Attributes.CreationDate.IsZero() {
		sc.Attributes.CreationDate = sc.Attributes.CreationDate.UTC().Truncate(time.Second)
	}
	if r.EventID == "" {
		r.EventID = newID()
	}
	if r.EventType == "" {
		r.EventType = EventTypeAPICall
	}
	if r.EventCategory == "" {
		r.EventCategory = CategoryManagement
	}
	r.ManagementEvent = r.EventCategory == CategoryManagement
	return nil
}

// jsonBuffers holds buffers for marshalRecord, which copies its result out of them.
var jsonBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// truncatedMarker replaces the payload of a record larger than MaxRecordBytes.
var truncatedMarker = json.RawMessage(`{"seclakeTruncated":true}`)

// marshalRecord returns r's JSON as the trail stores it: CloudTrail's field order, no HTML escaping, no
// trailing newline (what encoding/json writes). A record over MaxRecordBytes loses its payload fields (see
// MaxRecordBytes).
func marshalRecord(r *Record) ([]byte, error) {
	buf := jsonBuffers.Get().(*[]byte)
	defer jsonBuffers.Put(buf)
	b, err := appendRecord((*buf)[:0], r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	if cap(b) <= MaxRecordBytes {
		*buf = b // keep the grown buffer, unless an oversized record grew it
	}
	if len(b) <= MaxRecordBytes {
		return bytes.Clone(b), nil
	}
	r.RequestParameters, r.ResponseElements, r.AdditionalEventData = nil, nil, truncatedMarker
	b, err = appendRecord(b[:0], r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidRecord, err)
	}
	if len(b) > MaxRecordBytes {
		return nil, fmt.Errorf("%w: record is %d bytes even without its payload", ErrInvalidRecord, len(b))
	}
	return bytes.Clone(b), nil
}

// Username is the name LookupEvents shows for the record's caller (and matches the Username attribute
// against): the userName, else "root" for the root user, the session name of an assumed role, or the
// invoking service of a service event.
func (r *Record) Username() string {
	ui := r.UserIdentity
	if ui.UserName != "" {
		return ui.UserName
	}
	switch ui.Type {
	case IdentityRoot:
		return "root"
	case IdentityAssumedRole:
		if i := strings.LastIndexByte(ui.ARN, '/'); i >= 0 {
			return ui.ARN[i+1:]
		}
	case IdentityAWSService:
		return ui.InvokedBy
	}
	return ""
}
