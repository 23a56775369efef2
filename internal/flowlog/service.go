package flowlog

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/seclake/seclake/internal/background"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/netflow"
)

// refreshInterval is how often a node reloads the flow logs, so one created on another node starts recording.
const refreshInterval = 10 * time.Second

// Service manages flow logs and turns the flows it observes into their files. It is safe for concurrent use.
type Service struct {
	cfg Config

	mu      sync.Mutex
	logs    map[string]*watched // by flow log ID
	byVPC   map[string][]*watched
	byENI   map[string][]*watched
	loaded  time.Time
	run     background.Runner
	dropped uint64 // flows observed while the flow logs could not be loaded
}

// watched is a flow log as this node records it: its definition, parsed format and open windows.
type watched struct {
	log     *FlowLog
	format  *format
	windows map[int64]map[aggKey]*record // aggregation window start (Unix seconds) → records
	ready   []*record                    // records of closed windows, waiting for the next file
}

// New returns the service. Start runs its publishing loop; Observe feeds it flows.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Authz == nil || cfg.Objects == nil || cfg.Delivery == nil {
		return nil, errNoStore
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
	return &Service{cfg: cfg, logs: map[string]*watched{}}, nil
}

// Start runs the loop that closes aggregation windows and publishes files, until Stop.
func (s *Service) Start() { s.run.Start(s.loop) }

// Stop stops the loop, publishing what has been aggregated so far, and waits for it.
func (s *Service) Stop() { s.run.Stop() }

// loop reloads the flow logs every refreshInterval and publishes every PublishInterval.
func (s *Service) loop(ctx context.Context) {
	if err := s.reload(ctx, true); err != nil {
		s.cfg.Logger.Error("flow logs: load", "err", err)
	}
	tick := s.cfg.Clock.NewTicker(refreshInterval)
	defer tick.Stop()
	published := s.cfg.Clock.Now()
	for {
		select {
		case <-ctx.Done():
			if err := s.Publish(context.WithoutCancel(ctx), true); err != nil {
				s.cfg.Logger.Error("flow logs: publish on stop", "err", err)
			}
			return
		case now := <-tick.C():
			var err error
			if now.Sub(published) >= s.cfg.PublishInterval {
				published, err = now, s.Publish(ctx, false)
			} else {
				err = s.reload(ctx, false)
			}
			if err != nil && ctx.Err() == nil {
				s.cfg.Logger.Error("flow logs", "err", err)
			}
		}
	}
}

// Observe records flows (a netflow.Sink). It does not block on the store: the flow logs are reloaded in the
// background of Publish and of the calls that change them.
func (s *Service) Observe(flows []netflow.Flow) {
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range flows {
		s.observeLocked(&flows[i], now)
	}
}

// reload reads the flow logs from the store when they are older than refreshInterval (or force), keeping the
// open windows of those that remain.
func (s *Service) reload(ctx context.Context, force bool) error {
	s.mu.Lock()
	fresh := !force && s.cfg.Clock.Now().Sub(s.loaded) < refreshInterval
	s.mu.Unlock()
	if fresh {
		return nil
	}
	var all []*FlowLog
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		all, err = meta.ScanJSON[FlowLog](tx, tableLogs, meta.Range{})
		return err
	})
	if err != nil {
		return fmt.Errorf("flowlog: load flow logs: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	logs := make(map[string]*watched, len(all))
	s.byVPC, s.byENI = map[string][]*watched{}, map[string][]*watched{}
	for _, f := range all {
		w := s.logs[f.ID]
		if w == nil {
			fm, err := parseFormat(f.LogFormat)
			if err != nil {
				s.cfg.Logger.Error("flow logs: a stored log format does not parse", "flow_log", f.ID, "err", err)
				continue
			}
			w = &watched{format: fm, windows: map[int64]map[aggKey]*record{}}
		}
		w.log = f
		logs[f.ID] = w
		if f.ResourceID[:4] == "vpc-" {
			s.byVPC[f.ResourceID] = append(s.byVPC[f.ResourceID], w)
		} else {
			s.byENI[f.ResourceID] = append(s.byENI[f.ResourceID], w)
		}
	}
	for id, w := range s.logs {
		if _, ok := logs[id]; !ok && (len(w.windows) > 0 || len(w.ready) > 0) {
			s.cfg.Logger.Info("flow logs: records of a deleted flow log are discarded", "flow_log", id)
		}
	}
	s.logs, s.loaded = logs, s.cfg.Clock.Now()
	return nil
}
