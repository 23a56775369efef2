package lake

import (
	"context"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// HTTPSNotify is a subscriber's HTTPS notification endpoint. The API key's value is kept sealed with the root key
// (the subscriber's ARN as associated data), never in the clear.
type HTTPSNotify struct {
	Endpoint      string `json:"endpoint"`
	Method        string `json:"httpMethod,omitempty"`
	APIKeyName    string `json:"authorizationApiKeyName,omitempty"`
	TargetRoleARN string `json:"targetRoleArn"`
	SealedAPIKey  []byte `json:"sealedApiKey,omitempty"`
}

// apiKeyAAD binds a sealed API key to its subscriber.
func apiKeyAAD(subscriberARN string) []byte {
	return []byte("securitylake api key\x00" + subscriberARN)
}

// APIKey returns the API key value of a subscriber's HTTPS notification ("" when none was given).
func (s *Service) APIKey(sub *Subscriber) (string, error) {
	if sub.Notify == nil || len(sub.Notify.SealedAPIKey) == 0 || s.cfg.Seal == nil {
		return "", nil
	}
	b, err := s.cfg.Seal.Open(sub.Notify.SealedAPIKey, apiKeyAAD(sub.ARN))
	return string(b), err
}

// NotificationInput is a NotificationConfiguration: an SQS queue that Security Lake creates, or an HTTPS
// endpoint.
type NotificationInput struct {
	SQS         bool
	HTTPS       *HTTPSNotify
	APIKeyValue string
}

// subscriberQueue is the name of a subscriber's notification queue.
func subscriberQueue(id string) string { return "AmazonSecurityLake-" + id + "-Main-Queue" }

// queuePolicy lets EventBridge and Security Lake send to the subscriber's queue for the lake's account, and the
// subscriber read it.
func queuePolicy(region, account, name string, sub *Subscriber) string {
	arn := "arn:aws:sqs:" + region + ":" + account + ":" + name
	reader := `{"Service":"` + sub.Identity.Principal + `"}`
	if reAccount.MatchString(sub.Identity.Principal) {
		reader = `{"AWS":"` + actor.RootARN(sub.Identity.Principal) + `"}`
	}
	return `{"Version":"2012-10-17","Statement":[{"Sid":"AllowEventBridgeToSend","Effect":"Allow","Principal":{"Service":["events.amazonaws.com","securitylake.amazonaws.com"]},` +
		`"Action":"sqs:SendMessage","Resource":"` + arn + `","Condition":{"StringEquals":{"aws:SourceAccount":"` + account + `"}}},` +
		`{"Sid":"AllowTheSubscriberToRead","Effect":"Allow","Principal":` + reader + `,"Action":["sqs:ReceiveMessage","sqs:DeleteMessage",` +
		`"sqs:ChangeMessageVisibility","sqs:GetQueueAttributes","sqs:GetQueueUrl"],"Resource":"` + arn + `"}]}`
}

// PutSubscriberNotification sets how a subscriber is notified of new data (create: it has no notification yet):
// through the queue AmazonSecurityLake-<id>-Main-Queue (with a dead-letter queue and a policy), which it
// creates, or an HTTPS endpoint, for which it creates an EventBridge connection (the API key), API destination and
// rule in the lake's account (Endpoints); switching from one to the other removes the first. It returns the
// subscriber's endpoint. Either way the lake bucket's data files under the subscriber's sources are subscribed
// to (subscribeData), so that each new one is told to the subscriber (NotifyCommitted).
func (s *Service) PutSubscriberNotification(ctx context.Context, c *actor.Caller, id string, create bool, in NotificationInput) (string, error) {
	action := "securitylake:UpdateSubscriberNotification"
	if create {
		action = "securitylake:CreateSubscriberNotification"
	}
	region, err := s.subscriberCall(ctx, c, action, id)
	if err != nil {
		return "", err
	}
	var f fields
	switch {
	case in.SQS == (in.HTTPS != nil):
		f.fail("The configuration must set exactly one of sqsNotificationConfiguration and httpsNotificationConfiguration.")
	case in.HTTPS != nil:
		f.required("httpsNotificationConfiguration.endpoint", in.HTTPS.Endpoint, reHTTPS)
		f.required("httpsNotificationConfiguration.targetRoleArn", in.HTTPS.TargetRoleARN, reRoleARN)
		f.oneOf("httpsNotificationConfiguration.httpMethod", in.HTTPS.Method, []string{"POST", "PUT"})
	}
	if f.err != nil {
		return "", f.err
	}
	var sub *Subscriber
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		sub, err = subscriberIn(tx, c.Account, region, id)
		return err
	})
	if err != nil {
		return "", err
	}
	if create && sub.Endpoint != "" {
		return "", conflict("SubscriberNotification", id, "The subscriber %s already has a notification: update it instead.", id)
	}
	owner := s.forCaller(c, region)
	endpoint, queue := "", ""
	if in.SQS {
		if s.cfg.Queues == nil {
			return "", badRequest("SQS notifications are not available on this server.")
		}
		queue = subscriberQueue(id)
		if endpoint, err = s.cfg.Queues.EnsureSubscriberQueue(ctx, owner, queue, queuePolicy(region, c.Account, queue, sub)); err != nil {
			return "", asLake(err, "create the subscriber queue")
		}
		withQueue := *sub
		withQueue.Queue = queue
		if err := s.subscribeData(ctx, &withQueue); err != nil {
			return "", err
		}
		if err := s.deleteSubscriberEndpoint(ctx, owner, sub); err != nil {
			return "", err
		}
	} else {
		endpoint = in.HTTPS.Endpoint
		if in.HTTPS, err = s.toHTTPS(ctx, owner, sub, in); err != nil {
			return "", err
		}
	}
	err = s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		cur, err := subscriberIn(tx, c.Account, region, id)
		if err != nil {
			return err
		}
		cur.Endpoint, cur.Queue, cur.Notify = endpoint, queue, in.HTTPS
		cur.Updated = s.cfg.Clock.Now().UTC()
		return putJSON(tx, tableSubscribers, key(c.Account, region, id), cur)
	})
	return endpoint, err
}

