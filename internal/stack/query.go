package stack

import (
	"context"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/query"
	"github.com/seclake/seclake/internal/table"
)

// NameQuery is the name of the query engine's component: SQL over the lakes' tables (embedded DuckDB).
const NameQuery = "query"

// queryCatalog is the Glue Data Catalog and the lakes' scan planning, as the query engine needs them.
type queryCatalog struct {
	*datacatalog.Service
	lakes *table.Lakes
}

func (c queryCatalog) Plan(ctx context.Context, sc datacatalog.Scope, db, name string, preds []table.Predicate) (*table.Plan, error) {
	l, err := c.lakes.Open(ctx, sc.Account, sc.Region)
	if err != nil {
		return nil, err
	}
	return l.Plan(ctx, db, name, preds)
}

// queryEngine is the query engine over the catalog and the object store, under IAM alone until Lake Formation
// sets its Governor (Query.SetGovernor).
func (s *Stack) queryEngine() component.Component {
	return component.Component{
		Name:  NameQuery,
		Needs: []string{NameStores, NameIAM, NameObjects, NameLake},
		Start: func(context.Context) error {
			cat := datacatalog.New(s.Lakes, s.Meta, s.IAM, s.cfg.Clock)
			e, err := query.New(query.Config{Catalog: queryCatalog{Service: cat, lakes: s.Lakes}, Objects: s.Objects,
				MemoryLimit: s.cfg.QueryMemoryLimit})
			if err != nil {
				return err
			}
			s.Query = e
			return nil
		},
		Stop: func(context.Context) error {
			if s.Query != nil {
				return s.Query.Close()
			}
			return nil
		},
	}
}
