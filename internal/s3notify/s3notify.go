// Package s3notify delivers the S3 event notifications that objstore records, in the transaction of each change,
// to their destinations: SQS queues (S3's "Records" message, sent as s3.amazonaws.com with aws:SourceArn = the
// bucket and aws:SourceAccount = its owner, so the queue policy and the queue's KMS key policy decide) and the
// account's default EventBridge bus ("Object Created" / "Object Deleted" events from source aws.s3), and
// seclake's own subscriptions (registered ingest locations, see SetIngest; a lake's subscribers, see SetLake).
//
// Delivery is at least once: an event leaves the store only when every destination has it. Where AWS drops a
// notification without a word (a queue policy or key policy without the statement), seclake keeps it, retries
// with backoff, logs the refusal with the bucket, the destination, the principal and AWS's reason, counts it in
// Prometheus, and delivers it once the policy allows it. Topic (SNS) and function (Lambda) destinations are not
// served: their events are counted as undeliverable and removed, with a log line that says so.
package s3notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/queue"
)

// Principal is the service principal that sends S3's notifications.
const Principal = "s3.amazonaws.com"

// Events is the store of recorded events (*objstore.Service).
type Events interface {
	PendingEvents(ctx context.Context, after string, limit int) ([]objstore.Event, error)
	SettleEvent(ctx context.Context, id string, left []objstore.Destination, lastError string, next time.Time) error
}

// Queues sends to SQS queues as a service principal (*queue.Service).
type Queues interface {
	SendAs(ctx context.Context, c *actor.Caller, queueARN string, e queue.SendEntry) (queue.SendResult, error)
	QueueExists(ctx context.Context, queueARN string) (bool, error)
}

// Bus puts an AWS service's event on an account's default event bus (*eventbus.Service).
type Bus interface {
	PutServiceEvent(ctx context.Context, e ServiceEvent) error
}

// ServiceEvent is an event an AWS service puts on the default bus of Account in Region.
type ServiceEvent struct {
	Account, Region, Source, DetailType string
	Time                                time.Time
	Resources                           []string
	Detail                              []byte
}

// Config holds what the service needs. Events and Queues are required; without Bus, EventBridge destinations
// wait (and are reported) until there is one.
type Config struct {
	Events  Events
	Queues  Queues
	Bus     Bus
	Clock   clock.Clock
	Logger  *slog.Logger
	Metrics prometheus.Registerer
}

// Backoff bounds: the first retry after MinBackoff, doubling up to MaxBackoff.
const (
	MinBackoff = time.Second
	MaxBackoff = 5 * time.Minute
)

// Ingest takes the events of objects created under a subscription (objstore.DestinationIngest): a
// registered ingest location, whose ID the destination's ConfigID is. It must be idempotent: an event is
// delivered at least once.
type Ingest interface {
	IngestEvent(ctx context.Context, e *objstore.Event, subscription string) error
}

// Lake takes the events of a lake bucket's data files created under a Security Lake subscription
// (objstore.DestinationLake) and tells the lake's subscribers. It must be idempotent, as Ingest.
type Lake interface {
	LakeEvent(ctx context.Context, e *objstore.Event, subscription string) error
}

// Service delivers recorded events.
type Service struct {
	cfg                    Config
	ingest                 atomic.Pointer[Ingest]
	lake                   atomic.Pointer[Lake]
	delivered, failed, bad *prometheus.CounterVec
}

// New returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Events == nil || cfg.Queues == nil {
		return nil, errors.New("s3notify: Events and Queues are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_s3_notifications_delivered_total",
			Help: "S3 event notifications delivered, by destination type (queue, eventbridge)."}, []string{"type"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_s3_notifications_failed_total",
			Help: "S3 event notification deliveries refused and kept for a retry, by destination type and error code."}, []string{"type", "code"}),
		bad: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "seclake_s3_notifications_undeliverable_total",
			Help: "S3 event notifications removed undelivered: destinations seclake does not serve (topic, function)."}, []string{"type"}),
	}
	if cfg.Metrics != nil {
		for _, c := range []prometheus.Collector{s.delivered, s.failed, s.bad} {
			if err := cfg.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("s3notify: metrics: %w", err)
			}
		}
	}
	s.cfg = cfg
	return s, nil
}

// batch is how many events one pass reads at a time.
const batch = 256

// Deliver delivers every recorded event that is due, in the order they were recorded.
func (s *Service) Deliver(ctx context.Context) error {
	after := ""
	for {
		events, err := s.cfg.Events.PendingEvents(ctx, after, batch)
		if err != nil {
			return err
		}
		now := s.cfg.Clock.Now()
		for i := range events {
			e := &events[i]
			if e.NextAttempt.After(now) {
				continue
			}
			if err := s.deliver(ctx, e, now); err != nil {
				return err
			}
		}
		if len(events) < batch {
			return nil
		}
		after = events[len(events)-1].ID
	}
}

