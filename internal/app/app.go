// Package app wires seclake together: configuration → stores → services → the edge server, as components
// (internal/component) started in dependency order. It is the only package that knows the concrete stores.
package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/seclake/seclake/internal/api"
	eventsapi "github.com/seclake/seclake/internal/api/events"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/eve"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/lake"
	"github.com/seclake/seclake/internal/netflow"
	"github.com/seclake/seclake/internal/s3remote"
	"github.com/seclake/seclake/internal/schedule"
	"github.com/seclake/seclake/internal/stack"
	"github.com/seclake/seclake/internal/table"
)

// Options are the parts of the environment a Server takes from its caller; tests replace them.
type Options struct {
	// Clock defaults to the system clock.
	Clock clock.Clock
	// Logger defaults to a logger built from the config, writing to Stderr.
	Logger *slog.Logger
	// Stdout receives the one-time bootstrap notice; default os.Stdout.
	Stdout io.Writer
	// Stderr receives logs; default os.Stderr.
	Stderr io.Writer
	// Getenv reads secrets and pins from the environment; default os.LookupEnv.
	Getenv func(string) (string, bool)
	// Node names this node in the records of the background jobs it runs; default the host name and a random
	// suffix.
	Node string
}

// Server is a running seclake.
type Server struct {
	cfg      config.Config
	target   component.Target
	log      *slog.Logger
	clock    clock.Clock
	node     string
	reg      component.Registry  // the server's components, started in dependency order
	stack    *stack.Stack        // the services
	services []*api.Service      // what the edge serves (none on a worker node)
	sched    *schedule.Scheduler // the background jobs
	metrics  *prometheus.Registry
	ln       net.Listener
	http     *http.Server
	blobName string
	served   chan error
	notice   string // the one-time bootstrap notice, printed once the listener is bound
	// AccountID is the management account.
	AccountID string
}

// auditMaxDelay is how long the audit writer lets the records of read-only requests gather before it commits
// them (a batch holding a mutating request's record or a lookup's flush commits at once). Read-only requests do not
// wait for their record, so this costs them nothing; under load it makes batches of hundreds instead of
// tens, which cuts the server's CPU per audited request by a third (docs/benchmarks.md, edge).
const auditMaxDelay = 5 * time.Millisecond

// Start opens the data directory and stores, bootstraps the management account on first start, starts the
// background jobs if the target runs them, and starts serving. It returns once the listener is bound.
func Start(ctx context.Context, cfg config.Config, opt Options) (*Server, error) {
	opt = opt.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := opt.Logger
	if log == nil {
		log = NewLogger(cfg, opt.Stderr)
	}
	s := &Server{cfg: cfg, target: component.Target(cfg.Target), log: log, clock: opt.Clock, node: opt.Node, served: make(chan error, 1)}
	if s.node == "" {
		s.node = nodeName()
	}
	s.metrics = prometheus.NewRegistry()
	s.metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	scfg := stack.Config{
		Open: func(ctx context.Context) (stack.Stores, error) {
			st, name, err := openStores(ctx, cfg, log, opt)
			s.blobName = name
			return st, err
		},
		Close:                   func() error { return s.stack.Meta.Close() },
		Clock:                   opt.Clock,
		Rand:                    rand.Reader,
		Logger:                  log,
		Metrics:                 s.metrics,
		Region:                  cfg.Region,
		Target:                  s.target,
		TrailInterval:           time.Duration(cfg.TrailInterval),
		TrailDigestInterval:     time.Duration(cfg.TrailDigestInterval),
		FlowListen:              cfg.FlowListen,
		FlowPublishInterval:     time.Duration(cfg.FlowPublishInterval),
		EVEListen:               cfg.EVEListen,
		EVEFile:                 cfg.EVEFile,
		FirewallPublishInterval: time.Duration(cfg.FirewallPublishInterval),
		EventsHTTP:              eventsapi.NewInvoker(5 * time.Second),
		LakeLimit:               lake.Limit{Rate: cfg.SecurityLake.RateLimit, Burst: cfg.SecurityLake.Burst},
		Ingest: ingest.FlushPolicy{MaxBytes: cfg.Ingest.FlushBytes, MaxAge: time.Duration(cfg.Ingest.FlushAge),
			MaxBufferBytes: cfg.Ingest.BufferBytes},
		Athena: stack.AthenaConfig{Concurrency: cfg.Athena.Concurrency, Workers: cfg.Athena.Workers,
			QueryTimeout: time.Duration(cfg.Athena.QueryTimeout)},
	}
	if len(cfg.Replication.Remotes) > 0 {
		remotes, err := s3remote.New(cfg.Replication.Remotes, opt.Getenv)
		if err != nil {
			return nil, err
		}
		scfg.Remotes = remotes
	}
	if len(cfg.Ingest.Remotes) > 0 {
		sources, err := s3remote.NewSources(cfg.Ingest.Remotes, opt.Getenv)
		if err != nil {
			return nil, err
		}
		scfg.IngestRemotes = sources
	}
	scfg.PollInterval = time.Duration(cfg.Ingest.PollInterval)
	if opt.Clock == clock.System {
		scfg.AuditMaxDelay = auditMaxDelay // on a test's fake clock the delay would last until the test moves it
	}
	s.stack = stack.New(scfg)
	services := s.stack.Components()
	all := append(append([]string{}, stack.Names...), "bootstrap", "scheduler")
	if err := s.reg.Add(services...); err != nil {
		return nil, err
	}
	if err := s.reg.Add(s.bootstrap(opt), s.scheduler(jobNeeds(services)), s.listener(all)); err != nil {
		return nil, err
	}
	if err := s.reg.Start(ctx); err != nil {
		return nil, err
	}
	if s.notice != "" {
		fmt.Fprintf(opt.Stdout, s.notice, s.URL())
	}
	return s, nil
}

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.System
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.Getenv == nil {
		o.Getenv = os.LookupEnv
	}
	return o
}

func getenv(opt Options, name string) string {
	v, _ := opt.Getenv(name)
	return v
}

// URL returns the endpoint URL clients use.
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	addr := s.cfg.Listen
	if s.ln != nil {
		addr = s.ln.Addr().String()
	}
	return scheme + "://" + addr
}

// Node returns the name of this node in the records of background jobs.
func (s *Server) Node() string { return s.node }

// FlowCollector returns the NetFlow/IPFIX collector, or nil when it is off (no --flow-listen) or not on this node.
func (s *Server) FlowCollector() *netflow.Collector {
	if s.stack == nil {
		return nil
	}
	return s.stack.Collector
}

// EVEListener returns the listener for Suricata's EVE lines, or nil when it is off (no --eve-listen) or not on this
// node.
func (s *Server) EVEListener() *eve.Listener {
	if s.stack == nil {
		return nil
	}
	return s.stack.EVEListener
}

// Services returns the AWS services the server answers, with their operations.
func (s *Server) Services() []*api.Service { return s.services }

// Lakes is the server's data lakes and their tables (tests write rows through it).
func (s *Server) Lakes() *table.Lakes { return s.stack.Lakes }

// Wait blocks until the server stops serving on its own (a listener failure).
func (s *Server) Wait() <-chan error { return s.served }

// Shutdown stops accepting requests and lets in-flight ones finish (up to the configured timeout), stops the
// background jobs, flushes the audit trail and closes the stores: the components in the reverse order of
// their start.
func (s *Server) Shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.ShutdownTimeout))
	defer cancel()
	return s.reg.Stop(ctx)
}

// NewLogger returns the structured logger the config asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
