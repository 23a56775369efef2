// Package location holds the registered ingest locations: a bucket and prefix of seclake's S3 whose objects
// become rows in the owner's lake. Registering one checks that the caller may read it and that the Security
// Lake service principal may (or grants it), creates the owner's lake in the region if there is none,
// subscribes to the objects created under the prefix (objstore records an event with each write, s3notify
// delivers it here, IngestEvent queues the object) and backfills the objects already there, page by page from a
// cursor kept in meta, so a restart resumes where it stopped. Queuing is idempotent (the ingestion engine
// records each object's identity once), so an object both listed and notified is ingested once.
//
// Every operation authorizes its action (seclake:<Operation>) on the location's ARN as the caller.
package location

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/table"
)

// SourceAuto is the source of a location whose objects' formats are detected from their keys.
const SourceAuto = "auto"

// Location is a registered location.
type Location struct {
	ID     string `json:"locationId"`
	Owner  string `json:"owner"` // the account whose lake the rows go to
	Bucket string `json:"bucket"`
	Prefix string `json:"prefix,omitempty"`
	Source string `json:"source"` // a source name, or SourceAuto
	Region string `json:"region"` // the lake's region
	// Remote names the remote S3 endpoint (config ingest.remotes) the bucket is on, polled; "" for seclake's S3.
	Remote  string    `json:"remote,omitempty"`
	Created time.Time `json:"created"`
	// Backfill is the progress of the listing of the objects present when the location was added.
	Backfill Backfill `json:"backfill"`
	// Objects counts the location's objects in the ingestion engine (filled in by Get and List, not stored).
	Objects Counts `json:"-"`
}

// Counts are a location's objects in the ingestion engine: waiting (Failed of them after a failed attempt) and
// done.
type Counts struct {
	Queued, Done, Failed int64
}

// ARN is the location's ARN, the resource its operations authorize.
func (l *Location) ARN() string { return LocationARN(l.Region, l.Owner, l.ID) }

// LocationARN is the ARN of location id of account in region ("*" for all).
func LocationARN(region, account, id string) string {
	return "arn:aws:seclake:" + region + ":" + account + ":ingest-location/" + id
}

// Backfill is the progress of a location's backfill: objects listed and queued (Enqueued counts those the
// ingestion engine had not seen), Complete once the listing reached its end.
type Backfill struct {
	Listed   int64 `json:"listed"`
	Enqueued int64 `json:"enqueued"`
	Complete bool  `json:"complete"`
	// Error is why the last listing of a remote location failed ("" once one succeeds); it is retried.
	Error string `json:"error,omitempty"`
}

// record is a location as stored, with the backfill's cursor: the last key listed.
type record struct {
	Location
	Cursor string `json:"cursor,omitempty"`
}

// Engine is the ingestion engine (*ingest.Service): its queue, whose Enqueue is durable and idempotent (an
// object already queued or ingested is not added again), and its reports.
type Engine interface {
	Enqueue(ctx context.Context, refs ...ingest.ObjectRef) (int, error)
	Status(ctx context.Context) (ingest.Status, error)
	Failures(ctx context.Context, limit int) ([]ingest.Failure, error)
	SetAside(ctx context.Context, source string, limit int) ([]ingest.SetAsideRecord, error)
}

// Objects is what locations need of the object store (*objstore.Service).
type Objects interface {
	AuthorizeRead(ctx context.Context, c *actor.Caller, bucket, prefix string) (*objstore.Bucket, error)
	Subscribe(ctx context.Context, bucket, prefix, id string) error
	Unsubscribe(ctx context.Context, bucket, id string) error
	GetBucketPolicy(ctx context.Context, c *actor.Caller, bucket string) (string, error)
	PutBucketPolicy(ctx context.Context, c *actor.Caller, bucket, policy string) error
	ListObjects(ctx context.Context, c *actor.Caller, in objstore.ListInput) (*objstore.ListOutput, error)
}

// Lakes is the server's data lakes (*table.Lakes).
type Lakes interface {
	Get(ctx context.Context, account, region string) (table.LakeInfo, bool, error)
	Create(ctx context.Context, owner *actor.Caller, region, kmsKey string) (table.LakeInfo, error)
}

// Config holds what the service needs; all but Clock and Logger are required.
type Config struct {
	Meta    meta.Store
	Objects Objects
	Lakes   Lakes
	Engine  Engine
	Authz   actor.Authorizer
	Clock   clock.Clock
	Logger  *slog.Logger
	// PageSize is how many keys a backfill listing page holds (default and most 1000); PagesPerRun how many
	// pages one backfill pass reads per location (default 20), so a large location does not hold the job for
	// long: the next pass continues from the cursor.
	PageSize, PagesPerRun int
	// Remotes are the remote S3 endpoints remote locations list (nil: none is configured); PollInterval is
	// how often a remote location is listed for new objects (default DefaultPollInterval).
	Remotes      RemoteSources
	PollInterval time.Duration
}

