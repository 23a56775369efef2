package datacatalog

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/iam/policy"
)

// Grants decides whether a caller of another account may read a catalog's metadata: Lake Formation's grants to
// the caller's account (shared through AWS RAM). *lakeformation.Service satisfies it.
type Grants interface {
	// Describable reports whether c may see table name of database db (name "": the database itself) in
	// catalog's region.
	Describable(ctx context.Context, c *actor.Caller, catalog, region, db, name string) (bool, error)
	// Reader reports whether c is Lake Formation's own principal reading for catalog's account (the reader of
	// the tables it governs), which reads the catalog's metadata as the service-linked role of the account would.
	Reader(c *actor.Caller, catalog string) bool
}

// SetGrants makes the catalog consult g for the reads of callers from other accounts (glue:Get*): with a grant
// the caller's own IAM policies decide, as when Lake Formation has put the catalog's resource policy in place.
func (s *Service) SetGrants(g Grants) { s.grants = g }

// lakeFormationRead reports whether c is Lake Formation reading catalog sc's metadata for the account (glue:Get*),
// noting the decision: the account's service-linked role allows it.
func (s *Service) lakeFormationRead(ctx context.Context, c *actor.Caller, sc Scope, action, resource string) bool {
	if s.grants == nil || !strings.HasPrefix(action, "glue:Get") || !s.grants.Reader(c, sc.Account) {
		return false
	}
	actor.Note(ctx, c, action, resource, policy.Decision{Allowed: true, Effect: policy.Allow,
		Reason: "Lake Formation reads the catalog for account " + sc.Account + " (AWSServiceRoleForLakeFormationDataAccess)"})
	return true
}

// crossAccount reports whether a read of another account's catalog by c is backed by a Lake Formation grant.
func (s *Service) crossAccount(ctx context.Context, c *actor.Caller, sc Scope, action, db, tbl string) (bool, error) {
	if s.grants == nil || c.Account == sc.Account || db == "" || !strings.HasPrefix(action, "glue:Get") {
		return false, nil
	}
	return s.grants.Describable(ctx, c, sc.Account, sc.Region, db, tbl)
}

// DatabaseExists reports whether database db exists in account's catalog in region (no authorization: for
// services that decide access themselves, as Lake Formation).
func (s *Service) DatabaseExists(ctx context.Context, account, region, db string) (bool, error) {
	_, err := s.database(ctx, Scope{Account: account, Region: region}, db)
	if IsNoDatabase(err) {
		return false, nil
	}
	return err == nil, err
}

// Describe returns table name of database db in account's catalog in region, or nil when it does not exist (no
// authorization: for services that decide access themselves).
func (s *Service) Describe(ctx context.Context, account, region, db, name string) (*Table, error) {
	t, err := s.table(ctx, Scope{Account: account, Region: region}, db, name)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// ColumnNames are the table's columns then its partition keys, as Glue lists them.
func (t Table) ColumnNames() []string {
	var out []string
	if t.Iceberg != nil {
		for _, c := range t.Iceberg.Columns {
			out = append(out, c.Name)
		}
		return out
	}
	var ti struct {
		StorageDescriptor struct{ Columns []struct{ Name string } }
		PartitionKeys     []struct{ Name string }
	}
	_ = json.Unmarshal(t.Input, &ti)
	for _, c := range append(ti.StorageDescriptor.Columns, ti.PartitionKeys...) {
		out = append(out, c.Name)
	}
	return out
}

// LinkTarget is the table a resource link points to.
type LinkTarget struct {
	CatalogID, Database, Name, Region string
}

// Target returns the table's target when it is a resource link.
func (t Table) Target() (LinkTarget, bool) {
	if t.Input == nil {
		return LinkTarget{}, false
	}
	var ti struct {
		TargetTable *struct{ CatalogId, DatabaseName, Name, Region string }
	}
	if json.Unmarshal(t.Input, &ti) != nil || ti.TargetTable == nil {
		return LinkTarget{}, false
	}
	tt := ti.TargetTable
	return LinkTarget{CatalogID: tt.CatalogId, Database: tt.DatabaseName, Name: tt.Name, Region: tt.Region}, true
}

// visibleTables keeps, for a caller of another account, the tables Lake Formation granted its account.
func (s *Service) visibleTables(ctx context.Context, c *actor.Caller, sc Scope, db string, tables []Table) ([]Table, error) {
	if s.grants == nil || c.Account == sc.Account || s.grants.Reader(c, sc.Account) {
		return tables, nil
	}
	var out []Table
	for _, t := range tables {
		ok, err := s.grants.Describable(ctx, c, sc.Account, sc.Region, db, t.Name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t)
		}
	}
	return out, nil
}
