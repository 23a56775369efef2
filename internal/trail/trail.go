// Package trail is CloudTrail's trails: they deliver seclake's audit trail to customers' buckets as CloudTrail
// log files, encrypted with the customer's KMS key, and prove them with signed digest files.
//
// # Trails
//
// A trail (CreateTrail, UpdateTrail, …) names a bucket, a key prefix, optionally a KMS key, and which records
// it selects: its home region's or, for a multi-region trail, every region's; management and data events by
// its event selectors; global services' events if asked. When a trail is created or its destination
// changes, the destination is checked as AWS checks it, as the service principal cloudtrail.amazonaws.com
// with aws:SourceArn set to the trail: the bucket exists, its policy allows s3:GetBucketAcl and s3:PutObject
// with the bucket-owner-full-control ACL, and the key policy allows kms:DescribeKey and kms:GenerateDataKey*
// under CloudTrail's encryption context. A refusal names the missing statement.
//
// # Delivery
//
// Every Interval, each logging trail reads the audit trail after its cursor (audit.Log.Read), keeps the
// records it selects and writes them, per region, as a gzip JSON {"Records":[…]} file under
// <prefix>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/ with objstore.Deliver, as
// cloudtrail.amazonaws.com, with SSE-KMS under the encryption context {"aws:cloudtrail:arn": trail ARN,
// "aws:s3:arn": object ARN}. The cursor advances only in the transaction that follows a durable write, so a
// delivery that fails (a policy changed after the trail was made) loses nothing: GetTrailStatus shows the
// error with what to fix, and the records are delivered once it is fixed. Delivery is at least once: a crash
// between the write and the cursor's commit delivers those records again in a new file.
//
// # Digests
//
// With log file validation, every DigestInterval each region of the trail gets a digest file under
// …/CloudTrail-Digest/… in AWS's format — the SHA-256 of each log file delivered since the previous digest,
// and the previous digest's hash and signature — signed (SHA256withRSA) with the trail's signing key for the
// region, whose private half is sealed with the root key; ListPublicKeys returns the public halves. Digest
// files are SSE-S3. Validate checks a trail's files from its bucket and reports every log file changed,
// deleted or added, and every broken digest.
package trail

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/seal"
)

// EventSource is CloudTrail's eventSource and the service principal that delivers trails.
const EventSource = "cloudtrail.amazonaws.com"

// Defaults of Config.
const (
	DefaultInterval       = 5 * time.Minute
	DefaultDigestInterval = time.Hour
	DefaultFileRecords    = 5000
)

// MaxTrailsPerRegion is how many trails an account may have in a region (multi-region trails count in
// every region), as AWS's quota.
const MaxTrailsPerRegion = 5

// Tables owned by this package.
const (
	tableTrails = "trail.trails" // <account>/<home region>/<name> → Trail
	tableStatus = "trail.status" // same key → status
	tableFiles  = "trail.files"  // <trail key>\x00<region>\x00<seq(8)> → LogFile not yet in a digest
	tableKeys   = "trail.keys"   // <account>/<region>/<name>/<fingerprint> → signingKey
)

// Config holds what the trail service needs.
type Config struct {
	Store   meta.Store
	Records Records
	Objects Objects
	Keys    Keys
	Authz   actor.Authorizer
	// Seal seals the private halves of the signing keys.
	Seal  *seal.Key
	Clock clock.Clock
	Rand  io.Reader
	// Region is the region of callers that name none.
	Region string
	Logger *slog.Logger
	// Interval is how often trails deliver (default DefaultInterval); DigestInterval how often digest files
	// are written (default DefaultDigestInterval).
	Interval, DigestInterval time.Duration
	// FileRecords bounds the records of one log file (default DefaultFileRecords).
	FileRecords int
	// GlobalSources are the event sources of global services, whose events a trail delivers only with
	// IncludeGlobalServiceEvents (default: IAM, Organizations).
	GlobalSources []string
}

// Service manages trails and delivers them. It is safe for concurrent use.
type Service struct {
	cfg    Config
	global map[string]bool
	node   string // this node's lease holder name

	keyMu sync.Mutex
	keys  map[string]*signer // unsealed signing keys by store key
}

// New returns the trail service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Records == nil || cfg.Objects == nil || cfg.Keys == nil || cfg.Authz == nil || cfg.Seal == nil {
		return nil, errors.New("trail: new: store, records, objects, keys, authorizer and seal are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.DigestInterval <= 0 {
		cfg.DigestInterval = DefaultDigestInterval
	}
	if cfg.FileRecords <= 0 {
		cfg.FileRecords = DefaultFileRecords
	}
	if cfg.GlobalSources == nil {
		cfg.GlobalSources = []string{"iam.amazonaws.com", "organizations.amazonaws.com"}
	}
	s := &Service{cfg: cfg, global: map[string]bool{}, keys: map[string]*signer{}}
	for _, g := range cfg.GlobalSources {
		s.global[g] = true
	}
	node, err := uniqueString(cfg.Rand)
	if err != nil {
		return nil, err
	}
	s.node = node
	return s, nil
}

// now returns the time status and file names record: UTC, whole seconds (as CloudTrail writes times), so
// that periods measured between such times are exact.
func (s *Service) now() time.Time { return s.cfg.Clock.Now().UTC().Truncate(time.Second) }
