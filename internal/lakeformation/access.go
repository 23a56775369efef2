package lakeformation

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/seclake/seclake/internal/actor"
)

// TableRef names a table of a catalog (an account's) in a region.
type TableRef struct {
	Catalog, Region, Database, Table string
}

// Access is what a principal may read of a table: when Governed, only Columns (in the table's order) and the
// rows RowFilter (a SQL predicate; "" for all rows) selects, read by Reader (Lake Formation's service principal
// acting for the table's account); when not governed, IAM alone decides and Reader is the caller.
type Access struct {
	Governed  bool
	Columns   []string
	RowFilter string
	Reader    *actor.Caller
}

// matches reports whether grantee principal p is c, for a grant of catalog: the user or role itself; the
// account, its organization or OU when c is of another account (its principals inherit what the account was
// granted); IAM_ALLOWED_PRINCIPALS for principals of the catalog's own account.
func (s *Service) matches(ctx context.Context, c *actor.Caller, p, catalog string) (bool, error) {
	switch principalKind(p) {
	case "iam":
		return p == principalARN(c), nil
	case "account":
		return p == c.Account && c.Account != catalog, nil
	case "allowed":
		return c.Account == catalog, nil
	case "org", "ou":
		if c.Account == catalog || s.cfg.Orgs == nil {
			return false, nil
		}
		org, path, err := s.cfg.Orgs.Path(ctx, c.Account)
		if err != nil || org == "" {
			return false, err
		}
		if principalKind(p) == "org" {
			return strings.HasSuffix(p, "/"+org), nil
		}
		ou := p[strings.LastIndex(p, "/")+1:]
		return strings.Contains(p, "/"+org+"/") && strings.Contains("/"+path, "/"+ou+"/"), nil
	}
	return false, nil
}

// heldBy returns the grants of catalog in region whose resource passes want and that c holds: granted to it, and
// for a principal outside the catalog's account, shared with c's account through RAM. db, when set, narrows the
// scan to the grants on that database and its tables.
func (s *Service) heldBy(ctx context.Context, c *actor.Caller, catalog, region, db string, want func(target) bool) ([]*Grant, error) {
	cands, err := s.candidates(ctx, catalog, region, db, want)
	if err != nil {
		return nil, err
	}
	return s.held(ctx, c, catalog, region, cands)
}

// candidate is a grant and its resolved target.
type candidate struct {
	g *Grant
	t target
}

func (s *Service) candidates(ctx context.Context, catalog, region, db string, want func(target) bool) ([]candidate, error) {
	var out []candidate
	keep := func(g *Grant, t target) {
		if want(t) {
			out = append(out, candidate{g, t})
		}
	}
	if db != "" {
		return out, s.scanDB(ctx, catalog, region, db, keep)
	}
	return out, s.scan(ctx, catalog, region, keep)
}

// held keeps the candidates c holds.
func (s *Service) held(ctx context.Context, c *actor.Caller, catalog, region string, cands []candidate) ([]*Grant, error) {
	var out []*Grant
	for _, cd := range cands {
		ok, err := s.matches(ctx, c, cd.g.Principal.ID, catalog)
		if err != nil {
			return nil, err
		}
		if ok && external(cd.g.Principal.ID, catalog) {
			ok, err = s.shared(ctx, region, cd.t, c.Account)
		}
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, cd.g)
		}
	}
	return out, nil
}

// shared reports whether the RAM share carrying grants on t is associated with account.
func (s *Service) shared(ctx context.Context, region string, t target, account string) (bool, error) {
	if s.cfg.Shares == nil {
		return false, nil
	}
	return s.cfg.Shares.Shared(ctx, t.catalog, region, ShareName(t.catalog, region, t.db), t.shareResource(region), account)
}

// onTable selects the grants on table db.name (the table, all tables of its database, its columns, its filters).
func onTable(db, name string) func(target) bool {
	return func(t target) bool {
		return (t.kind == "table" || t.kind == "columns" || t.kind == "filter") && t.covers(db, name)
	}
}

