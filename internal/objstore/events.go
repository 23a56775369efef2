package objstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"

	"github.com/seclake/seclake/internal/meta"
)

// Event is an S3 event notification waiting to be delivered to its destinations. Events are written in the
// same transaction as the change they describe, so none is lost and none describes a change that did not
// happen; the queue and event bus deliver them and acknowledge them with AckEvents.
type Event struct {
	ID        string
	Time      time.Time
	Name      string // "ObjectCreated:Put", "ObjectRemoved:Delete", …
	Region    string
	Bucket    string
	Owner     string
	Key       string
	Size      int64
	ETag      string
	Sequencer string
	// VersionID is the version written or the delete marker created ("" without versioning).
	VersionID string `json:",omitempty"`
	Principal string
	SourceIP  string
	RequestID string
	// Destinations are the targets the bucket's notification configuration selects that have not received the
	// event yet.
	Destinations []Destination
	// Attempts counts the deliveries tried and refused; NextAttempt is when to try again, and LastError why the
	// last one was refused (see SettleEvent).
	Attempts    int       `json:",omitempty"`
	NextAttempt time.Time `json:",omitzero"`
	LastError   string    `json:",omitempty"`
}

// Destination is one target of an event.
type Destination struct {
	// Type is "queue", "topic", "function" or "eventbridge", or DestinationIngest for a subscription (ConfigID
	// is then the subscription's ID).
	Type     string
	ARN      string `json:",omitempty"`
	ConfigID string `json:",omitempty"`
}

// eventSeq makes event IDs that sort in the order events were recorded on this node.
type eventSeq struct {
	mu   sync.Mutex
	last int64
}

func (q *eventSeq) next(now time.Time) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := now.UnixNano()
	if n <= q.last {
		n = q.last + 1
	}
	q.last = n
	return n
}

// notifiable lists the event types a configuration may name (S3 UG notification-how-to-event-types).
var notifiable = map[string]bool{
	"s3:ObjectCreated:*": true, "s3:ObjectCreated:Put": true, "s3:ObjectCreated:Post": true,
	"s3:ObjectCreated:Copy": true, "s3:ObjectCreated:CompleteMultipartUpload": true,
	"s3:ObjectRemoved:*": true, "s3:ObjectRemoved:Delete": true, "s3:ObjectRemoved:DeleteMarkerCreated": true,
	"s3:ObjectTagging:*": true, "s3:ObjectTagging:Put": true, "s3:ObjectTagging:Delete": true,
	"s3:LifecycleExpiration:*": true, "s3:LifecycleExpiration:Delete": true,
	"s3:LifecycleExpiration:DeleteMarkerCreated": true, "s3:LifecycleTransition": true,
	"s3:ObjectRestore:*": true, "s3:ObjectRestore:Post": true, "s3:ObjectRestore:Completed": true,
	"s3:ObjectRestore:Delete": true, "s3:ReducedRedundancyLostObject": true, "s3:Replication:*": true,
	"s3:ObjectAcl:Put": true, "s3:IntelligentTiering": true,
}

func validNotification(n *Notification) error {
	check := func(ts []NotificationTarget, arnPrefix string, arn func(NotificationTarget) string) error {
		for _, t := range ts {
			if !strings.HasPrefix(arn(t), arnPrefix) || strings.Count(arn(t), ":") != 5 {
				return errInvalidArgument("Destination", arn(t), "The destination ARN %q is not a valid %s ARN", arn(t), strings.TrimSuffix(arnPrefix, ":"))
			}
			if len(t.Events) == 0 {
				return errInvalidArgument("Event", "", "A notification configuration must name at least one event")
			}
			for _, e := range t.Events {
				if !notifiable[e] {
					return errInvalidArgument("Event", e, "The event is not supported for notifications")
				}
			}
			if t.Filter != nil {
				seen := map[string]bool{}
				for _, r := range t.Filter.Rules {
					name := strings.ToLower(r.Name)
					if (name != "prefix" && name != "suffix") || seen[name] {
						return errInvalidArgument("FilterRule", r.Name, "Invalid filter rule name or repeated rule: %s", r.Name)
					}
					seen[name] = true
				}
			}
		}
		return nil
	}
	return errors.Join(
		check(n.Queues, "arn:aws:sqs:", func(t NotificationTarget) string { return t.Queue }),
		check(n.Topics, "arn:aws:sns:", func(t NotificationTarget) string { return t.Topic }),
		check(n.Functions, "arn:aws:lambda:", func(t NotificationTarget) string { return t.Function }),
	)
}

