package app

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/seal"
	"github.com/seclake/seclake/internal/trail"
)

// startTrails starts CloudTrail's trails: they deliver the audit trail through the object store, with KMS.
func (s *Server) startTrails(key *seal.Key, ids *iam.Service, opt Options) error {
	interval, digests := time.Duration(s.cfg.TrailInterval), time.Duration(s.cfg.TrailDigestInterval)
	keys, err := envelope.New(envelope.Config{Keys: s.kms, Service: trail.EventSource, Recorder: s.recorder, Clock: opt.Clock})
	if err != nil {
		return err
	}
	svc, err := trail.New(trail.Config{Store: s.store, Records: s.audit, Objects: s.objects.svc, Keys: keys, Authz: ids,
		Seal: key, Clock: opt.Clock, Rand: rand.Reader, Region: s.cfg.Region, Logger: s.log.With("service", "cloudtrail"),
		Interval: interval, DigestInterval: digests})
	if err != nil {
		return fmt.Errorf("start trails: %w", err)
	}
	svc.Start()
	s.trails = svc
	return nil
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
