package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/api"
	s3api "github.com/seclake/seclake/internal/api/s3"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/envelope"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/objstore"
	"github.com/seclake/seclake/internal/seal"
)

// lifecycleInterval is how often the object store runs lifecycle rules and sweeps unreferenced blobs.
const lifecycleInterval = time.Hour

// objectStore is S3: the object store and its background jobs.
type objectStore struct {
	svc  *objstore.Service
	stop context.CancelFunc
	done <-chan struct{}
}

// startObjects opens the object store over the blob store and starts its background jobs. SSE-KMS calls
// KMS through an envelope client for S3.
func (s *Server) startObjects(key *seal.Key, ids *iam.Service, opt Options) error {
	keys, err := envelope.New(envelope.Config{Keys: s.kms, Service: objstore.EventSource, Recorder: s.recorder,
		Failure: envelope.S3Failure, Clock: opt.Clock})
	if err != nil {
		return err
	}
	svc, err := objstore.New(objstore.Config{Store: s.store, Blobs: s.blobs, Authz: ids, Keys: keys, Recorder: s.recorder, Seal: key,
		Clock: opt.Clock, Rand: rand.Reader, Region: s.cfg.Region, Logger: s.log.With("service", "s3")})
	if err != nil {
		return fmt.Errorf("start object store: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	s.objects = &objectStore{svc: svc, stop: stop, done: svc.Start(ctx, lifecycleInterval)}
	return nil
}

// api returns the S3 service for the edge.
func (o *objectStore) api(cfg config.Config) *api.Service {
	var domains []string
	for _, d := range strings.Split(cfg.S3Domains, ",") {
		domains = append(domains, strings.TrimSpace(d))
	}
	return s3api.New(o.svc, s3api.Options{Domains: domains})
}

// stopObjects stops the background jobs and waits for them.
func (s *Server) stopObjects() {
	if s.objects == nil {
		return
	}
	s.objects.stop()
	<-s.objects.done
	s.objects.svc.Wait()
	s.objects = nil
}

// Objects returns the object store, for in-process writers (log delivery, trails) and tests.
func (s *Server) Objects() *objstore.Service {
	if s.objects == nil {
		return nil
	}
	return s.objects.svc
}