// ErrNoDestination is the error of a NotificationCheck whose destination does not exist.
var ErrNoDestination = errors.New("the destination queue does not exist")

// errDestination is S3's refusal of a notification configuration whose queue refused the test event, or does
// not exist: the same InvalidArgument, told apart by ArgumentValue; seclake's message adds why.
func errDestination(queueARN string, err error) error {
	value := "Permissions on the destination queue do not allow S3 to publish notifications from this bucket"
	if errors.Is(err, ErrNoDestination) {
		value = "The destination queue does not exist"
	}
	return errInvalidArgument(queueARN, value, "Unable to validate the following destination configurations: %s: %v", queueARN, err)
}

// NotificationCheck sends S3's test event for bucket to a queue a notification configuration names, and
// returns why the queue refused it.
type NotificationCheck func(ctx context.Context, b *Bucket, requestID, queueARN string) error

// SetNotificationCheck makes PutBucketNotification send the test event to each queue of a configuration and
// refuse the configuration when a queue refuses it, as S3 does. The queues start after the object store, so
// they are plugged in when they exist.
func (s *Service) SetNotificationCheck(check NotificationCheck) { s.notifyCheck.Store(&check) }

// SetEventHook makes fn be called after each object write that recorded an event for delivery (committed): the
// server wakes the delivery of events (s3notify) then, rather than at its next run. fn must be quick.
func (s *Service) SetEventHook(fn func()) { s.onEvent.Store(&fn) }

func (s *Service) eventRecorded() {
	if fn := s.onEvent.Load(); fn != nil {
		(*fn)()
	}
}

// PutBucketNotification sets the bucket's notification configuration.
func (s *Service) PutBucketNotification(ctx context.Context, c *actor.Caller, bucket string, n *Notification) error {
	if err := validNotification(n); err != nil {
		if e, ok := asAWS(err); ok {
			return e
		}
		return errors.Unwrap(err)
	}
	if check := s.notifyCheck.Load(); check != nil && len(n.Queues) > 0 {
		b, err := s.readBucket(ctx, c, bucket, "s3:PutBucketNotification")
		if err != nil {
			return err
		}
		for _, q := range n.Queues {
			if err := (*check)(ctx, b, c.RequestID, q.Queue); err != nil {
				return errDestination(q.Queue, err)
			}
		}
	}
	return s.updateBucket(ctx, c, bucket, "s3:PutBucketNotification", func(b *Bucket) error {
		b.Notification = n
		if len(n.Queues)+len(n.Topics)+len(n.Functions) == 0 && n.EventBridge == nil {
			b.Notification = nil
		}
		return nil
	})
}

// GetBucketNotification returns the bucket's notification configuration (empty if none).
func (s *Service) GetBucketNotification(ctx context.Context, c *actor.Caller, bucket string) (*Notification, error) {
	b, err := s.readBucket(ctx, c, bucket, "s3:GetBucketNotification")
	if err != nil {
		return nil, err
	}
	if b.Notification == nil {
		return &Notification{}, nil
	}
	return b.Notification, nil
}

// destinations returns the targets of b's configuration that want event name for key.
func (b *Bucket) destinations(name, key string) []Destination {
	n := b.Notification
	if n == nil {
		return nil
	}
	var out []Destination
	add := func(typ string, ts []NotificationTarget, arn func(NotificationTarget) string) {
		for _, t := range ts {
			if t.wants(name, key) {
				out = append(out, Destination{Type: typ, ARN: arn(t), ConfigID: t.ID})
			}
		}
	}
	add("queue", n.Queues, func(t NotificationTarget) string { return t.Queue })
	add("topic", n.Topics, func(t NotificationTarget) string { return t.Topic })
	add("function", n.Functions, func(t NotificationTarget) string { return t.Function })
	if n.EventBridge != nil {
		out = append(out, Destination{Type: "eventbridge"})
	}
	return out
}

// allDestinations returns the notification configuration's targets and the subscriptions that want the event.
func (b *Bucket) allDestinations(name, key string) []Destination {
	return append(b.destinations(name, key), b.subscribed(name, key)...)
}

