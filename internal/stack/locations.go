package stack

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/ingest/location"
)

// NameLocations is the name of the registered ingest locations' component.
const NameLocations = "locations"

// JobIngestBackfill lists the objects of newly registered locations into the ingestion queue;
// BackfillInterval is how often it runs.
const (
	JobIngestBackfill = "ingest.backfill"
	BackfillInterval  = time.Second
)

// IngestRemotes are the remote S3 endpoints of remote ingest locations (*s3remote.Sources): listed by the
// locations, read by the ingestion engine.
type IngestRemotes interface {
	location.RemoteSources
	ingest.RemoteObjects
}

// locations are the registered ingest locations: their objects' S3 events are delivered to them (s3notify's
// ingest destination) and queued for the ingestion engine, and their backfill is a worker job.
func (s *Stack) locations() component.Component {
	return component.Component{
		Name:  NameLocations,
		Needs: []string{NameIAM, NameObjects, NameLake, NameNotify, NameIngest},
		Start: func(context.Context) error {
			svc, err := location.New(location.Config{Meta: s.Meta, Objects: s.Objects, Lakes: s.Lakes, Engine: s.Ingest,
				Authz: s.IAM, Clock: s.cfg.Clock, Logger: s.cfg.Logger.With("service", "ingest.locations"),
				Remotes: s.cfg.IngestRemotes, PollInterval: s.cfg.PollInterval})
			if err != nil {
				return err
			}
			s.Locations = svc
			s.Notify.SetIngest(wakeIngest{svc, s})
			return nil
		},
		Jobs: []component.Job{job(JobIngestBackfill, BackfillInterval, func(ctx context.Context) error { return s.Locations.RunBackfill(ctx) })},
	}
}
