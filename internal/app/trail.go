package app

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/trail"
)

// Environment variables that set how often trails deliver log files (default trail.DefaultInterval) and
// digest files (default trail.DefaultDigestInterval, an hour as on AWS), as Go durations.
const (
	trailIntervalEnv  = "SECLAKE_TRAIL_INTERVAL"
	digestIntervalEnv = "SECLAKE_TRAIL_DIGEST_INTERVAL"
)

// startTrails starts CloudTrail's trails: they deliver the audit trail through the object store, with KMS.
func (s *Server) startTrails(key *seal.Key, ids *iam.Service, opt Options) error {
	interval, err := envDuration(opt, trailIntervalEnv, trail.DefaultInterval)
	if err != nil {
		return err
	}
	digests, err := envDuration(opt, digestIntervalEnv, trail.DefaultDigestInterval)
	if err != nil {
		return err
	}
	svc, err := trail.New(trail.Config{Store: s.store, Records: s.audit, Objects: s.objects.svc, Keys: s.kms, Authz: ids,
		Seal: key, Clock: opt.Clock, Rand: rand.Reader, Region: s.cfg.Region, Logger: s.log.With("service", "cloudtrail"),
		Interval: interval, DigestInterval: digests})
	if err != nil {
		return fmt.Errorf("start trails: %w", err)
	}
	svc.Start()
	s.trails = svc
	return nil
}

// envDuration reads a duration of at least a second from the environment variable name, or returns def.
func envDuration(opt Options, name string, def time.Duration) (time.Duration, error) {
	v := getenv(opt, name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("%s=%q: give a duration of at least a second, like 5m", name, v)
	}
	return d, nil
}

// stopTrails stops the trails' delivery and waits for a run in progress.
func (s *Server) stopTrails() {
	if s.trails != nil {
		s.trails.Stop()
		s.trails = nil
	}
}

// Trails returns the trail service, for tests that run a delivery themselves.
func (s *Server) Trails() *trail.Service { return s.trails }
