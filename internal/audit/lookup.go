package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
)

// AttributeKey is a LookupAttributeKey: what a lookup attribute matches.
type AttributeKey string

// Lookup attribute keys.
const (
	AttrEventID      AttributeKey = "EventId"
	AttrEventName    AttributeKey = "EventName"
	AttrReadOnly     AttributeKey = "ReadOnly"
	AttrUsername     AttributeKey = "Username"
	AttrResourceType AttributeKey = "ResourceType"
	AttrResourceName AttributeKey = "ResourceName"
	AttrEventSource  AttributeKey = "EventSource"
	AttrAccessKeyID  AttributeKey = "AccessKeyId"
)

var attrCodes = map[AttributeKey]byte{
	AttrEventID: attrEventID, AttrEventName: attrEventName, AttrReadOnly: attrReadOnly,
	AttrUsername: attrUsername, AttrResourceType: attrResourceType, AttrResourceName: attrResourceName,
	AttrEventSource: attrEventSource, AttrAccessKeyID: attrAccessKeyID,
}

// LookupAttribute is one condition of a lookup: events whose AttributeKey equals AttributeValue exactly
// (ReadOnly takes "true" or "false", in any case). ResourceName matches a resource's ARN. Values are
// compared as the events' JSON carries them: a byte of invalid UTF-8 (in either) stands for U+FFFD.
type LookupAttribute struct {
	AttributeKey   AttributeKey
	AttributeValue string
}

// LookupInput is CloudTrail's LookupEventsRequest. Nil pointers and empty strings are absent members.
type LookupInput struct {
	LookupAttributes []LookupAttribute // at most one
	StartTime        *time.Time        // events at or after StartTime
	EndTime          *time.Time        // events at or before EndTime
	EventCategory    string            // "" (management events) or "insight" (none are recorded)
	MaxResults       *int32            // 1-50, default 50
	NextToken        string
}

// LookupOutput is CloudTrail's LookupEventsResponse.
type LookupOutput struct {
	Events    []Event
	NextToken string // empty when there are no more events
}

// Event is one event of a lookup, as CloudTrail's Event shape.
type Event struct {
	EventID         string
	EventName       string
	ReadOnly        string // "true" or "false"
	AccessKeyID     string
	EventTime       time.Time
	EventSource     string
	Username        string
	Resources       []EventResource
	CloudTrailEvent string // the record's JSON as stored
}

// EventResource is a resource of an Event: its type ("AWS::KMS::Key") and name (its ARN).
type EventResource struct {
	ResourceType string
	ResourceName string
}

// Lookup limits.
const (
	DefaultMaxResults = 50
	maxLookupValueLen = 2000
)

// lookupError returns a CloudTrail client error (HTTP 400).
func lookupError(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, 400, format, args...)
}

// Lookup returns accountID's management events, newest first, with CloudTrail LookupEvents semantics:
// at most one lookup attribute, an inclusive time range, pages of MaxResults with a NextToken. accountID is
// the caller's account (from its credentials, never from the request); only events whose
// recipientAccountId is that account are returned. Invalid input yields *awserr.Error with CloudTrail's
// codes: InvalidLookupAttributesException, InvalidTimeRangeException, InvalidMaxResultsException,
// InvalidNextTokenException, InvalidEventCategoryException.
func (l *Log) Lookup(ctx context.Context, accountID string, in *LookupInput) (*LookupOutput, error) {
	if accountID == "" {
		return nil, errors.New("audit: lookup: no account")
	}
	q, err := l.parseLookup(accountID, in)
	if err != nil {
		return nil, err
	}
	out := &LookupOutput{Events: []Event{}}
	if q.none {
		return out, nil
	}
	if err := l.Flush(ctx); err != nil {
		return nil, fmt.Errorf("audit: lookup: %w", err)
	}
	err = l.cfg.Store.View(ctx, func(tx meta.Tx) error {
		out.Events, out.NextToken = out.Events[:0], ""
		return l.newMerge(tx, q, out).run()
	})
	if err != nil {
		return nil, fmt.Errorf("audit: lookup: %w", err)
	}
	return out, nil
}

