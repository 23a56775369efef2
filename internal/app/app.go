// Package app wires seclake together: configuration → stores → services → the edge server. It is the only
// package that knows the concrete stores.
package app

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/api/cloudtrail"
	iamapi "github.com/seclake/seclake/internal/api/iam"
	kmsapi "github.com/seclake/seclake/internal/api/kms"
	"github.com/seclake/seclake/internal/api/organizations"
	"github.com/seclake/seclake/internal/api/sts"
	"github.com/seclake/seclake/internal/audit"
	"github.com/seclake/seclake/internal/blob"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/edge"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/kms"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/meta/postgres"
	"github.com/seclake/seclake/internal/meta/sqlite"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/trail"
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
}

// Server is a running seclake.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	listener net.Listener
	http     *http.Server
	store    meta.Store
	blobs    blob.Store // from openBlob: the data directory's or an S3-compatible bucket
	blobName string
	audit    *audit.Log
	recorder *audit.Recorder // puts every call, the edge's and the in-process ones, on the audit trail
	kms      *kms.Service
	objects  *objectStore   // S3: the object store and its background jobs
	trails   *trail.Service // CloudTrail's trails and their delivery
	janitor  func()         // stops the IAM janitor and waits for it
	served   chan error
	services []*api.Service // what the edge serves
	notice   string         // the one-time bootstrap notice, printed once the listener is bound
	// AccountID is the management account.
	AccountID string
}

// auditMaxDelay is how long the audit writer lets the records of read-only requests gather before it commits
// them (a batch holding a mutating request's record or a lookup's flush commits at once). Read-only requests do not
// wait for their record, so this costs them nothing; under load it makes batches of hundreds instead of
// tens, which cuts the server's CPU per audited request by a third (docs/benchmarks.md, edge).
const auditMaxDelay = 5 * time.Millisecond

