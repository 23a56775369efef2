package stack

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/component"
)

// NameAthena is the Athena component.
const NameAthena = "athena"

// AthenaInterval is how often the Athena worker loop looks for queued queries when nothing wakes it.
const AthenaInterval = time.Second

// athena is Athena: work groups, named queries and query executions. Its worker loop runs on the nodes that
// run jobs (Config.Target worker or all): it claims queued queries in the metadata store with a lease, runs
// them through the query engine as their callers and writes their results through S3. An "all" node that
// accepts a query wakes its own loop; an API node's queries are picked up by a worker within AthenaInterval.
func (s *Stack) athena() component.Component {
	return component.Component{
		Name:  NameAthena,
		Needs: []string{NameStores, NameIAM, NameObjects},
		Start: func(context.Context) error {
			cfg := athena.Config{Store: s.Meta, Seal: s.Seal, Authz: s.IAM, Objects: s.Objects, Engine: s.athenaEngine(), Clock: s.cfg.Clock,
				Rand: s.cfg.Rand, Logger: s.cfg.Logger.With("service", "athena"), Region: s.cfg.Region,
				Concurrency: s.cfg.Athena.Concurrency, Workers: s.cfg.Athena.Workers}
			if s.cfg.Edit.Athena != nil {
				s.cfg.Edit.Athena(&cfg)
			}
			svc, err := athena.New(cfg)
			if err != nil {
				return err
			}
			s.Athena = svc
			if s.cfg.Target == "" || s.cfg.Target.Runs(component.Worker) {
				svc.Start(AthenaInterval)
			}
			return nil
		},
		Stop: func(context.Context) error { s.Athena.Stop(); return nil },
	}
}

// AthenaConfig is how Athena runs queries (zero fields: athena's defaults).
type AthenaConfig struct {
	// Concurrency is how many queries of one work group run at once across the cluster.
	Concurrency int
	// Workers is how many queries one node runs at once.
	Workers int
}

// athenaEngine is the query engine Athena runs queries on (nil until the query engine is part of the stack).
func (s *Stack) athenaEngine() athena.Engine { return nil }