// lookupQuery is a validated lookup.
type lookupQuery struct {
	account    string
	attr       *LookupAttribute // nil for all events; values normalized (ReadOnly in lower case)
	prefix     string           // the index rows to merge: the account's time index or a posting
	byID       bool             // an EventId that is a version 7 UUID: found through the event-ID index
	idMS       int64            // its milliseconds
	start, end int64            // inclusive bounds of event times, Unix seconds
	limit      int
	binding    Hash
	resume     *resume // nil on the first page
	none       bool    // the query cannot match anything (insight events)
}

func (l *Log) parseLookup(account string, in *LookupInput) (*lookupQuery, error) {
	q := &lookupQuery{account: account, prefix: timePrefix(account), start: math.MinInt64, end: math.MaxInt64}
	switch len(in.LookupAttributes) {
	case 0:
	case 1:
		a := in.LookupAttributes[0]
		if err := q.setAttribute(&a); err != nil {
			return nil, err
		}
	default:
		return nil, lookupError("InvalidLookupAttributesException", "You can specify only one lookup attribute; %d were given.", len(in.LookupAttributes))
	}
	switch in.EventCategory {
	case "":
	case "insight":
		q.none = true // seclake records no Insights events
	default:
		return nil, lookupError("InvalidEventCategoryException", "Invalid event category %q: the only valid value is insight.", in.EventCategory)
	}
	q.limit = DefaultMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > DefaultMaxResults {
			return nil, lookupError("InvalidMaxResultsException", "MaxResults must be between 1 and %d; %d is not.", DefaultMaxResults, *in.MaxResults)
		}
		q.limit = int(*in.MaxResults)
	}
	if in.StartTime != nil && in.EndTime != nil && in.StartTime.After(*in.EndTime) {
		return nil, lookupError("InvalidTimeRangeException", "The start time (%s) is after the end time (%s).", in.StartTime.UTC().Format(time.RFC3339), in.EndTime.UTC().Format(time.RFC3339))
	}
	if in.StartTime != nil {
		q.start = in.StartTime.Unix()
		if in.StartTime.Nanosecond() > 0 && q.start < math.MaxInt64 {
			q.start++ // event times are whole seconds: the first one at or after StartTime
		}
	}
	if in.EndTime != nil {
		q.end = in.EndTime.Unix()
	}
	q.binding = queryBinding(account, q.attr, in.StartTime, in.EndTime, in.EventCategory)
	if in.NextToken != "" {
		r, err := l.mac.decodeToken(q.binding, in.NextToken)
		if err != nil {
			return nil, lookupError("InvalidNextTokenException", "The NextToken is not valid, or was issued for a request with different parameters.")
		}
		q.resume = &r
	}
	return q, nil
}

// setAttribute validates a lookup attribute and chooses the index that answers it.
func (q *lookupQuery) setAttribute(a *LookupAttribute) error {
	code, ok := attrCodes[a.AttributeKey]
	if !ok {
		return lookupError("InvalidLookupAttributesException", "Invalid lookup attribute key %q: must be one of EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId.", a.AttributeKey)
	}
	if n := len(a.AttributeValue); n < 1 || n > maxLookupValueLen {
		return lookupError("InvalidLookupAttributesException", "The lookup attribute value must be 1 to %d characters long.", maxLookupValueLen)
	}
	a.AttributeValue = jsonText(a.AttributeValue) // as the index holds values
	if a.AttributeKey == AttrReadOnly {
		a.AttributeValue = strings.ToLower(a.AttributeValue)
		if a.AttributeValue != "true" && a.AttributeValue != "false" {
			return lookupError("InvalidLookupAttributesException", "The value of the ReadOnly lookup attribute must be true or false.")
		}
	}
	q.attr = a
	q.prefix = attrPrefix(q.account, code, a.AttributeValue)
	if a.AttributeKey == AttrEventID {
		q.idMS, q.byID = uuidV7Millis(a.AttributeValue)
	}
	return nil
}