// Start opens the data directory and stores, bootstraps the management account on first start, and starts
// serving. It returns once the listener is bound.
func Start(ctx context.Context, cfg config.Config, opt Options) (*Server, error) {
	opt = opt.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := opt.Logger
	if log == nil {
		log = NewLogger(cfg, opt.Stderr)
	}
	s := &Server{cfg: cfg, log: log, served: make(chan error, 1)}
	ok := false
	defer func() {
		if !ok {
			s.closeStores()
		}
	}()
	key, err := s.openStores(ctx, opt)
	if err != nil {
		return nil, err
	}
	ids := iam.New(iam.Config{Store: s.store, Seal: key, Clock: opt.Clock, Rand: rand.Reader})
	if err := s.bootstrap(ctx, ids, opt); err != nil {
		return nil, err
	}
	s.startJanitor(ids)
	acfg := audit.Config{Store: s.store, Clock: opt.Clock, ChainKey: key.Derive("audit chain")}
	if opt.Clock == clock.System {
		acfg.MaxDelay = auditMaxDelay // on a test's fake clock the delay would last until the test moves it
	}
	s.audit, err = audit.Open(ctx, acfg)
	if err != nil {
		return nil, fmt.Errorf("open audit trail: %w", err)
	}
	s.recorder = audit.NewRecorder(s.audit, opt.Clock)
	s.kms, err = kms.New(kms.Config{Store: s.store, Seal: key, Identity: ids, Principals: ids, Recorder: s.recorder, Clock: opt.Clock, Rand: rand.Reader, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("start key management service: %w", err)
	}
	s.kms.Start()
	if err := s.startObjects(key, ids, opt); err != nil {
		return nil, err
	}
	if err := s.startTrails(key, ids, opt); err != nil {
		return nil, err
	}
	handler, err := s.edge(ids, opt)
	if err != nil {
		return nil, err
	}
	if err := s.listen(handler); err != nil {
		return nil, err
	}
	if s.notice != "" {
		fmt.Fprintf(opt.Stdout, s.notice, s.URL())
	}
	ok = true
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

// openStores prepares the data directory, the root key and the metadata store.
func (s *Server) openStores(ctx context.Context, opt Options) (*seal.Key, error) {
	fresh, err := prepareDataDir(s.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	key, created, err := loadRootKey(s.cfg.DataDir, getenv(opt, "SECLAKE_ROOT_KEY"), fresh, rand.Reader)
	if err != nil {
		return nil, err
	}
	if created {
		s.log.Info("created root key", "path", filepath.Join(s.cfg.DataDir, rootKeyFile), "note", "back it up: without it the data directory's secrets cannot be read")
	}
	store, err := openMeta(ctx, s.cfg)
	if err != nil {
		return nil, fmt.Errorf("open metadata store: %w", err)
	}
	s.store = store
	if err := checkRootKey(ctx, s.store, key); err != nil {
		return nil, err
	}
	if s.blobs, s.blobName, err = openBlob(ctx, s.cfg, opt); err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	return key, nil
}

// openMeta opens the metadata store the config names. (It returns the interface only on success, so a
// failed open never leaves a typed nil behind.)
func openMeta(ctx context.Context, cfg config.Config) (meta.Store, error) {
	if cfg.Meta == "" {
		st, err := sqlite.Open(filepath.Join(cfg.DataDir, metaFile), sqlite.Options{})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	// Retry backoff is about real contention, so it runs on the wall clock even when tests fake domain time.
	st, err := postgres.Open(ctx, cfg.Meta, postgres.Options{Schema: cfg.MetaSchema, Clock: clock.System})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// tableInfo is the app's own table: facts about the installation itself.
const tableInfo = "app.info"

// checkRootKey makes sure the root key is the one this store was created with, recording it on first use.
func checkRootKey(ctx context.Context, store meta.Store, key *seal.Key) error {
	return store.Update(ctx, func(tx meta.Tx) error {
		check, err := tx.Get(tableInfo, "rootkey-check")
		if errors.Is(err, meta.ErrNotFound) {
			return tx.Put(tableInfo, "rootkey-check", key.Check())
		}
		if err != nil {
			return fmt.Errorf("read root key check: %w", err)
		}
		if !key.Matches(check) {
			return errors.New("the root key does not belong to this data directory (its check value differs): restore the matching root.key or SECLAKE_ROOT_KEY")
		}
		return nil
	})
}

// bootstrap creates the management account and root key on first start and tells the operator where the
// credentials are, once.
func (s *Server) bootstrap(ctx context.Context, ids *iam.Service, opt Options) error {
	res, err := ids.Bootstrap(ctx, iam.BootstrapInput{
		AccountID:       getenv(opt, "SECLAKE_ACCOUNT_ID"),
		AccessKeyID:     getenv(opt, "SECLAKE_ROOT_ACCESS_KEY_ID"),
		SecretAccessKey: getenv(opt, "SECLAKE_ROOT_SECRET_ACCESS_KEY"),
	})
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	s.AccountID = res.Account.ID
	if !res.Created {
		s.log.Info("management account", "account", res.Account.ID)
		return nil
	}
	path, err := writeCredentials(s.cfg.DataDir, res.AccessKeyID, res.Secret)
	if err != nil {
		return err
	}
	s.log.Info("created management account and its root access key", "account", res.Account.ID, "access_key_id", res.AccessKeyID, "credentials", path)
	s.notice = fmt.Sprintf(`
seclake created the management account %s and its root access key.
The key is in %s (profile "seclake"); this notice is shown once. To use it:

  export AWS_SHARED_CREDENTIALS_FILE=%s AWS_PROFILE=seclake AWS_DEFAULT_REGION=%s
  aws --endpoint-url %s sts get-caller-identity

`, res.Account.ID, path, absPath(path), s.cfg.Region, "%s")
	return nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// edge builds the HTTP handler with every service.
func (s *Server) edge(ids *iam.Service, opt Options) (http.Handler, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	services := []*api.Service{
		sts.New(ids),
		iamapi.New(ids),
		organizations.New(ids),
		cloudtrail.New(s.trails),
		kmsapi.New(s.kms),
		s.objects.api(s.cfg),
	}
	s.services = services
	return edge.New(edge.Config{
		Services: services,
		Identity: ids,
		Audit:    s.recorder,
		Clock:    opt.Clock,
		Logger:   s.log,
		Registry: reg,
		Gatherer: reg,
		Health:   s.health,
		Region:   s.cfg.Region,
	})
}

func (s *Server) health(ctx context.Context) error {
	return s.store.View(ctx, func(tx meta.Tx) error {
		_, err := tx.Get(tableInfo, "rootkey-check")
		return err
	})
}

func (s *Server) listen(h http.Handler) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; is another seclake running? pass --listen to use another address", s.cfg.Listen, err)
	}
	s.listener = ln
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, s.http.TLSConfig)
	}
	go func() { s.served <- s.http.Serve(ln) }()
	s.log.Info("seclake is serving", "url", s.URL(), "data", s.cfg.DataDir, "meta", s.metaName(), "blob", s.blobName)
	return nil
}

func (s *Server) metaName() string {
	if s.cfg.Meta == "" {
		return "sqlite:" + filepath.Join(s.cfg.DataDir, metaFile)
	}
	return s.cfg.RedactedMeta()
}

// Services returns the AWS services the server answers, with their operations.
func (s *Server) Services() []*api.Service { return s.services }

// URL returns the endpoint URL clients use.
func (s *Server) URL() string {
	scheme := "http"
	if s.cfg.TLSCert != "" {
		scheme = "https"
	}
	addr := s.cfg.Listen
	if s.listener != nil {
		addr = s.listener.Addr().String()
	}
	return scheme + "://" + addr
}

// Wait blocks until the server stops serving on its own (a listener failure).
func (s *Server) Wait() <-chan error { return s.served }

// Shutdown stops accepting requests, lets in-flight ones finish (up to the configured timeout), flushes the
// audit trail and closes the stores.
func (s *Server) Shutdown(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(s.cfg.ShutdownTimeout))
	defer cancel()
	var errs []error
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("finish in-flight requests: %w", err))
		}
	}
	errs = append(errs, s.closeStores())
	return errors.Join(errs...)
}

// janitorInterval is how often expired temporary credentials are purged.
const janitorInterval = time.Hour

// startJanitor runs IAM's purge of long-expired temporary credentials in the background.
func (s *Server) startJanitor(ids *iam.Service) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ids.RunJanitor(ctx, janitorInterval, func(err error) { s.log.Warn("purge expired credentials", "err", err) })
	}()
	s.janitor = func() { cancel(); <-done }
}

func (s *Server) closeStores() error {
	var errs []error
	s.stopTrails()
	if s.janitor != nil {
		s.janitor()
		s.janitor = nil
	}
	s.stopObjects()
	if s.kms != nil {
		s.kms.Stop()
		s.kms = nil
	}
	if s.audit != nil {
		errs = append(errs, s.audit.Close())
		s.audit = nil
	}
	if s.store != nil {
		errs = append(errs, s.store.Close())
		s.store = nil
	}
	return errors.Join(errs...)
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
