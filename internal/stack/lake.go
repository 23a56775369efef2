package stack

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/table"
)

// NameLake is the name of the lake's component: the data lakes (a bucket and its Iceberg tables per account and
// region), their catalog in the metadata store's database.
const NameLake = "lake"

// sqlStore is a metadata store that lends its database to packages with SQL tables of their own.
type sqlStore interface {
	SQLDB() (*sql.DB, error)
	SQLDialect() string
}

// lake is the data lakes. Its catalog needs a metadata store with a SQL database (SQLite or PostgreSQL).
func (s *Stack) lake() component.Component {
	var db *sql.DB
	return component.Component{
		Name:  NameLake,
		Needs: []string{NameStores, NameIAM, NameObjects},
		Start: func(context.Context) error {
			ss, ok := s.Meta.(sqlStore)
			if !ok {
				return errors.New("start lake: the metadata store has no SQL database for the Iceberg catalog")
			}
			var err error
			if db, err = ss.SQLDB(); err != nil {
				return fmt.Errorf("start lake: %w", err)
			}
			lakes, err := table.NewLakes(table.LakesConfig{DB: db, Dialect: ss.SQLDialect(), Meta: s.Meta,
				Objects: s.Objects, Clock: s.cfg.Clock, Sessions: slrSessions{s.IAM, s.cfg.Clock}})
			if err != nil {
				db.Close()
				return fmt.Errorf("start lake: %w", err)
			}
			s.Lakes = lakes
			return nil
		},
		Stop: func(context.Context) error {
			if s.Lakes != nil {
				_ = s.Lakes.Close()
			}
			if db != nil {
				return db.Close()
			}
			return nil
		},
		Jobs: []component.Job{job(table.JobName, table.JobEvery, func(ctx context.Context) error {
			return s.Lakes.Maintain(ctx, table.Policy{})
		})},
	}
}
