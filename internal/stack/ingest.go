package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/source/catalog"
)

// NameIngest is the name of the ingestion component: raw objects and the audit trail into the lake's tables.
const NameIngest = "ingest"

// Names of the ingestion jobs, and how often they run.
const (
	JobIngestRun      = "ingest.run"
	JobIngestAudit    = "ingest.audit"
	IngestInterval    = time.Second
	IngestAuditPeriod = 5 * time.Second
)

// ingestion is the ingestion engine. Its jobs read the queued objects into the tables (ingest.run) and feed the
// audit trail to the CloudTrail tables (ingest.audit); on stop, what is buffered is committed.
func (s *Stack) ingestion() component.Component {
	return component.Component{
		Name:  NameIngest,
		Needs: []string{NameStores, NameIAM, NameAudit, NameObjects, NameLake},
		Start: func(context.Context) error {
			cfg := ingest.Config{Meta: s.Meta, Lakes: s.Lakes, Objects: s.Objects, Audit: s.Audit, Seal: s.Seal,
				Sources: catalog.Registry(), Clock: s.cfg.Clock, Logger: s.cfg.Logger.With("service", "ingest"),
				Metrics: s.cfg.Metrics, Flush: s.cfg.Ingest}
			if s.cfg.IngestRemotes != nil {
				cfg.Remotes = s.cfg.IngestRemotes
			}
			if s.cfg.Edit.Ingest != nil {
				s.cfg.Edit.Ingest(&cfg)
			}
			svc, err := ingest.New(cfg)
			if err != nil {
				return fmt.Errorf("start ingestion: %w", err)
			}
			s.Ingest = svc
			return nil
		},
		Stop: func(ctx context.Context) error {
			if s.Ingest == nil {
				return nil
			}
			return s.Ingest.Flush(ctx)
		},
		Jobs: []component.Job{
			job(JobIngestRun, IngestInterval, func(ctx context.Context) error {
				err := s.Ingest.Run(ctx)
				s.armFlush()
				return err
			}),
			job(JobIngestAudit, IngestAuditPeriod, func(ctx context.Context) error { return s.Ingest.RunAudit(ctx) }),
		},
	}
}