func (t NotificationTarget) wants(name, key string) bool {
	match := false
	for _, e := range t.Events {
		e = strings.TrimPrefix(e, "s3:")
		if e == name || (strings.HasSuffix(e, ":*") && strings.HasPrefix(name, strings.TrimSuffix(e, "*"))) {
			match = true
		}
	}
	if !match || t.Filter == nil {
		return match
	}
	for _, r := range t.Filter.Rules {
		switch strings.ToLower(r.Name) {
		case "prefix":
			match = match && strings.HasPrefix(key, r.Value)
		case "suffix":
			match = match && strings.HasSuffix(key, r.Value)
		}
	}
	return match
}

// recordEvent stores the event of a change, inside the change's transaction, if anything wants it.
func (s *Service) recordEvent(tx meta.Tx, b *Bucket, c *actor.Caller, name string, obj *Object) error {
	dests := b.allDestinations(name, obj.Key)
	if len(dests) == 0 {
		return nil
	}
	now := s.clock.Now().UTC()
	seq := s.events.next(now)
	e := Event{ID: fmt.Sprintf("%020d", seq), Time: now, Name: name, Region: b.Region, Bucket: b.Name, Owner: b.Owner,
		Key: obj.Key, Size: obj.Size, ETag: obj.ETag, Sequencer: fmt.Sprintf("%016X", seq), Destinations: dests, VersionID: obj.VersionHeader()}
	if c != nil {
		e.Principal, e.SourceIP, e.RequestID = principalID(c), c.SourceIP, c.RequestID
	}
	v, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return tx.Put(tableEvents, e.ID, v)
}

func principalID(c *actor.Caller) string {
	switch c.Type {
	case actor.TypeService:
		return c.Service
	case actor.TypeAnonymous:
		return "Anonymous"
	}
	return "AWS:" + c.ID
}

// PendingEvents returns up to limit undelivered events recorded after the event ID after ("" for the first).
func (s *Service) PendingEvents(ctx context.Context, after string, limit int) ([]Event, error) {
	var out []Event
	err := s.store.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var derr error
		r := meta.Range{Limit: limit}
		if after != "" {
			r.Start = after + "\x00"
		}
		err := tx.Scan(tableEvents, r, func(_ string, v []byte) bool {
			var e Event
			if derr = json.Unmarshal(v, &e); derr != nil {
				return false
			}
			out = append(out, e)
			return true
		})
		return errors.Join(err, derr)
	})
	return out, err
}

// AckEvents removes delivered events.
func (s *Service) AckEvents(ctx context.Context, ids []string) error {
	return s.store.Update(ctx, func(tx meta.Tx) error {
		for _, id := range ids {
			if err := tx.Delete(tableEvents, id); err != nil && !errors.Is(err, meta.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// SettleEvent records the outcome of a delivery of event id: with no destinations left it is removed;
// otherwise it keeps those, with the refusal and the time of the next attempt.
func (s *Service) SettleEvent(ctx context.Context, id string, left []Destination, lastError string, next time.Time) error {
	return s.store.Update(ctx, func(tx meta.Tx) error {
		v, err := tx.Get(tableEvents, id)
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(left) == 0 {
			return tx.Delete(tableEvents, id)
		}
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return err
		}
		e.Destinations, e.LastError, e.NextAttempt = left, lastError, next
		e.Attempts++
		if v, err = json.Marshal(e); err != nil {
			return err
		}
		return tx.Put(tableEvents, id, v)
	})
}

// S3Message renders the event as the S3 event notification message sent to queues, topics and functions.
func (e *Event) S3Message(configID string) ([]byte, error) {
	type m = map[string]any
	rec := m{
		"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": e.Region,
		"eventTime": e.Time.Format("2006-01-02T15:04:05.000Z"), "eventName": e.Name,
		"userIdentity":      m{"principalId": e.Principal},
		"requestParameters": m{"sourceIPAddress": e.SourceIP},
		"responseElements":  m{"x-amz-request-id": e.RequestID, "x-amz-id-2": e.RequestID},
		"s3": m{"s3SchemaVersion": "1.0", "configurationId": configID,
			"bucket": m{"name": e.Bucket, "ownerIdentity": m{"principalId": e.Owner}, "arn": BucketARN(e.Bucket)},
			"object": m{"key": notificationKey(e.Key), "size": e.Size, "eTag": e.ETag, "sequencer": e.Sequencer}},
	}
	if e.VersionID != "" {
		rec["s3"].(m)["object"].(m)["versionId"] = e.VersionID
	}
	return json.Marshal(m{"Records": []m{rec}})
}

// notificationKey encodes a key as S3's notifications do: form encoding (a space is "+"), "/" kept.
func notificationKey(key string) string {
	return strings.ReplaceAll(url.QueryEscape(key), "%2F", "/")
}
