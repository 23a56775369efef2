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

// HealthPath and MetricsPath are the health check and the Prometheus metrics endpoints.
const (
	HealthPath  = internalPrefix + "health"
	MetricsPath = internalPrefix + "metrics"
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

func slogLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
