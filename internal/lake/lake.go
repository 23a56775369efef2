// Package lake is the Security Lake control plane: the data lakes of each account and region (their buckets
// through table.Lakes), the AWS and custom log sources they collect, subscribers and their notifications, the
// exceptions the lake hit and who hears of them, the organization's auto-enable configuration and its delegated
// administrator. Every operation authorizes its securitylake:* action on the resource's ARN first, then checks
// its input as the model does, and changes its records (table lake.*) in one transaction.
package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/table"
)

// EventSource is Security Lake's name on the audit trail.
const EventSource = "securitylake.amazonaws.com"

// Lakes is what the control plane needs of the data lakes' storage (*table.Lakes).
type Lakes interface {
	Create(ctx context.Context, owner *actor.Caller, region, kmsKey string) (table.LakeInfo, error)
	Get(ctx context.Context, account, region string) (table.LakeInfo, bool, error)
	// AddReplicated adds a data file replicated into the rollup lake's bucket from a contributing region's lake
	// to the rollup lake's table (table.ErrNotCommitted: not yet).
	AddReplicated(ctx context.Context, account, region string, contributing []string, key string) (bool, error)
}

// Buckets is what the control plane needs of S3 to keep a lake's bucket as configured: its default encryption
// and its lifecycle rules (the adapter builds objstore's configuration documents).
type Buckets interface {
	SetEncryption(ctx context.Context, owner *actor.Caller, bucket, kmsKeyARN string) error
	SetLifecycle(ctx context.Context, owner *actor.Caller, bucket string, lc *Lifecycle) error
	// SetReplication versions the bucket and its destinations and replicates the bucket's objects to each
	// destination as the role, re-encrypting SSE-KMS objects under the destination's key.
	SetReplication(ctx context.Context, owner *actor.Caller, bucket, roleARN string, to []ReplicaTarget) error
}

// ReplicaTarget is a rollup region's lake bucket and the key its replicas are encrypted under ("" for SSE-S3).
type ReplicaTarget struct {
	Bucket, KMSKeyARN string
}

// Keys is what the control plane needs of KMS to check a lake key: the key's ARN (from an ID, ARN or alias
// ARN, described as the lake's owner), and a trial of the key as a principal that names the action refused.
type Keys interface {
	Resolve(ctx context.Context, owner *actor.Caller, keyID string) (arn string, err error)
	Try(ctx context.Context, as *actor.Caller, keyARN string, encCtx map[string]string) (refused string, err error)
}

// Accounts says which accounts are in the organization, and which one manages it.
type Accounts interface {
	InOrganization(ctx context.Context, account string) (bool, error)
	Management(ctx context.Context) (string, error)
	// Members are the organization's accounts and when each joined it.
	Members(ctx context.Context) ([]Member, error)
}

// Member is an account of the organization and when it joined.
type Member struct {
	Account string
	Joined  time.Time
}

// Roles creates the IAM roles Security Lake creates in the customer's account (provider and subscriber roles).
type Roles interface {
	EnsureRole(ctx context.Context, owner *actor.Caller, name, path, trust, policyName, policy string) (arn string, err error)
	DeleteRole(ctx context.Context, owner *actor.Caller, name, policyName string) error
	RoleExists(ctx context.Context, owner *actor.Caller, arn string) (bool, error)
	// EnsureServiceLinkedRole creates the service-linked role of a service in the owner's account, if absent.
	EnsureServiceLinkedRole(ctx context.Context, owner *actor.Caller, service string) (arn string, err error)
}

// Queues creates the subscriber's queues: a main queue with a dead-letter queue and a queue policy.
type Queues interface {
	EnsureSubscriberQueue(ctx context.Context, owner *actor.Caller, name, policy string) (arn string, err error)
	DeleteSubscriberQueue(ctx context.Context, owner *actor.Caller, name string) error
	// SendAs sends a message to a queue as the given caller (Security Lake's service principal).
	SendAs(ctx context.Context, as *actor.Caller, queueARN, body string) error
}

// DataFiles records, durably with each write, the data files (.parquet) created under a prefix of a lake's
// bucket, for NotifyCommitted (objstore's subscriptions of kind lake, delivered by s3notify).
type DataFiles interface {
	SubscribeDataFiles(ctx context.Context, bucket, prefix string) error
	// SubscribeReplicas has the data files written into a rollup lake's bucket recorded for AddReplica.
	SubscribeReplicas(ctx context.Context, bucket string) error
}

// Collection says when ingestion last committed rows to account's lake in region, per source table and the
// account the events are of (ingest's records).
type Collection interface {
	Collected(ctx context.Context, account, region string) ([]Collected, error)
}

// Collected is when rows of a source (name and version, "VPC_FLOW" "2.0") of Account were last committed.
type Collected struct {
	Account, Source, Version string
	Last                     time.Time
}

// CollectingWindow is how recent a commit must be for a source to be COLLECTING.
const CollectingWindow = 24 * time.Hour

