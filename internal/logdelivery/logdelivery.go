// Package logdelivery is the log-delivery service (delivery.logs.amazonaws.com): it writes the log files of
// VPC Flow Logs and Network Firewall into customers' buckets as AWS does — as the service principal, with
// aws:SourceAccount and aws:SourceArn, under the bucket's policy and default encryption, so the guides' bucket and
// key policies decide — and where AWS drops a refused file without a word, it keeps it and says why.
//
// A file to deliver is first held: its body sealed (segment format, under a random data key wrapped with a key
// derived from the root key) in the blob store, its record in the meta store, per stream (a flow log, a
// firewall's log type). Deliver — a periodic job — writes each stream's held files, oldest first; a refusal
// stops that stream until the next run and is kept as the stream's status (the principal, the action, the
// resource and the statement that would allow it), which the services show to users
// (DescribeFlowLogs, DescribeLoggingConfiguration). Once the policy is fixed the held files are delivered.
// Each stream holds at most Config.MaxHeldBytes; beyond it the oldest files are dropped and counted.
package logdelivery

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
)

// Principal is the service principal that delivers the files.
const Principal = "delivery.logs.amazonaws.com"

// DefaultMaxHeldBytes bounds the files one stream holds while its deliveries are refused.
const DefaultMaxHeldBytes = 512 << 20

// Tables owned by this package.
const (
	tableHeld    = "logdelivery.held"    // <stream>\x00<seq, 20 digits> → heldFile
	tableStreams = "logdelivery.streams" // <stream> → Status
)

// Writer writes a file into a bucket as a service; *objstore.Service satisfies it.
type Writer interface {
	Deliver(ctx context.Context, in objstore.DeliveryInput) (*objstore.Object, error)
}

// Config holds what the service needs. Store, Blobs, Seal and Objects are required.
type Config struct {
	Store   meta.Store
	Blobs   blob.Store
	Seal    *seal.Key
	Objects Writer
	Clock   clock.Clock
	Rand    io.Reader
	Logger  *slog.Logger
	// MaxHeldBytes bounds each stream's held files (default DefaultMaxHeldBytes).
	MaxHeldBytes int64
}

// Service holds and delivers log files. It is safe for concurrent use.
type Service struct {
	cfg Config
}

// New returns the service.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Seal == nil || cfg.Objects == nil {
		return nil, errors.New("logdelivery: store, blobs, seal and objects are required")
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
	if cfg.MaxHeldBytes <= 0 {
		cfg.MaxHeldBytes = DefaultMaxHeldBytes
	}
	return &Service{cfg: cfg}, nil
}

// File is one log file to deliver.
type File struct {
	// Stream names what the file belongs to ("vpcflowlogs/<account>/<region>/<flow log ID>"); its status
	// collects the deliveries' outcomes.
	Stream string
	// Account and Region are where the file comes from; SourceARN is the aws:SourceArn the delivery carries
	// (arn:aws:logs:<region>:<account>:…, as the guides' conditions expect).
	Account, Region, SourceARN string
	// Bucket and Key are where it goes.
	Bucket, Key string
	// Body is the file as written (already gzip-compressed or Parquet).
	Body []byte
	// ContentType and ContentEncoding describe Body.
	ContentType, ContentEncoding string
}

// Status is what a stream's deliveries came to.
type Status struct {
	// Delivered counts the files delivered; LastDelivered is when the last one was.
	Delivered     uint64
	LastDelivered time.Time
	// LastError says why the last delivery was refused (empty once a later one succeeds); LastErrorTime is when.
	LastError     string
	LastErrorTime time.Time
	// Held and HeldBytes are the files waiting; Dropped counts the files dropped because the bound was hit.
	Held      int
	HeldBytes int64
	Dropped   uint64
	// NextSeq numbers the stream's next held file.
	NextSeq uint64
}