// governed reports whether a table of catalog is governed by Lake Formation rather than IAM alone, for the
// catalog's own principals (others always need a grant). As on AWS, a table stays under IAM while
// IAM_ALLOWED_PRINCIPALS holds it: explicitly (a grant on it or on all tables of its database), or by the catalog's
// default table permissions, which seclake applies to every table rather than copying them at creation. Unlike
// AWS, a grant to a principal of the catalog's own account opts the table into Lake Formation (AWS would have the
// administrator revoke IAM_ALLOWED_PRINCIPALS first, without which the grant has no effect); grants to other
// accounts do not, so sharing a table leaves its own account's IAM readers as they were.
func (s *Service) governed(ctx context.Context, ref TableRef, onIt []candidate) (bool, error) {
	var iamAllowed, ownGrant bool
	for _, cd := range onIt {
		switch p := cd.g.Principal.ID; {
		case p == IAMAllowedPrincipals:
			iamAllowed = true
		case !external(p, ref.Catalog):
			ownGrant = true
		}
	}
	if iamAllowed || ownGrant {
		return ownGrant && !iamAllowed, nil
	}
	st, err := s.settings(ctx, ref.Catalog, ref.Region)
	if err != nil {
		return false, err
	}
	return !slices.ContainsFunc(st.CreateTableDefaultPermissions, func(pp PrincipalPermissions) bool {
		return pp.Principal.ID == IAMAllowedPrincipals && len(pp.Permissions) > 0
	}), nil
}

// SecurityLakeDatabasePrefix starts the name of Security Lake's database in each region.
const SecurityLakeDatabasePrefix = "amazon_security_lake_glue_db_"

// Access decides what c may read of table ref (a resource link is followed to its target): the query engine's
// governor. A table of c's own account may be under IAM alone (see governed): then c reads it as itself. A
// governed table needs a SELECT grant (on the table, its columns or a data cells filter) and c's IAM
// permission lakeformation:GetDataAccess; without them the error is Athena's: AccessDeniedException
// "Insufficient Lake Formation permission(s): Required Select on <table>". A table of another account is always
// governed. Columns are the union of the granted columns; rows are the OR of the granted filters' rows.
func (s *Service) Access(ctx context.Context, c *actor.Caller, ref TableRef) (Access, error) {
	ref, desc, err := s.follow(ctx, ref)
	if err != nil {
		return Access{}, err
	}
	onIt, err := s.candidates(ctx, ref.Catalog, ref.Region, ref.Database, onTable(ref.Database, ref.Table))
	if err != nil {
		return Access{}, err
	}
	gov := c.Account != ref.Catalog
	if !gov {
		if gov, err = s.governed(ctx, ref, onIt); err != nil {
			return Access{}, err
		}
	}
	if !gov {
		return Access{Columns: desc.Columns, Reader: c}, nil
	}
	if err := s.check(ctx, c, "lakeformation:GetDataAccess"); err != nil {
		return Access{}, err
	}
	held, err := s.held(ctx, c, ref.Catalog, ref.Region, onIt)
	if err != nil {
		return Access{}, err
	}
	cols, rows, ok, err := s.selectable(ctx, ref, desc.Columns, held)
	if err != nil {
		return Access{}, err
	}
	if !ok {
		return Access{}, errDenied("Insufficient Lake Formation permission(s): Required Select on %s", ref.Table)
	}
	src := actor.Source{Account: ref.Catalog, ARN: glueARN(ref.Region, ref.Catalog, "table/"+ref.Database+"/"+ref.Table)}
	reader := actor.ServicePrincipal(ServicePrincipal, ref.Region, s.cfg.Clock.Now(), src)
	if s.cfg.Sessions != nil {
		if reader, err = s.cfg.Sessions.ReaderSession(ctx, ref.Catalog, ref.Region, src); err != nil {
			return Access{}, fmt.Errorf("lake formation's data access role of %s: %w", ref.Catalog, err)
		}
	}
	return Access{Governed: true, Columns: cols, RowFilter: rows, Reader: reader}, nil
}

// follow resolves ref (through a resource link) to a table and describes it.
func (s *Service) follow(ctx context.Context, ref TableRef) (TableRef, *TableDesc, error) {
	for hops := 0; hops < 3; hops++ {
		desc, err := s.cfg.Catalog.Table(ctx, ref.Catalog, ref.Region, ref.Database, ref.Table)
		if err != nil {
			return ref, nil, err
		}
		if desc == nil {
			return ref, nil, errNotFound("Table %s not found in database %s.", ref.Table, ref.Database)
		}
		if desc.Target == nil {
			return ref, desc, nil
		}
		next := *desc.Target
		if next.Region == "" {
			next.Region = ref.Region
		}
		ref = next
	}
	return ref, nil, errInvalid("The resource link %s.%s points to another resource link: link to the table itself.", ref.Database, ref.Table)
}