// Config configures the control plane.
type Config struct {
	Store    meta.Store
	Authz    actor.Authorizer
	Lakes    Lakes
	Buckets  Buckets
	Keys     Keys
	Accounts Accounts
	Roles    Roles
	Queues   Queues
	// Sessions, when set, gives the sessions of the resource-management role the lake's key is checked as and
	// its objects are re-encrypted as (nil: the Security Lake service principal).
	Sessions Sessions
	// DataFiles, when set, has subscribers with an SQS notification told of each new data file.
	DataFiles DataFiles
	// Probe, when set, answers CheckDataLake's questions.
	Probe Probe
	// Objects, when set, re-encrypts the lakes' objects (StartReencryption).
	Objects LakeObjects
	// Collection, when set, makes GetDataLakeSources report COLLECTING for the sources with recent commits.
	Collection Collection
	// QueryAccess, when set, shares the tables of LAKEFORMATION subscribers through Lake Formation and RAM.
	QueryAccess QueryAccess
	// Endpoints, when set, notifies HTTPS subscribers and exception subscriptions through EventBridge.
	Endpoints Endpoints
	// Problems, when set, turns what ingestion fails at into exceptions and MISCONFIGURED sources.
	Problems Problems
	// Limit is the per-account rate of Security Lake API calls (zero: DefaultLimit).
	Limit Limit
	// Seal seals the secrets the lake keeps (HTTPS notification API keys); nil: they are not kept.
	Seal   *seal.Key
	Clock  clock.Clock
	Rand   io.Reader
	Region string
	Logger *slog.Logger
}

// Service is the Security Lake control plane.
type Service struct {
	cfg   Config
	limit *limiter
}

// New returns the control plane over cfg's stores and services.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Authz == nil || cfg.Lakes == nil {
		return nil, errors.New("lake: Config needs Store, Authz and Lakes")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, limit: newLimiter(cfg.Limit)}, nil
}

// The refusal of Security Lake: AccessDeniedException, 403, with an errorCode.
var refusal = actor.Refusal{Code: "AccessDeniedException", Status: awserr.StatusForbidden}

// check authorizes c for action on resource, then spends a call of c's account's rate (ThrottlingException
// when it has none left: denied calls are not counted).
func (s *Service) check(ctx context.Context, c *actor.Caller, action, resource string) error {
	err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: resource}, refusal)
	var d *actor.Denial
	if errors.As(err, &d) {
		d.Err = d.Err.With("errorCode", "AccessDenied")
	}
	if err == nil {
		if wait := s.limit.take(c.Account, s.cfg.Clock.Now()); wait > 0 {
			return throttled(c.Account, wait, s.limit.limit)
		}
	}
	return err
}

func badRequest(format string, args ...any) error {
	return awserr.New("BadRequestException", awserr.StatusBadRequest, format, args...)
}

func notFound(typ, name, format string, args ...any) error {
	return awserr.New("ResourceNotFoundException", awserr.StatusNotFound, format, args...).
		With("resourceName", name).With("resourceType", typ)
}

func conflict(typ, name, format string, args ...any) error {
	return awserr.New("ConflictException", awserr.StatusConflict, format, args...).
		With("resourceName", name).With("resourceType", typ)
}

// region is the caller's region, or the home region.
func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

// LakeARN is the ARN of account's data lake in region.
func LakeARN(region, account string) string {
	return "arn:aws:securitylake:" + region + ":" + account + ":data-lake/default"
}

// SubscriberARN is the ARN of a subscriber.
func SubscriberARN(region, account, id string) string {
	return "arn:aws:securitylake:" + region + ":" + account + ":subscriber/" + id
}

// owner is the account itself acting on its own resources, as Security Lake does when it sets up what a lake
// needs in the customer's account.
func (s *Service) owner(account, region string) *actor.Caller {
	return &actor.Caller{Identity: actor.Identity{Type: actor.TypeRoot, Account: account, ARN: actor.RootARN(account), ID: account},
		Region: region, Time: s.cfg.Clock.Now(), SourceIP: EventSource, UserAgent: EventSource, InvokedBy: EventSource}
}

// forCaller is the caller as Security Lake acts for it in its request (a forward access session): the calls it
// makes of IAM and SQS while answering are decided on the caller's permissions, with aws:CalledVia
// securitylake.amazonaws.com, as on AWS, where creating a subscriber needs iam:CreateRole among others.
func (s *Service) forCaller(c *actor.Caller, region string) *actor.Caller {
	out := c.Via(EventSource)
	out.Region = region
	return out
}

// asLake turns another service's access denial into Security Lake's AccessDeniedException, keeping its message
// (which names the principal, the action and the resource), and wraps other errors with what was being done.
func asLake(err error, doing string) error {
	if err == nil {
		return nil
	}
	if ae, ok := awserr.As(err); ok && (ae.Code == "AccessDenied" || ae.Code == "AccessDeniedException") {
		return awserr.New(refusal.Code, refusal.Status, "%s", ae.Message).With("errorCode", "AccessDenied")
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// key joins the parts of a record's key.
func key(parts ...string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "/"
		}
		out += p
	}
	return out
}

func getJSON(tx meta.Tx, table, k string, v any) (bool, error) {
	b, err := tx.Get(table, k)
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode %s %s: %w", table, k, err)
	}
	return true, nil
}

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }

func putJSON(tx meta.Tx, table, k string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, k, b)
}

// scanJSON decodes every record of table under prefix, in key order.
func scanJSON[T any](tx meta.Tx, table, prefix string) ([]T, error) {
	var out []T
	var derr error
	err := tx.Scan(table, meta.Range{Prefix: prefix}, func(_ string, v []byte) bool {
		var x T
		if derr = json.Unmarshal(v, &x); derr != nil {
			return false
		}
		out = append(out, x)
		return true
	})
	return out, errors.Join(err, derr)
}
