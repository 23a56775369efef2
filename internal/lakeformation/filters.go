package lakeformation

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
)

// DataCellsFilter is a data cells filter: the rows (RowFilter) and columns of a table it lets through.
type DataCellsFilter struct {
	TableCatalogID string          `json:"TableCatalogId"`
	DatabaseName   string          `json:"DatabaseName"`
	TableName      string          `json:"TableName"`
	Name           string          `json:"Name"`
	RowFilter      *RowFilter      `json:"RowFilter,omitempty"`
	ColumnNames    []string        `json:"ColumnNames,omitempty"`
	ColumnWildcard *ColumnWildcard `json:"ColumnWildcard,omitempty"`
	VersionID      string          `json:"VersionId,omitempty"`
}

// RowFilter is a filter's rows: a predicate, or every row.
type RowFilter struct {
	FilterExpression string    `json:"FilterExpression,omitempty"`
	AllRowsWildcard  *struct{} `json:"AllRowsWildcard,omitempty"`
}

// rowExpr is the filter's predicate, "" for all rows.
func (f *DataCellsFilter) rowExpr() string {
	if f.RowFilter == nil || f.RowFilter.AllRowsWildcard != nil {
		return ""
	}
	return f.RowFilter.FilterExpression
}

// predicate is the filter's predicate as the engine evaluates it, "" for all rows: the expression as parsed and
// printed back, never its raw text, which SQL could read otherwise than the filter's parser ("443 --1" is
// 443 - (-1) to it, but a comment to SQL). An expression that no longer parses passes no row.
func (f *DataCellsFilter) predicate() string {
	src := f.rowExpr()
	if src == "" {
		return ""
	}
	e, err := ParseFilter(src, nil)
	if err != nil {
		return "FALSE"
	}
	return e.String()
}

var reFilterName = regexp.MustCompile(`^[\p{L}\p{N}_\-.]{1,255}$`)

func filterKey(catalog, region, db, table, name string) string {
	return catalog + "/" + region + "/" + db + "/" + table + "\x00" + name
}

// viewFilter calls fn with the named filter when it exists.
func (s *Service) viewFilter(ctx context.Context, catalog, region, db, table, name string, fn func(*DataCellsFilter)) error {
	return s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var f DataCellsFilter
		found, err := meta.GetJSON(tx, tableFilters, filterKey(catalog, region, db, table, name), &f)
		if found {
			fn(&f)
		}
		return err
	})
}

// checkFilter validates a filter against its table and checks that c may manage filters of it (a data lake
// administrator, or a holder of SELECT with the grant option on the table).
func (s *Service) checkFilter(ctx context.Context, c *actor.Caller, region string, f *DataCellsFilter) error {
	if f.TableCatalogID == "" || f.DatabaseName == "" || f.TableName == "" || !reFilterName.MatchString(f.Name) {
		return errInvalid("TableData needs TableCatalogId, DatabaseName, TableName and a Name of 1 to 255 letters, digits, '_', '-' or '.'.")
	}
	t := target{kind: "table", catalog: f.TableCatalogID, db: f.DatabaseName, table: f.TableName}
	if err := s.mayGrant(ctx, c, region, t, []string{PermSelect}); err != nil {
		return err
	}
	desc, err := s.cfg.Catalog.Table(ctx, f.TableCatalogID, region, f.DatabaseName, f.TableName)
	if err != nil {
		return err
	}
	if desc == nil || desc.Target != nil {
		return errNotFound("Table %s not found in database %s.", f.TableName, f.DatabaseName)
	}
	if f.RowFilter == nil || (f.RowFilter.FilterExpression == "") == (f.RowFilter.AllRowsWildcard == nil) {
		return errInvalid("RowFilter needs exactly one of FilterExpression and AllRowsWildcard.")
	}
	if len(f.ColumnNames) > 0 && f.ColumnWildcard != nil {
		return errInvalid("Give ColumnNames or ColumnWildcard, not both.")
	}
	for _, col := range append(append([]string(nil), f.ColumnNames...), wildcardExcluded(f.ColumnWildcard)...) {
		if !hasColumn(desc.Columns, col) {
			return errInvalid("Column %s not found in table %s.%s.", col, f.DatabaseName, f.TableName)
		}
	}
	if f.RowFilter.FilterExpression != "" {
		if _, err := ParseFilter(f.RowFilter.FilterExpression, desc.Columns); err != nil {
			return errInvalid("Invalid FilterExpression: %v.", err)
		}
	}
	return nil
}

// CreateDataCellsFilter creates a data cells filter on a table.
func (s *Service) CreateDataCellsFilter(ctx context.Context, c *actor.Caller, f DataCellsFilter) error {
	if err := s.check(ctx, c, "lakeformation:CreateDataCellsFilter"); err != nil {
		return err
	}
	region := s.region(c)
	if err := s.checkFilter(ctx, c, region, &f); err != nil {
		return err
	}
	f.VersionID = "0"
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		key := filterKey(f.TableCatalogID, region, f.DatabaseName, f.TableName, f.Name)
		if found, err := meta.GetJSON(tx, tableFilters, key, &DataCellsFilter{}); err != nil || found {
			if err == nil {
				err = errExists("A data cells filter named %s already exists on table %s.%s.", f.Name, f.DatabaseName, f.TableName)
			}
			return err
		}
		return meta.PutJSON(tx, tableFilters, key, &f)
	})
}

