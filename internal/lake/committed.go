package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// CommittedObject is a data file committed to a lake's bucket.
type CommittedObject struct {
	Key  string
	Size int64
	ETag string
}

// objectCreated is the message a subscriber's queue gets for a new data file: an EventBridge "Object Created"
// event of S3, as Security Lake's rules forward them.
type objectCreated struct {
	Version    string       `json:"version"`
	ID         string       `json:"id"`
	DetailType string       `json:"detail-type"`
	Source     string       `json:"source"`
	Account    string       `json:"account"`
	Time       string       `json:"time"`
	Region     string       `json:"region"`
	Resources  []string     `json:"resources"`
	Detail     objectDetail `json:"detail"`
}

// NotifyCommitted tells the subscribers of account's lake in region of data files committed to its bucket: each
// subscriber notified through its SQS queue gets one message per file under its sources' prefixes, sent as
// Security Lake's service principal (the queue's policy decides); for each one notified over HTTPS the same
// "Object Created" event goes on the lake account's default bus, naming the subscriber, for its rule to send to
// its API destination (EventBridge's durable delivery, with retries). It returns how many messages it sent or
// put; the first refusal is returned after the others were tried.
func (s *Service) NotifyCommitted(ctx context.Context, account, region, bucket string, objs []CommittedObject) (int, error) {
	if len(objs) == 0 {
		return 0, nil
	}
	var subs []Subscriber
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		subs, err = scanJSON[Subscriber](tx, tableSubscribers, key(account, region)+"/")
		return err
	})
	if err != nil {
		return 0, err
	}
	sp := actor.ServicePrincipal(EventSource, region, s.cfg.Clock.Now(), actor.Source{ARN: LakeARN(region, account), Account: account})
	n := 0
	var errs []error
	for _, o := range objs {
		k, err := s.notifyHTTPS(ctx, account, region, bucket, subs, o)
		n += k
		if err != nil {
			errs = append(errs, err)
			break
		}
	}
	for _, sub := range subs {
		if sub.Queue == "" || s.cfg.Queues == nil {
			continue
		}
		for _, o := range objs {
			if !underAny(o.Key, prefixes(sub.Sources)) {
				continue
			}
			body, err := s.objectCreated(account, region, bucket, o)
			if err != nil {
				return n, err
			}
			if err := s.cfg.Queues.SendAs(ctx, sp, sub.Endpoint, body); err != nil {
				errs = append(errs, fmt.Errorf("notify subscriber %s: %w", sub.ID, err))
				break
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}

// subscribeData has the data files under sub's sources' prefixes of its lake's bucket recorded with each write,
// so that NotifyCommitted tells sub of each (at least once, even across a crash). Subscriptions are per prefix
// and shared by the subscribers of the lake; they are kept when a subscriber goes (NotifyCommitted then finds no
// one to tell).
func (s *Service) subscribeData(ctx context.Context, sub *Subscriber) error {
	if s.cfg.DataFiles == nil || sub.Queue == "" && sub.Notify == nil {
		return nil
	}
	bucket := strings.TrimPrefix(sub.BucketARN, "arn:aws:s3:::")
	if bucket == "" {
		return nil
	}
	for _, p := range prefixes(sub.Sources) {
		if err := s.cfg.DataFiles.SubscribeDataFiles(ctx, bucket, p); err != nil {
			return fmt.Errorf("subscribe to the lake's data files: %w", err)
		}
	}
	return nil
}

func underAny(k string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func (s *Service) objectCreated(account, region, bucket string, o CommittedObject) (string, error) {
	id, err := s.newID()
	if err != nil {
		return "", err
	}
	e := objectCreated{Version: "0", ID: id, DetailType: "Object Created", Source: "aws.s3", Account: account,
		Time: s.cfg.Clock.Now().UTC().Format("2006-01-02T15:04:05Z"), Region: region, Resources: []string{"arn:aws:s3:::" + bucket}}
	e.Detail.Version, e.Detail.Reason = "0", "PutObject"
	e.Detail.Bucket.Name = bucket
	e.Detail.Object.Key, e.Detail.Object.Size, e.Detail.Object.ETag = o.Key, o.Size, o.ETag
	b, err := json.Marshal(e)
	return string(b), err
}
