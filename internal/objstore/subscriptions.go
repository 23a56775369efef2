package objstore

import (
	"context"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// DestinationIngest is the destination type of the events recorded for a subscription of a registered ingest
// location (a Subscription without a Kind).
const DestinationIngest = "ingest"

// DestinationLake is the destination type of the events recorded for a Security Lake subscription (Kind
// "lake"): a lake bucket's data files, told to its subscribers.
const DestinationLake = "lake"

// Subscription is one of seclake's own listeners of the objects created in a bucket under a prefix: a
// registered ingest location, or a lake's subscribers. Its events are recorded like the notification
// configuration's (in the transaction of the write, so none is lost), with a destination of type Kind
// (DestinationIngest when empty) whose ConfigID is the subscription's ID; they never appear in the bucket's
// notification configuration.
type Subscription struct {
	ID     string
	Prefix string `json:",omitempty"`
	// Suffix, when set, limits the subscription to keys that end with it.
	Suffix string `json:",omitempty"`
	// Kind is the destination type of its events: "" (DestinationIngest) or DestinationLake.
	Kind string `json:",omitempty"`
}

// destinationType is the type of the destinations of sub's events.
func (sub Subscription) destinationType() string {
	if sub.Kind == "" {
		return DestinationIngest
	}
	return sub.Kind
}

// Subscribe adds (or replaces) the subscription id to the objects created in bucket under prefix. It is the
// object store's side of a decision its caller has authorized.
func (s *Service) Subscribe(ctx context.Context, bucket, prefix, id string) error {
	return s.SubscribeWith(ctx, bucket, Subscription{ID: id, Prefix: prefix})
}

// SubscribeWith adds (or replaces, by ID) the subscription sub to the objects created in bucket.
func (s *Service) SubscribeWith(ctx context.Context, bucket string, sub Subscription) error {
	return s.editSubscriptions(ctx, bucket, func(subs []Subscription) []Subscription {
		subs = slices.DeleteFunc(subs, func(x Subscription) bool { return x.ID == sub.ID })
		return append(subs, sub)
	})
}

// Unsubscribe removes the subscription id from bucket; a bucket that no longer exists has none.
func (s *Service) Unsubscribe(ctx context.Context, bucket, id string) error {
	err := s.editSubscriptions(ctx, bucket, func(subs []Subscription) []Subscription {
		return slices.DeleteFunc(subs, func(x Subscription) bool { return x.ID == id })
	})
	if isNoSuchBucket(err) {
		return nil
	}
	return err
}

func (s *Service) editSubscriptions(ctx context.Context, bucket string, fn func([]Subscription) []Subscription) error {
	return s.store.Update(ctx, func(tx meta.Tx) error {
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		b.Subscriptions = fn(b.Subscriptions)
		return putBucket(tx, b)
	})
}

// subscribed returns the destinations of the subscriptions that want event name for key: objects created
// under their prefix.
func (b *Bucket) subscribed(name, key string) []Destination {
	if !strings.HasPrefix(name, "ObjectCreated:") {
		return nil
	}
	var out []Destination
	for _, sub := range b.Subscriptions {
		if strings.HasPrefix(key, sub.Prefix) && strings.HasSuffix(key, sub.Suffix) {
			out = append(out, Destination{Type: sub.destinationType(), ConfigID: sub.ID})
		}
	}
	return out
}

// AuthorizeRead decides whether c may list bucket under prefix (s3:ListBucket with s3:prefix) and read the
// objects under it (s3:GetObject on the ARN bucket/prefix*), with c's policies and the bucket policy, and
// returns the bucket. A refusal is S3's AccessDenied naming the action.
func (s *Service) AuthorizeRead(ctx context.Context, c *actor.Caller, bucket, prefix string) (*Bucket, error) {
	list := bucketAccess("s3:ListBucket", bucket)
	list.ctx.Set("s3:prefix", prefix)
	b, err := s.authorizedBucket(ctx, c, bucket, list)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, b, objectAccess("s3:GetObject", bucket, prefix+"*")); err != nil {
		return nil, err
	}
	return b, nil
}