// selectable combines the SELECT grants held on a table into its columns and row filter; ok is false when none
// gives SELECT.
func (s *Service) selectable(ctx context.Context, ref TableRef, all []string, held []*Grant) ([]string, string, bool, error) {
	picked := map[string]bool{}
	var rows []string
	allRows, ok := false, false
	take := func(cols []string, excluded []string, rowExpr string) {
		ok = true
		for _, c := range all {
			if (cols == nil && !hasColumn(excluded, c)) || hasColumn(cols, c) {
				picked[strings.ToLower(c)] = true
			}
		}
		if rowExpr == "" {
			allRows = true
		} else {
			rows = append(rows, rowExpr)
		}
	}
	for _, g := range held {
		if !slices.Contains(g.Permissions, PermSelect) && !slices.Contains(g.Permissions, PermAll) {
			continue
		}
		switch r := g.Resource; {
		case r.Table != nil:
			take(nil, nil, "")
		case r.TableWithColumns != nil:
			if w := r.TableWithColumns.ColumnWildcard; w != nil {
				take(nil, w.ExcludedColumnNames, "")
			} else {
				take(r.TableWithColumns.ColumnNames, nil, "")
			}
		case r.DataCellsFilter != nil:
			var f *DataCellsFilter
			err := s.viewFilter(ctx, ref.Catalog, ref.Region, ref.Database, ref.Table, r.DataCellsFilter.Name, func(x *DataCellsFilter) { f = x })
			if err != nil {
				return nil, "", false, err
			}
			if f != nil {
				cols, excluded := f.ColumnNames, []string(nil)
				if f.ColumnWildcard != nil || len(f.ColumnNames) == 0 {
					cols, excluded = nil, wildcardExcluded(f.ColumnWildcard)
				}
				take(cols, excluded, f.predicate())
			}
		}
	}
	var cols []string
	for _, c := range all {
		if picked[strings.ToLower(c)] {
			cols = append(cols, c)
		}
	}
	if allRows || len(rows) == 0 {
		return cols, "", ok, nil
	}
	if len(rows) == 1 {
		return cols, rows[0], ok, nil
	}
	return cols, "(" + strings.Join(rows, ") OR (") + ")", ok, nil
}

func wildcardExcluded(w *ColumnWildcard) []string {
	if w == nil {
		return nil
	}
	return w.ExcludedColumnNames
}

// Describable reports whether c, of another account than the table's catalog, may see table db.name (name ""
// for the database itself) through Glue: its account holds a grant on it shared through RAM (any permission on
// the table, its columns or filters; on a database, any grant on it or on its tables). The Data Catalog asks it
// before letting a caller of another account read the catalog's metadata.
func (s *Service) Describable(ctx context.Context, c *actor.Caller, catalog, region, db, name string) (bool, error) {
	want := onTable(db, name)
	if name == "" {
		want = func(t target) bool { return t.db == db && t.kind != "catalog" && t.kind != "location" }
	}
	held, err := s.heldBy(ctx, c, catalog, region, db, want)
	return len(held) > 0, err
}

// Reader reports whether c is Lake Formation reading for catalog's account — a session of the account's
// AWSServiceRoleForLakeFormationDataAccess made by Lake Formation, or its service principal acting for the
// account: the Reader that Access hands the query engine, which reads the account's catalog for the principals Lake
// Formation granted.
func (s *Service) Reader(c *actor.Caller, catalog string) bool {
	if catalog == "" || c.InvokedBy != "" && c.InvokedBy != ServicePrincipal {
		return false
	}
	if c.Type == actor.TypeService {
		return c.Service == ServicePrincipal && c.Source.Account == catalog
	}
	return c.Type == actor.TypeAssumedRole && c.Account == catalog && c.Session != nil && c.Session.RoleARN == DataAccessRoleARN(catalog)
}
