package edge

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// internalPrefix is where seclake's own endpoints live. No S3 bucket name can contain "_", so these paths never
// collide with path-style S3 requests.
const internalPrefix = "/_seclake/"

// HealthPath, MetricsPath and JobsPath are the health check, the Prometheus metrics and the background jobs'
// endpoints.
const (
	HealthPath  = internalPrefix + "health"
	MetricsPath = internalPrefix + "metrics"
	JobsPath    = internalPrefix + "jobs"
)

func (s *Server) serveInternal(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case HealthPath:
		s.serveHealth(w, r)
	case MetricsPath:
		if s.cfg.Gatherer == nil {
			http.NotFound(w, r)
			return
		}
		promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{}).ServeHTTP(w, r)
	case JobsPath:
		if s.cfg.Jobs == nil {
			http.NotFound(w, r)
			return
		}
		s.serveJobs(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	status, code := "ok", http.StatusOK
	var detail string
	if s.cfg.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Health(ctx); err != nil {
			status, code, detail = "unavailable", http.StatusServiceUnavailable, err.Error()
			s.log.Warn("health check failed", "err", err)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": status, "detail": detail})
}

// serveJobs answers what the cluster knows about its background jobs: each job's schedule, its last run (node,
// start, end, error) and when it is next due.
func (s *Server) serveJobs(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	v, err := s.cfg.Jobs(ctx)
	code := http.StatusOK
	if err != nil {
		s.log.Warn("read background jobs", "err", err)
		code, v = http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func slogLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
