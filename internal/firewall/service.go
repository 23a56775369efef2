package firewall

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seclake/seclake/internal/background"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

// refreshInterval is how often a node reloads the firewalls, so one configured on another node starts logging.
const refreshInterval = 10 * time.Second

// MaxBufferedBytes bounds the compressed records a node keeps in memory between publications, all firewalls
// together; beyond it records are dropped and counted (Stats.Dropped).
const MaxBufferedBytes = 256 << 20

// Service manages firewalls and their logs. It is safe for concurrent use.
type Service struct {
	cfg Config
	run background.Runner

	mu       sync.Mutex
	bySensor map[string][]*Firewall
	open     map[string]*logFile // by stream
	ready    []*logFile          // full files, waiting for the next publication
	buffered int64               // compressed bytes of the open and ready files
	scratch  []byte              // the record being wrapped
	loaded   time.Time

	received, logged, skipped, refused, unwatched, dropped atomic.Uint64
}

// logFile is a log file being filled: one firewall's records of one log type, compressed as they arrive (a
// file holds up to 75 MB of records; held as they come they cost a node that much memory per file).
type logFile struct {
	fw      *Firewall
	logType string
	opened  time.Time
	zw      *gzip.Writer // writes wrapped records, one per line, into body; nil once finished
	body    bytes.Buffer // the gzip file
	raw     int64        // bytes written into zw
}

// finish completes the gzip file (once) and returns by how many bytes body grew.
func (f *logFile) finish() int64 {
	if f.zw == nil {
		return 0
	}
	n := f.body.Len()
	f.zw.Close() // into a bytes.Buffer: cannot fail
	f.zw = nil
	return int64(f.body.Len() - n)
}

// Stats counts the EVE lines a node received since it started.
type Stats struct {
	// Received lines; Logged into a log file; Skipped of an event type Network Firewall does not log; Refused
	// not EVE (not a JSON object); Unwatched of a sensor no firewall with logging watches; Dropped while the
	// node's buffer was full.
	Received, Logged, Skipped, Refused, Unwatched, Dropped uint64
}

// New returns the service. Start runs its publishing loop; Observe feeds it EVE lines.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Authz == nil || cfg.Objects == nil || cfg.Keys == nil || cfg.Delivery == nil {
		return nil, errConfig
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
	if cfg.PublishInterval <= 0 {
		cfg.PublishInterval = DefaultPublishInterval
	}
	return &Service{cfg: cfg, bySensor: map[string][]*Firewall{}, open: map[string]*logFile{}}, nil
}

// Start runs the loop that reloads the firewalls and publishes log files, until Stop.
func (s *Service) Start() { s.run.Start(s.loop) }

// Stop stops the loop, publishing what was recorded, and waits for it.
func (s *Service) Stop() { s.run.Stop() }

// Stats returns the node's counts.
func (s *Service) Stats() Stats {
	return Stats{Received: s.received.Load(), Logged: s.logged.Load(), Skipped: s.skipped.Load(), Refused: s.refused.Load(),
		Unwatched: s.unwatched.Load(), Dropped: s.dropped.Load()}
}

func (s *Service) loop(ctx context.Context) {
	if err := s.reload(ctx, true); err != nil {
		s.cfg.Logger.Error("network firewall: load firewalls", "err", err)
	}
	tick := s.cfg.Clock.NewTicker(refreshInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.Publish(context.WithoutCancel(ctx), true); err != nil {
				s.cfg.Logger.Error("network firewall: publish on stop", "err", err)
			}
			return
		case <-tick.C():
			if err := s.Publish(ctx, false); err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("network firewall", "err", err)
			}
		}
	}
}

// eveHead is what a line's routing needs.
type eveHead struct {
	EventType string `json:"event_type"`
	Host      string `json:"host"`
}

// logTypeOf returns the log an EVE event type goes to, or "" for the types Network Firewall does not log.
func logTypeOf(eventType string) string {
	switch eventType {
	case "alert", "drop":
		return LogAlert
	case "netflow", "flow":
		return LogFlow
	case "tls":
		return LogTLS
	}
	return ""
}

// Observe records one EVE line (an eve.Sink): it is wrapped and added to the log file of each firewall that
// watches its sensor and logs its type. It does not block on the store.
func (s *Service) Observe(line []byte) {
	s.received.Add(1)
	line = bytes.TrimSpace(line)
	var h eveHead
	if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &h) != nil {
		s.refused.Add(1)
		return
	}
	logType := logTypeOf(h.EventType)
	if logType == "" {
		s.skipped.Add(1)
		return
	}
	sensor := h.Host
	if sensor == "" {
		sensor = "default"
	}
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	logged := false
	for _, fw := range s.bySensor[sensor] {
		if !fw.logs(logType) {
			continue
		}
		if s.buffered+int64(len(line))+128 > MaxBufferedBytes {
			s.dropped.Add(1)
			continue
		}
		s.appendLocked(fw, logType, line, now)
		logged = true
	}
	if logged {
		s.logged.Add(1)
	} else {
		s.unwatched.Add(1)
	}
}

// appendLocked wraps line as Network Firewall does and adds it to the firewall's open file. s.mu is held.
func (s *Service) appendLocked(fw *Firewall, logType string, line []byte, now time.Time) {
	stream := fw.stream(logType)
	f := s.open[stream]
	if f == nil {
		f = &logFile{fw: fw, logType: logType, opened: now}
		f.zw = gzip.NewWriter(&f.body)
		s.open[stream] = f
	}
	b := append(s.scratch[:0], `{"firewall_name":`...)
	b = strconv.AppendQuote(b, fw.Name)
	b = append(b, `,"availability_zone":`...)
	b = strconv.AppendQuote(b, fw.zone())
	b = append(b, `,"event_timestamp":"`...)
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, `","event":`...)
	b = append(b, line...)
	b = append(b, "}\n"...)
	s.scratch = b
	n := f.body.Len()
	f.zw.Write(b) // into a bytes.Buffer: cannot fail
	f.raw += int64(len(b))
	if f.raw >= MaxFileBytes {
		f.finish()
		s.ready = append(s.ready, f)
		delete(s.open, stream)
	}
	s.buffered += int64(f.body.Len() - n)
}

// logs reports whether the firewall has an S3 destination for the log type.
func (f *Firewall) logs(logType string) bool {
	for _, d := range f.Logging {
		if d.LogType == logType && d.DestinationType == "S3" {
			return true
		}
	}
	return false
}

// reload reads the firewalls from the store when they are older than refreshInterval (or force). Open files of
// firewalls that remain keep their records under the new definition.
func (s *Service) reload(ctx context.Context, force bool) error {
	s.mu.Lock()
	fresh := !force && s.cfg.Clock.Now().Sub(s.loaded) < refreshInterval
	s.mu.Unlock()
	if fresh {
		return nil
	}
	var all []*Firewall
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		all, err = meta.ScanJSON[Firewall](tx, tableFirewalls, meta.Range{})
		return err
	})
	if err != nil {
		return fmt.Errorf("firewall: load firewalls: %w", err)
	}
	by := map[string][]*Firewall{}
	for _, f := range all {
		if len(f.Logging) > 0 {
			by[f.Sensor()] = append(by[f.Sensor()], f)
		}
	}
	s.mu.Lock()
	s.bySensor, s.loaded = by, s.cfg.Clock.Now()
	s.mu.Unlock()
	return nil
}
