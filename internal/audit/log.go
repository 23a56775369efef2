package audit

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

// Errors of the Log.
var (
	// ErrClosed is returned by Append after Close.
	ErrClosed = errors.New("audit: log closed")
	// ErrHeadInvalid means the stored chain head does not authenticate under the chain key: the trail was
	// tampered with, or this node has a different chain key than the one that wrote it. The Log refuses to
	// extend such a chain (every Append fails) until an operator has run Verify and repaired it.
	ErrHeadInvalid = errors.New("audit: chain head does not authenticate (tampered, or a different chain key)")
)

// MinChainKeyLen is the shortest chain key Open accepts.
const MinChainKeyLen = 32

// Config configures a Log. Store and ChainKey are required; the rest have defaults.
type Config struct {
	// Store holds the trail (table Table). Several Logs, on one node or many, may append to one store: each
	// batch reads and advances the chain head in one serializable transaction, so the chain stays linear.
	Store meta.Store
	// Clock gives event times to records that have none, and paces retries and MaxDelay. Default clock.System.
	Clock clock.Clock
	// ChainKey authenticates the entries and the chain head (HMAC-SHA256) and next tokens. It is a secret
	// derived from the root key, at least MinChainKeyLen bytes, and must be the same on every node and across
	// restarts: a chain written under another key fails Verify.
	ChainKey []byte
	// NewID returns a new event ID for records that have none. It must be safe for concurrent use. Default:
	// a time-ordered UUID (version 7: Clock's milliseconds, then 74 bits from crypto/rand). Lookup finds an
	// event by a version 7 ID through the milliseconds it carries, with an index row per batch; any other ID
	// costs an index row of its own, so callers should leave EventID empty and let the Log assign it.
	NewID func() string
	// MaxBatch is the most records committed in one transaction. Default 512.
	MaxBatch int
	// MaxDelay is how long the writer waits for a batch of only AppendAsync records to fill before committing
	// it; a batch with an Append caller in it is committed at once. Default 0: commit as soon as the writer is
	// free (batches still grow under load, while the previous commit runs).
	MaxDelay time.Duration
	// QueueSize bounds the records queued and not yet committed; Append and AppendAsync block while it is
	// full. Default 16384.
	QueueSize int
	// MaxAttempts is how many commits a record takes part in before it is given up: an AppendAsync record
	// is retried after any failure (then logged as lost), an Append record only after a conflict with
	// another node (then its caller gets the error). Default 5.
	MaxAttempts int
	// RetryBackoff is the pause after a failed commit (other than a conflict) before the writer tries again;
	// an Append caller arriving ends it early. Default 100ms.
	RetryBackoff time.Duration
	// Logger receives failures that have no caller to return to (AppendAsync records). Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Clock == nil {
		c.Clock = clock.System
	}
	if c.NewID == nil {
		clk := c.Clock
		c.NewID = func() string { return newUUIDv7(clk.Now()) }
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 512
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 16384
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 100 * time.Millisecond
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Log is the audit trail. Append, AppendAsync and Lookup are safe for concurrent use.
//
// One writer goroutine takes the queued records (from Append and AppendAsync) and commits up to MaxBatch of
// them in one meta.Update (group commit), then wakes the Append callers of that batch.
type Log struct {
	cfg Config
	mac macKey
	zip compressor // compresses batch rows

	slots   chan struct{} // one token per queued record: bounds the queue
	wake    chan struct{} // a record was queued
	urgent  chan struct{} // an Append caller is waiting, or a full batch is queued
	closing chan struct{} // closed by Close
	exited  chan struct{} // closed when the writer has drained the queue and stopped

	mu     sync.Mutex
	queue  []*item
	closed bool

	closeOnce sync.Once
	closeErr  error // written by the writer before exited is closed

	appended, committed, batches, dropped atomic.Uint64
}

// item is a record waiting for the writer.
type item struct {
	json    []byte
	eventID string
	ix      indexed // what the indexes need of the record
	done    chan error
	tries   int
}

// Open starts a Log on cfg.Store. It checks that the stored chain head (if any) authenticates under
// cfg.ChainKey.
func Open(ctx context.Context, cfg Config) (*Log, error) {
	if cfg.Store == nil {
		return nil, errors.New("audit: open: no store")
	}
	if len(cfg.ChainKey) < MinChainKeyLen {
		return nil, fmt.Errorf("audit: open: chain key is %d bytes, need at least %d", len(cfg.ChainKey), MinChainKeyLen)
	}
	cfg.setDefaults()
	l := &Log{
		cfg:     cfg,
		mac:     macKey{key: append([]byte(nil), cfg.ChainKey...)},
		slots:   make(chan struct{}, cfg.QueueSize),
		wake:    make(chan struct{}, 1),
		urgent:  make(chan struct{}, 1),
		closing: make(chan struct{}),
		exited:  make(chan struct{}),
	}
	err := cfg.Store.View(ctx, func(tx meta.Tx) error {
		_, err := l.readHead(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: open: %w", err)
	}
	go l.run()
	return l, nil
}

// Append adds r to the trail and returns once it is durable. It fills in r's defaults first (EventID,
// EventTime, …; see Record), so the caller can read them afterwards. A nil error means the record is
// committed; an error after ctx ends does not mean it was not (the commit may still complete).
func (l *Log) Append(ctx context.Context, r *Record) error {
	it, err := l.prepare(r)
	if err != nil {
		return err
	}
	it.done = make(chan error, 1)
	if err := l.enqueue(ctx, it); err != nil {
		return err
	}
	select {
	case err := <-it.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("audit: wait for commit of %s: %w", it.eventID, ctx.Err())
	}
}

// AppendAsync adds r to the trail without waiting: the record is durable shortly after (with the next
// batch), and Close flushes every queued record. It is for read-only requests. It fills in r's defaults
// like Append and does not keep r. It blocks only while the queue is full. Failures are logged: an invalid
// record, a record given after Close, and one whose commit failed MaxAttempts times.
func (l *Log) AppendAsync(r *Record) {
	it, err := l.prepare(r)
	if err == nil {
		err = l.enqueue(context.Background(), it)
	}
	if err != nil {
		l.dropped.Add(1)
		l.cfg.Logger.Error("audit record lost", "eventID", r.EventID, "eventName", r.EventName, "err", err)
	}
}

// prepare normalizes r and encodes it for the writer.
func (l *Log) prepare(r *Record) (*item, error) {
	if err := normalize(r, l.cfg.Clock.Now(), l.cfg.NewID); err != nil {
		return nil, err
	}
	js, err := marshalRecord(r)
	if err != nil {
		return nil, err
	}
	return &item{json: js, eventID: r.EventID, ix: indexOf(r)}, nil
}

// enqueue queues it for the writer, waiting for room while the queue is full (until ctx ends).
func (l *Log) enqueue(ctx context.Context, it *item) error {
	select {
	case l.slots <- struct{}{}:
	case <-l.closing:
		return ErrClosed
	case <-ctx.Done():
		return fmt.Errorf("audit: queue record %s: %w", it.eventID, ctx.Err())
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.slots
		return ErrClosed
	}
	l.queue = append(l.queue, it)
	full := len(l.queue) >= l.cfg.MaxBatch
	l.mu.Unlock()
	if !it.barrier() {
		l.appended.Add(1)
	}
	signal(l.wake)
	if it.done != nil || full {
		signal(l.urgent)
	}
	return nil
}

// signal wakes whoever waits on ch, without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Close commits every queued record, stops the writer and returns an error if records were lost. It does
// not close the store. Append and AppendAsync fail after Close.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.closing)
	})
	<-l.exited
	return l.closeErr
}

// Stats counts what a Log has done since Open.
type Stats struct {
	Appended  uint64 // records queued
	Committed uint64 // records committed
	Batches   uint64 // transactions committed
	Dropped   uint64 // AppendAsync records lost (see AppendAsync)
}

// Stats returns the Log's counters.
func (l *Log) Stats() Stats {
	return Stats{
		Appended:  l.appended.Load(),
		Committed: l.committed.Load(),
		Batches:   l.batches.Load(),
		Dropped:   l.dropped.Load(),
	}
}

// newUUIDv7 returns a version-7 UUID (RFC 9562) for time t: 48 bits of Unix milliseconds, then random bits.
func newUUIDv7(t time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(fmt.Sprintf("audit: crypto/rand: %v", err)) // crypto/rand.Read does not fail on supported platforms
	}
	ms := uint64(t.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	return formatUUID(b, 7)
}

// formatUUID sets the version and variant bits of b and formats it as a UUID.
func formatUUID(b [16]byte, version byte) string {
	b[6] = b[6]&0x0f | version<<4
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0x0f])
	}
	return string(out)
}