// DeleteSubscriberNotification stops notifying a subscriber and deletes its queue or its EventBridge connection,
// API destination and rule (first, as the caller).
func (s *Service) DeleteSubscriberNotification(ctx context.Context, c *actor.Caller, id string) error {
	region, err := s.subscriberCall(ctx, c, "securitylake:DeleteSubscriberNotification", id)
	if err != nil {
		return err
	}
	var sub *Subscriber
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		sub, err = subscriberIn(tx, c.Account, region, id)
		return err
	})
	if err != nil {
		return err
	}
	if sub.Endpoint == "" {
		return notFound("SubscriberNotification", id, "The subscriber %s has no notification.", id)
	}
	if sub.Queue != "" && s.cfg.Queues != nil {
		if err := s.cfg.Queues.DeleteSubscriberQueue(ctx, s.forCaller(c, region), sub.Queue); err != nil {
			return asLake(err, "delete the subscriber queue")
		}
	}
	if err := s.deleteSubscriberEndpoint(ctx, s.forCaller(c, region), sub); err != nil {
		return err
	}
	_ = s.clearCause(ctx, c.Account, region, "subscriber/"+id)
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		cur, err := subscriberIn(tx, c.Account, region, id)
		if err != nil {
			return err
		}
		cur.Endpoint, cur.Queue, cur.Notify = "", "", nil
		return putJSON(tx, tableSubscribers, key(c.Account, region, id), cur)
	})
}

// toHTTPS sets up the HTTPS notification in of sub (its API key sealed) and removes its queue, as owner. It
// returns the notification as the subscriber keeps it.
func (s *Service) toHTTPS(ctx context.Context, owner *actor.Caller, sub *Subscriber, in NotificationInput) (*HTTPSNotify, error) {
	https := *in.HTTPS
	if in.APIKeyValue != "" && s.cfg.Seal != nil {
		var err error
		if https.SealedAPIKey, err = s.cfg.Seal.Seal([]byte(in.APIKeyValue), apiKeyAAD(sub.ARN)); err != nil {
			return nil, err
		}
	}
	if err := s.ensureSubscriberEndpoint(ctx, owner, sub, &https, in.APIKeyValue); err != nil {
		return nil, err
	}
	withHTTPS := *sub
	withHTTPS.Notify = &https
	if err := s.subscribeData(ctx, &withHTTPS); err != nil {
		return nil, err
	}
	if sub.Queue != "" && s.cfg.Queues != nil {
		if err := s.cfg.Queues.DeleteSubscriberQueue(ctx, owner, sub.Queue); err != nil {
			return nil, asLake(err, "delete the subscriber queue")
		}
	}
	return &https, nil
}
