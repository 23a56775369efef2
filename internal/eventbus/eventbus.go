// Package eventbus is EventBridge: event buses (the default bus of each account and region, custom buses and
// their resource policies), rules with event patterns or schedules, their targets, connections and API
// destinations, PutEvents, and the delivery of matched events to targets.
//
// Events a rule matches are queued durably in the metadata store in the same transaction that accepts them;
// the delivery loop sends them as events.amazonaws.com with aws:SourceArn = the rule, retries failures with
// backoff under the target's RetryPolicy, sends what is given up to the target's dead-letter queue, and keeps
// every failure listed (Failures) with the principal, action and resource that were refused — nothing is dropped
// without a trace. Targets are API destinations (HTTP endpoints called through an Invoker, which the API layer
// provides) and SQS queues (through a QueueSender, which the SQS service provides).
package eventbus

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/iam/policy"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
)

// Principal is the service principal that delivers events to targets.
const Principal = "events.amazonaws.com"

// EventSource is the audit trail's eventSource of EventBridge.
const EventSource = "events.amazonaws.com"

// Tables owned by this package.
const (
	tableBuses       = "events.buses"       // <account>\x00<region>\x00<bus> → Bus
	tableRules       = "events.rules"       // <account>\x00<region>\x00<bus>\x00<rule> → Rule (targets inside)
	tableScheduled   = "events.scheduled"   // the keys of tableRules of the rules with a schedule → empty
	tableConnections = "events.connections" // <account>\x00<region>\x00<name> → Connection (secrets sealed)
	tableDests       = "events.apidests"    // <account>\x00<region>\x00<name> → APIDestination
	tableTags        = "events.tags"        // <arn> → []Tag
	tableQueue       = "events.queue"       // <due, 20 digits>\x00<id> → delivery
	tableFailures    = "events.failures"    // <account>\x00<region>\x00<id> → Failure
)

// QueueSender sends a message to an SQS queue as a service principal (the SQS service satisfies it once it is
// plugged in): the queue's policy and its KMS key's policy decide as on AWS. A refusal should be an error that
// unwraps to *actor.Denial, so that the failure names the missing statement.
type QueueSender interface {
	SendAs(ctx context.Context, c *actor.Caller, queueARN, body, groupID string) error
}

// Invoker calls HTTP endpoints for API destinations (the API layer provides it: domain packages do not speak
// HTTP). It returns the response's status code, or an error when no response came.
type Invoker interface {
	Invoke(ctx context.Context, req *HTTPRequest) (int, error)
}

// Config holds what the service needs. Store, Seal and Authz are required.
type Config struct {
	Store meta.Store
	Seal  *seal.Key
	Authz actor.Authorizer
	// Queues sends to SQS targets and dead-letter queues; nil until an SQS service is plugged in (deliveries
	// to queues then fail, are kept and retried).
	Queues QueueSender
	// HTTP calls API destinations; nil refuses them the same way.
	HTTP   Invoker
	Clock  clock.Clock
	Rand   io.Reader
	Logger *slog.Logger
	// Registry, when set, gets the per-rule metrics.
	Registry prometheus.Registerer
	// Region is the home region, for callers that name none.
	Region string
	// Backoff is the first retry delay (doubling up to MaxBackoff); defaults 1 s and 5 min.
	Backoff, MaxBackoff time.Duration
}

// Service is EventBridge. It is safe for concurrent use.
type Service struct {
	cfg     Config
	metrics *metrics
	mu      sync.Mutex
	sets    map[string]*compiled // by bus key, rebuilt when the bus's rule version moves
	limits  limiters
	seq     atomic.Uint64 // orders the deliveries this node queues
	kick    chan struct{}
	// observer hears of deliveries' outcomes (SetObserver).
	observer atomic.Pointer[Observer]
	stop     chan struct{}
	done     chan struct{}
}

// New returns the service; Start runs its delivery loop.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Seal == nil || cfg.Authz == nil {
		return nil, errors.New("eventbus: store, seal and authorizer are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, metrics: m, sets: map[string]*compiled{}, limits: limiters{m: map[string]*limiter{}},
		kick: make(chan struct{}, 1)}, nil
}

// refusal is EventBridge's access denial.
var refusal = actor.AccessDeniedException

func notFound(format string, args ...any) error {
	return awserr.New("ResourceNotFoundException", awserr.StatusBadRequest, format, args...)
}

func exists(format string, args ...any) error {
	return awserr.New("ResourceAlreadyExistsException", awserr.StatusBadRequest, format, args...)
}

func validation(format string, args ...any) error {
	return awserr.New("ValidationException", awserr.StatusBadRequest, format, args...)
}

// region is the caller's region, or the home region.
func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

// check authorizes c for action on resource (owned by owner, "" for c's account).
func (s *Service) check(ctx context.Context, c *actor.Caller, action, resource, owner string, pol *policy.Policy) error {
	return actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: resource, ResourceAccount: owner,
		ResourcePolicy: pol}, refusal)
}

func busARN(region, account, name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", region, account, name)
}

// ruleARN is a rule's ARN: rule/<name> on the default bus, rule/<bus>/<name> on the others.
func ruleARN(region, account, bus, name string) string {
	if bus == DefaultBus {
		return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", region, account, name)
	}
	return fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", region, account, bus, name)
}

func key(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	b := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			b = append(b, 0)
		}
		b = append(b, p...)
	}
	return string(b)
}

func awserrNew(code, format string, args ...any) error {
	return awserr.New(code, awserr.StatusBadRequest, format, args...)
}

func awserrAs(err error) (*awserr.Error, bool) {
	if err == nil {
		return nil, false
	}
	return awserr.As(err)
}
