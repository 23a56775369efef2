package stack

import (
	"context"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/query"
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
		Needs: []string{NameStores, NameIAM, NameObjects, NameLake, NameQuery},
		Start: func(context.Context) error {
			cfg := athena.Config{Store: s.Meta, Seal: s.Seal, Authz: s.IAM, Objects: s.Objects, Engine: s.athenaEngine(),
				Catalog: datacatalog.New(s.Lakes, s.Meta, s.IAM, s.cfg.Clock), Clock: s.cfg.Clock,
				Rand: s.cfg.Rand, Logger: s.cfg.Logger.With("service", "athena"), Region: s.cfg.Region,
				Concurrency: s.cfg.Athena.Concurrency, Workers: s.cfg.Athena.Workers,
				QueryTimeout: s.cfg.Athena.QueryTimeout}
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
	// QueryTimeout is how long a query may run (0: athena.DefaultQueryTimeout).
	QueryTimeout time.Duration
}

// athenaEngine is the query engine as Athena runs queries on it.
func (s *Stack) athenaEngine() athena.Engine { return athenaEngine{s.Query} }

// athenaEngine adapts the query engine to Athena: Athena's catalog name AwsDataCatalog is the caller's own
// account's catalog.
type athenaEngine struct{ e *query.Engine }

func (a athenaEngine) Query(ctx context.Context, req athena.QueryRequest) (athena.Rows, error) {
	if !strings.EqualFold(req.Catalog, athena.DefaultCatalog) && req.Catalog != "" {
		// Athena names data catalogs, not accounts: the engine would resolve names in that account's catalog, which Athena reaches
		// only through a data catalog registered for it (and grants).
		return nil, awserr.New(query.CodeCatalogNotFound, awserr.StatusBadRequest,
			"Catalog '%s' does not exist: seclake serves AwsDataCatalog; reach another account's tables through a resource link",
			strings.ToLower(req.Catalog))
	}
	rows, err := a.e.Query(ctx, query.Request{SQL: req.SQL, Caller: req.Caller, Database: req.Database, Region: req.Region})
	if err != nil {
		return nil, err
	}
	return athenaRows{rows}, nil
}

type athenaRows struct{ query.Rows }

func (r athenaRows) Columns() []athena.Column {
	cols := r.Rows.Columns()
	out := make([]athena.Column, len(cols))
	for i, c := range cols {
		out[i] = athena.Column{Name: c.Name, Type: c.Type}
	}
	return out
}

func (r athenaRows) Stats() athena.Stats {
	st := r.Rows.Stats()
	return athena.Stats{DataScannedBytes: st.DataScannedBytes, FilesRead: st.FilesRead, FilesPruned: st.FilesPruned, EngineTime: st.EngineTime}
}