// UpdateDataCellsFilter replaces a data cells filter's rows and columns.
func (s *Service) UpdateDataCellsFilter(ctx context.Context, c *actor.Caller, f DataCellsFilter) error {
	if err := s.check(ctx, c, "lakeformation:UpdateDataCellsFilter"); err != nil {
		return err
	}
	region := s.region(c)
	if err := s.checkFilter(ctx, c, region, &f); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		key := filterKey(f.TableCatalogID, region, f.DatabaseName, f.TableName, f.Name)
		var cur DataCellsFilter
		found, err := meta.GetJSON(tx, tableFilters, key, &cur)
		if err != nil {
			return err
		}
		if !found {
			return errNotFound("Data cells filter %s not found on table %s.%s.", f.Name, f.DatabaseName, f.TableName)
		}
		t := target{kind: "filter", catalog: f.TableCatalogID, db: f.DatabaseName, table: f.TableName, filter: f.Name}
		if err := othersHold(tx, c, region, t); err != nil {
			return err
		}
		n, _ := strconv.Atoi(cur.VersionID)
		f.VersionID = strconv.Itoa(n + 1)
		return meta.PutJSON(tx, tableFilters, key, &f)
	})
}

// othersHold refuses a caller outside the catalog's account when a principal of another account holds a grant
// on filter t: a recipient account manages the filters of its own grantees only, as it grants only to them, and
// may not widen or remove a filter the owner (or another account) relies on.
func othersHold(tx meta.Tx, c *actor.Caller, region string, t target) error {
	if c.Account == t.catalog {
		return nil
	}
	var holder string
	var ferr error
	err := tx.Scan(tableGrants, meta.Range{Prefix: t.catalog + "/" + region + "/" + t.key() + "\x00"}, func(_ string, v []byte) bool {
		var g Grant
		if ferr = json.Unmarshal(v, &g); ferr != nil {
			return false
		}
		if !inAccount(g.Principal.ID, c.Account) {
			holder = g.Principal.ID
			return false
		}
		return true
	})
	if err == nil {
		err = ferr
	}
	if err == nil && holder != "" {
		err = errDenied("Insufficient Lake Formation permission(s): %s may not change %s: %s, outside account %s, holds "+
			"permissions on it; an administrator of catalog %s may.", c.Who(), t.describe(), holder, c.Account, t.catalog)
	}
	return err
}

// FilterRef names a data cells filter.
type FilterRef struct {
	Catalog, Database, Table, Name string
}

// GetDataCellsFilter returns a data cells filter.
func (s *Service) GetDataCellsFilter(ctx context.Context, c *actor.Caller, r FilterRef) (*DataCellsFilter, error) {
	if err := s.check(ctx, c, "lakeformation:GetDataCellsFilter"); err != nil {
		return nil, err
	}
	var out *DataCellsFilter
	err := s.viewFilter(ctx, catalogOf(c, r.Catalog), s.region(c), r.Database, r.Table, r.Name, func(f *DataCellsFilter) { out = f })
	if err == nil && out == nil {
		err = errNotFound("Data cells filter %s not found on table %s.%s.", r.Name, r.Database, r.Table)
	}
	return out, err
}

// DeleteDataCellsFilter deletes a data cells filter and the grants on it.
func (s *Service) DeleteDataCellsFilter(ctx context.Context, c *actor.Caller, r FilterRef) error {
	if err := s.check(ctx, c, "lakeformation:DeleteDataCellsFilter"); err != nil {
		return err
	}
	region, catalog := s.region(c), catalogOf(c, r.Catalog)
	t := target{kind: "filter", catalog: catalog, db: r.Database, table: r.Table, filter: r.Name}
	if err := s.mayGrant(ctx, c, region, target{kind: "table", catalog: catalog, db: r.Database, table: r.Table}, []string{PermSelect}); err != nil {
		return err
	}
	return s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		key := filterKey(catalog, region, r.Database, r.Table, r.Name)
		found, err := meta.GetJSON(tx, tableFilters, key, &DataCellsFilter{})
		if err != nil {
			return err
		}
		if !found {
			return errNotFound("Data cells filter %s not found on table %s.%s.", r.Name, r.Database, r.Table)
		}
		if err := othersHold(tx, c, region, t); err != nil {
			return err
		}
		prefix := catalog + "/" + region + "/" + t.key() + "\x00"
		var keys []string
		if err := tx.Scan(tableGrants, meta.Range{Prefix: prefix}, func(k string, _ []byte) bool { keys = append(keys, k); return true }); err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(tableGrants, k); err != nil {
				return err
			}
		}
		return tx.Delete(tableFilters, key)
	})
}

// ListDataCellsFilter lists the data cells filters of a table (or of every table of the caller's catalog).
func (s *Service) ListDataCellsFilter(ctx context.Context, c *actor.Caller, table *TableResource, p Page) ([]DataCellsFilter, string, error) {
	if err := s.check(ctx, c, "lakeformation:ListDataCellsFilter"); err != nil {
		return nil, "", err
	}
	prefix := c.Account + "/" + s.region(c) + "/"
	if table != nil {
		if table.DatabaseName == "" || table.Name == "" {
			return nil, "", errInvalid("Table needs DatabaseName and Name.")
		}
		prefix = catalogOf(c, table.CatalogID) + "/" + s.region(c) + "/" + table.DatabaseName + "/" + table.Name + "\x00"
	}
	var out []DataCellsFilter
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		fs, err := meta.ScanJSON[DataCellsFilter](tx, tableFilters, meta.Range{Prefix: prefix})
		for _, f := range fs {
			out = append(out, *f)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return pageOf(out, p)
}