// Service is the registered locations.
type Service struct {
	cfg    Config
	mu     sync.Mutex
	polled map[string]time.Time // remote location ID → when its last poll started
}

const tableLocations = "location.locations" // location ID → record

// New returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Meta == nil || cfg.Objects == nil || cfg.Lakes == nil || cfg.Engine == nil || cfg.Authz == nil {
		return nil, errors.New("location: Meta, Objects, Lakes, Engine and Authz are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PageSize <= 0 || cfg.PageSize > 1000 {
		cfg.PageSize = 1000
	}
	if cfg.PagesPerRun <= 0 {
		cfg.PagesPerRun = 20
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	return &Service{cfg: cfg, polled: map[string]time.Time{}}, nil
}

// refusal is the access-denied error of seclake's REST-JSON API.
var refusal = actor.Refusal{Code: "AccessDeniedException", Status: awserr.StatusForbidden}

// Authorize decides action on resource (an ARN of LocationARN) for c, with the identity's policies.
func (s *Service) Authorize(ctx context.Context, c *actor.Caller, action, resource string) error {
	return actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: resource}, refusal)
}

// List returns the locations of the caller's account, by ID.
func (s *Service) List(ctx context.Context, c *actor.Caller) ([]Location, error) {
	if err := s.Authorize(ctx, c, "seclake:ListIngestLocations", LocationARN(c.Region, c.Account, "*")); err != nil {
		return nil, err
	}
	recs, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []Location
	for _, r := range recs {
		if r.Owner == c.Account {
			out = append(out, r.Location)
		}
	}
	return out, s.count(ctx, out)
}

// count fills in the Objects of locs from the engine's status.
func (s *Service) count(ctx context.Context, locs []Location) error {
	if len(locs) == 0 {
		return nil
	}
	st, err := s.cfg.Engine.Status(ctx)
	if err != nil {
		return err
	}
	for i := range locs {
		for _, r := range st.Sources {
			if r.Location == locs[i].ID {
				o := &locs[i].Objects
				o.Queued, o.Done, o.Failed = o.Queued+r.Queued, o.Done+r.Done, o.Failed+r.Failed
			}
		}
	}
	return nil
}

// Get returns the caller's account's location id.
func (s *Service) Get(ctx context.Context, c *actor.Caller, id string) (*Location, error) {
	r, err := s.owned(ctx, c, id, "seclake:GetIngestLocation")
	if err != nil {
		return nil, err
	}
	locs := []Location{r.Location}
	return &locs[0], s.count(ctx, locs)
}

// Remove unregisters location id: objects created later are not ingested; what was ingested stays in the lake.
func (s *Service) Remove(ctx context.Context, c *actor.Caller, id string) (*Location, error) {
	r, err := s.owned(ctx, c, id, "seclake:RemoveIngestLocation")
	if err != nil {
		return nil, err
	}
	if r.Remote == "" {
		if err := s.cfg.Objects.Unsubscribe(ctx, r.Bucket, r.ID); err != nil {
			return nil, err
		}
	}
	err = s.cfg.Meta.Update(ctx, func(tx meta.Tx) error { return tx.Delete(tableLocations, id) })
	if err != nil && !errors.Is(err, meta.ErrNotFound) {
		return nil, err
	}
	return &r.Location, nil
}

// owned authorizes action on location id for c and returns it; a location of another account is not found.
func (s *Service) owned(ctx context.Context, c *actor.Caller, id, action string) (*record, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	arn := LocationARN(c.Region, c.Account, id)
	if r != nil && r.Owner == c.Account {
		arn = r.ARN()
	}
	if err := s.Authorize(ctx, c, action, arn); err != nil {
		return nil, err
	}
	if r == nil || r.Owner != c.Account {
		return nil, awserr.New("ResourceNotFoundException", awserr.StatusNotFound, "There is no ingest location %q in account %s.", id, c.Account)
	}
	return r, nil
}

// load returns the record of location id, or nil.
func (s *Service) load(ctx context.Context, id string) (*record, error) {
	var r *record
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		var err error
		r, err = getRecord(tx, id)
		return err
	})
	return r, err
}

// all returns every location's record, by ID.
func (s *Service) all(ctx context.Context) ([]record, error) {
	var out []record
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		var derr error
		err := tx.Scan(tableLocations, meta.Range{}, func(_ string, v []byte) bool {
			var r record
			if derr = json.Unmarshal(v, &r); derr != nil {
				return false
			}
			out = append(out, r)
			return true
		})
		return errors.Join(err, derr)
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

func putRecord(tx meta.Tx, r *record, insert bool) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if insert {
		return tx.Insert(tableLocations, r.ID, v)
	}
	return tx.Put(tableLocations, r.ID, v)
}

// newID returns a location ID: "loc-" and 16 hex digits.
func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "loc-" + hex.EncodeToString(b)
}
