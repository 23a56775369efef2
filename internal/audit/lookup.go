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
// (ReadOnly takes "true" or "false", in any case). ResourceName matches a resource's ARN.
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
		return l.runLookup(tx, accountID, q, out)
	})
	if err != nil {
		return nil, fmt.Errorf("audit: lookup: %w", err)
	}
	return out, nil
}

// lookupQuery is a validated lookup: the index range to scan (newest first) and the page size.
type lookupQuery struct {
	scan    meta.Range
	limit   int
	binding Hash
	none    bool // the query cannot match anything (insight events)
}

func (l *Log) parseLookup(account string, in *LookupInput) (lookupQuery, error) {
	var q lookupQuery
	var attr *LookupAttribute
	switch len(in.LookupAttributes) {
	case 0:
	case 1:
		a := in.LookupAttributes[0]
		attr = &a
	default:
		return q, lookupError("InvalidLookupAttributesException", "You can specify only one lookup attribute; %d were given.", len(in.LookupAttributes))
	}
	prefix := timePrefix(account)
	if attr != nil {
		code, ok := attrCodes[attr.AttributeKey]
		if !ok {
			return q, lookupError("InvalidLookupAttributesException", "Invalid lookup attribute key %q: must be one of EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId.", attr.AttributeKey)
		}
		if n := len(attr.AttributeValue); n < 1 || n > maxLookupValueLen {
			return q, lookupError("InvalidLookupAttributesException", "The lookup attribute value must be 1 to %d characters long.", maxLookupValueLen)
		}
		if attr.AttributeKey == AttrReadOnly {
			attr.AttributeValue = strings.ToLower(attr.AttributeValue)
			if attr.AttributeValue != "true" && attr.AttributeValue != "false" {
				return q, lookupError("InvalidLookupAttributesException", "The value of the ReadOnly lookup attribute must be true or false.")
			}
		}
		prefix = attrPrefix(account, code, attr.AttributeValue)
	}
	switch in.EventCategory {
	case "":
	case "insight":
		q.none = true // seclake records no Insights events
	default:
		return q, lookupError("InvalidEventCategoryException", "Invalid event category %q: the only valid value is insight.", in.EventCategory)
	}
	q.limit = DefaultMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > DefaultMaxResults {
			return q, lookupError("InvalidMaxResultsException", "MaxResults must be between 1 and %d; %d is not.", DefaultMaxResults, *in.MaxResults)
		}
		q.limit = int(*in.MaxResults)
	}
	if in.StartTime != nil && in.EndTime != nil && in.StartTime.After(*in.EndTime) {
		return q, lookupError("InvalidTimeRangeException", "The start time (%s) is after the end time (%s).", in.StartTime.UTC().Format(time.RFC3339), in.EndTime.UTC().Format(time.RFC3339))
	}
	q.scan = meta.Range{Prefix: prefix, Reverse: true, Limit: q.limit + 1}
	if in.StartTime != nil {
		sec := in.StartTime.Unix()
		if in.StartTime.Nanosecond() > 0 {
			sec++ // event times are whole seconds: the first one at or after StartTime
		}
		q.scan.Start = prefix + timeBound(sec)
	}
	if in.EndTime != nil && in.EndTime.Unix() < math.MaxInt64 {
		q.scan.End = prefix + timeBound(in.EndTime.Unix()+1)
	}
	q.binding = queryBinding(account, attr, in.StartTime, in.EndTime, in.EventCategory)
	if in.NextToken != "" {
		p, err := l.mac.decodeToken(q.binding, in.NextToken)
		if err != nil {
			return q, lookupError("InvalidNextTokenException", "The NextToken is not valid, or was issued for a request with different parameters.")
		}
		if end := prefix + p.suffix(); q.scan.End == "" || end < q.scan.End {
			q.scan.End = end
		}
	}
	return q, nil
}

// runLookup scans the index range of q in tx and fills out with one page of events.
func (l *Log) runLookup(tx meta.Tx, account string, q lookupQuery, out *LookupOutput) error {
	var found []position
	var perr error
	err := tx.Scan(Table, q.scan, func(k string, _ []byte) bool {
		p, err := indexPosition(k)
		if err != nil {
			perr = err
			return false
		}
		found = append(found, p)
		return true
	})
	if err == nil {
		err = perr
	}
	if err != nil {
		return fmt.Errorf("scan index: %w", err)
	}
	for i, p := range found {
		if i == q.limit {
			out.NextToken = l.mac.encodeToken(q.binding, found[i-1])
			break
		}
		ev, ok, err := l.loadEvent(tx, account, p.seq)
		if err != nil {
			return err
		}
		if ok {
			out.Events = append(out.Events, ev)
		}
	}
	return nil
}

// loadEvent reads record seq and returns it as an Event. An index entry whose record is missing,
// undecodable or of another account is skipped (ok false) and logged: the trail was tampered with, and
// Verify will say how.
func (l *Log) loadEvent(tx meta.Tx, account string, seq uint64) (Event, bool, error) {
	b, err := tx.Get(Table, recordKey(seq))
	if errors.Is(err, meta.ErrNotFound) {
		l.cfg.Logger.Warn("audit index points to a missing record", "seq", seq)
		return Event{}, false, nil
	}
	if err != nil {
		return Event{}, false, fmt.Errorf("read record %d: %w", seq, err)
	}
	e, err := decodeEntry(b)
	var r Record
	if err == nil {
		err = json.Unmarshal(e.json, &r)
	}
	if err != nil || r.RecipientAccountID != account {
		l.cfg.Logger.Warn("audit index points to an invalid record", "seq", seq, "err", err)
		return Event{}, false, nil
	}
	ev := Event{
		EventID:         r.EventID,
		EventName:       r.EventName,
		ReadOnly:        readOnlyString(r.ReadOnly),
		AccessKeyID:     r.UserIdentity.AccessKeyID,
		EventTime:       r.EventTime,
		EventSource:     r.EventSource,
		Username:        r.Username(),
		CloudTrailEvent: string(e.json),
	}
	for _, res := range r.Resources {
		ev.Resources = append(ev.Resources, EventResource{ResourceType: res.Type, ResourceName: res.ARN})
	}
	return ev, true, nil
}