// deliver sends one event to each of its destinations and records what is left.
func (s *Service) deliver(ctx context.Context, e *objstore.Event, now time.Time) error {
	var left []objstore.Destination
	var reasons []string
	for _, d := range e.Destinations {
		err := s.send(ctx, e, d)
		switch {
		case err == nil:
			s.delivered.WithLabelValues(d.Type).Inc()
		case errors.Is(err, errUnserved):
			s.bad.WithLabelValues(d.Type).Inc()
			s.cfg.Logger.Warn("s3 notification dropped: seclake does not serve this destination", "bucket", e.Bucket,
				"key", e.Key, "event", e.Name, "type", d.Type, "destination", d.ARN)
		default:
			left = append(left, d)
			reasons = append(reasons, destName(d)+": "+err.Error())
			s.failed.WithLabelValues(d.Type, code(err)).Inc()
			s.cfg.Logger.Error("s3 notification refused; kept for a retry", "bucket", e.Bucket, "key", e.Key, "event", e.Name,
				"type", d.Type, "destination", d.ARN, "principal", Principal, "attempt", e.Attempts+1, "err", err)
		}
	}
	next := time.Time{}
	if len(left) > 0 {
		next = now.Add(backoff(e.Attempts))
	}
	return s.cfg.Events.SettleEvent(ctx, e.ID, left, strings.Join(reasons, "; "), next)
}

var errUnserved = errors.New("not served")

func (s *Service) send(ctx context.Context, e *objstore.Event, d objstore.Destination) error {
	switch d.Type {
	case "queue":
		body, err := e.S3Message(d.ConfigID)
		if err != nil {
			return err
		}
		_, err = s.cfg.Queues.SendAs(ctx, s.caller(e), d.ARN, queue.SendEntry{Body: string(body)})
		return err
	case "eventbridge":
		if s.cfg.Bus == nil {
			return errors.New("EventBridge is not running on this server")
		}
		ev, err := busEvent(e)
		if err != nil {
			return err
		}
		return s.cfg.Bus.PutServiceEvent(ctx, ev)
	case objstore.DestinationIngest:
		in := s.ingest.Load()
		if in == nil {
			return errors.New("ingestion is not running on this server")
		}
		return (*in).IngestEvent(ctx, e, d.ConfigID)
	case objstore.DestinationLake:
		l := s.lake.Load()
		if l == nil {
			return errors.New("Security Lake is not running on this server")
		}
		return (*l).LakeEvent(ctx, e, d.ConfigID)
	}
	return errUnserved
}

// SetIngest plugs in the ingestion of registered locations, which starts after this service; until then their
// events wait.
func (s *Service) SetIngest(in Ingest) { s.ingest.Store(&in) }

// SetLake plugs in the Security Lake control plane, which tells subscribers of their lake's new data files;
// until then their events wait.
func (s *Service) SetLake(l Lake) { s.lake.Store(&l) }

// caller is S3 acting for the event's bucket.
func (s *Service) caller(e *objstore.Event) *actor.Caller {
	return actor.ServicePrincipal(Principal, e.Region, s.cfg.Clock.Now(), actor.Source{ARN: objstore.BucketARN(e.Bucket), Account: e.Owner})
}

func backoff(attempts int) time.Duration {
	d := MinBackoff
	for range attempts {
		if d *= 2; d >= MaxBackoff {
			return MaxBackoff
		}
	}
	return d
}

func destName(d objstore.Destination) string {
	if d.ARN != "" {
		return d.ARN
	}
	return d.Type
}

// code is the AWS error code of err, for the metrics' label.
func code(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "Error"
}

// Check sends S3's test event for bucket b to a queue a notification configuration names (objstore's
// NotificationCheck): the configuration is refused when the queue refuses it, as S3 refuses it.
func (s *Service) Check(ctx context.Context, b *objstore.Bucket, requestID, queueARN string) error {
	if ok, err := s.cfg.Queues.QueueExists(ctx, queueARN); err != nil {
		return err
	} else if !ok {
		return objstore.ErrNoDestination
	}
	c := actor.ServicePrincipal(Principal, b.Region, s.cfg.Clock.Now(), actor.Source{ARN: objstore.BucketARN(b.Name), Account: b.Owner})
	_, err := s.cfg.Queues.SendAs(ctx, c, queueARN, queue.SendEntry{Body: TestMessage(b.Name, requestID,
		s.cfg.Clock.Now().UTC().Format("2006-01-02T15:04:05.000Z"))})
	return err
}