// matches reports whether r is an event q may return: an event of q's account with q's attribute, a
// management event or, for a lookup by EventName, a data event (DataEventsByName). The indexes decide which
// events are read; this check keeps a tampered index from adding others.
func (q *lookupQuery) matches(r *Record) bool {
	if r.RecipientAccountID != q.account {
		return false
	}
	if r.EventCategory != CategoryManagement && (q.attr == nil || q.attr.AttributeKey != AttrEventName) {
		return false
	}
	if q.attr == nil {
		return true
	}
	v := q.attr.AttributeValue
	switch q.attr.AttributeKey {
	case AttrEventID:
		return r.EventID == v
	case AttrEventName:
		return r.EventName == v
	case AttrReadOnly:
		return readOnlyString(r.ReadOnly) == v
	case AttrUsername:
		return r.Username() == v
	case AttrEventSource:
		return r.EventSource == v
	case AttrAccessKeyID:
		return r.UserIdentity.AccessKeyID == v
	}
	for _, res := range r.Resources {
		if q.attr.AttributeKey == AttrResourceType && res.Type == v || q.attr.AttributeKey == AttrResourceName && res.ARN == v {
			return true
		}
	}
	return false
}

// lookupFields decodes the members of a record's JSON that Lookup reads (faster than decoding a Record).
func lookupFields(js []byte) (*Record, error) {
	var f struct {
		EventID            string        `json:"eventID"`
		EventName          string        `json:"eventName"`
		EventSource        string        `json:"eventSource"`
		EventTime          time.Time     `json:"eventTime"`
		ReadOnly           bool          `json:"readOnly"`
		RecipientAccountID string        `json:"recipientAccountId"`
		EventCategory      EventCategory `json:"eventCategory"`
		Resources          []Resource    `json:"resources"`
		UserIdentity       struct {
			Type        IdentityType `json:"type"`
			ARN         string       `json:"arn"`
			AccessKeyID string       `json:"accessKeyId"`
			UserName    string       `json:"userName"`
			InvokedBy   string       `json:"invokedBy"`
		} `json:"userIdentity"`
	}
	if err := json.Unmarshal(js, &f); err != nil {
		return nil, err
	}
	u := f.UserIdentity
	return &Record{EventID: f.EventID, EventName: f.EventName, EventSource: f.EventSource, EventTime: f.EventTime,
		ReadOnly: f.ReadOnly, RecipientAccountID: f.RecipientAccountID, EventCategory: f.EventCategory,
		Resources: f.Resources, UserIdentity: UserIdentity{Type: u.Type, ARN: u.ARN, AccessKeyID: u.AccessKeyID,
			UserName: u.UserName, InvokedBy: u.InvokedBy}}, nil
}

// eventOf returns r as a lookup Event whose CloudTrailEvent is js.
func eventOf(r *Record, js []byte) Event {
	ev := Event{
		EventID:         r.EventID,
		EventName:       r.EventName,
		ReadOnly:        readOnlyString(r.ReadOnly),
		AccessKeyID:     r.UserIdentity.AccessKeyID,
		EventTime:       r.EventTime,
		EventSource:     r.EventSource,
		Username:        r.Username(),
		CloudTrailEvent: string(js),
	}
	for _, res := range r.Resources {
		ev.Resources = append(ev.Resources, EventResource{ResourceType: res.Type, ResourceName: res.ARN})
	}
	return ev
}

// DataEventsByName is what seclake adds to CloudTrail's event history: data events (S3 object reads and
// writes, among them what seclake's own services write into customers' buckets), which the event history on
// AWS does not keep, are returned by lookups by EventName ("PutObject"), and by no other lookup. They are
// indexed by their name alone, so they cost the index one posting per name and commit.
const DataEventsByName = true
