package lakeformation

import (
	"context"
	"slices"
	"strings"
)

// Resource is a Lake Formation resource, as the API's Resource union names it (exactly one member set).
type Resource struct {
	Catalog          *CatalogResource          `json:"Catalog,omitempty"`
	Database         *DatabaseResource         `json:"Database,omitempty"`
	Table            *TableResource            `json:"Table,omitempty"`
	TableWithColumns *TableWithColumnsResource `json:"TableWithColumns,omitempty"`
	DataCellsFilter  *DataCellsFilterResource  `json:"DataCellsFilter,omitempty"`
	DataLocation     *DataLocationResource     `json:"DataLocation,omitempty"`
}

// CatalogResource is the account's Data Catalog.
type CatalogResource struct {
	ID string `json:"Id,omitempty"`
}

// DatabaseResource is a database.
type DatabaseResource struct {
	CatalogID string `json:"CatalogId,omitempty"`
	Name      string `json:"Name"`
}

// TableResource is a table, or every table of a database (TableWildcard).
type TableResource struct {
	CatalogID     string    `json:"CatalogId,omitempty"`
	DatabaseName  string    `json:"DatabaseName"`
	Name          string    `json:"Name,omitempty"`
	TableWildcard *struct{} `json:"TableWildcard,omitempty"`
}

// TableWithColumnsResource is some columns of a table: ColumnNames, or every column but ExcludedColumnNames.
type TableWithColumnsResource struct {
	CatalogID      string          `json:"CatalogId,omitempty"`
	DatabaseName   string          `json:"DatabaseName"`
	Name           string          `json:"Name"`
	ColumnNames    []string        `json:"ColumnNames,omitempty"`
	ColumnWildcard *ColumnWildcard `json:"ColumnWildcard,omitempty"`
}

// ColumnWildcard is every column but the excluded ones.
type ColumnWildcard struct {
	ExcludedColumnNames []string `json:"ExcludedColumnNames,omitempty"`
}

// DataCellsFilterResource is a data cells filter of a table.
type DataCellsFilterResource struct {
	TableCatalogID string `json:"TableCatalogId,omitempty"`
	DatabaseName   string `json:"DatabaseName,omitempty"`
	TableName      string `json:"TableName,omitempty"`
	Name           string `json:"Name,omitempty"`
}

// DataLocationResource is a registered Amazon S3 location.
type DataLocationResource struct {
	CatalogID   string `json:"CatalogId,omitempty"`
	ResourceArn string `json:"ResourceArn"`
}

// Permissions Lake Formation grants.
const (
	PermAll         = "ALL"
	PermSelect      = "SELECT"
	PermDescribe    = "DESCRIBE"
	PermAlter       = "ALTER"
	PermDrop        = "DROP"
	PermInsert      = "INSERT"
	PermDelete      = "DELETE"
	PermCreateTable = "CREATE_TABLE"
	PermCreateDB    = "CREATE_DATABASE"
	PermDataLoc     = "DATA_LOCATION_ACCESS"
)

// permitted are the permissions each kind of resource takes.
var permitted = map[string][]string{
	"catalog":  {PermCreateDB, PermAll},
	"database": {PermAll, PermAlter, PermDrop, PermDescribe, PermCreateTable},
	"table":    {PermAll, PermSelect, PermDescribe, PermAlter, PermDrop, PermInsert, PermDelete},
	"columns":  {PermSelect},
	"filter":   {PermSelect, PermDescribe, PermDrop},
	"location": {PermDataLoc},
}

// target is a resource resolved: its kind, catalog, database, table and the key its grants sort under.
type target struct {
	kind, catalog, db, table, filter string
	wildcard                         bool
}

// key is the grants' record key of the resource (below catalog/region): the database first, so that the grants
// of a database's tables are one range (see dbPrefix).
func (t target) key() string {
	switch t.kind {
	case "catalog":
		return "\x01catalog"
	case "database":
		return t.db + "\x01db"
	case "table":
		if t.wildcard {
			return t.db + "\x01*"
		}
		return t.db + "\x01t/" + t.table
	case "columns":
		return t.db + "\x01c/" + t.table
	case "filter":
		return t.db + "\x01f/" + t.table + "/" + t.filter
	}
	return "\x01loc/" + t.table
}

// dbPrefix is the range of the grants on database db and its tables.
func dbPrefix(catalog, region, db string) string { return catalog + "/" + region + "/" + db + "\x01" }

// shareResource is the Glue ARN a RAM share carries for a grant on the resource.
func (t target) shareResource(region string) string {
	switch {
	case t.kind == "database":
		return glueARN(region, t.catalog, "database/"+t.db)
	case t.wildcard:
		return glueARN(region, t.catalog, "table/"+t.db+"/*")
	}
	return glueARN(region, t.catalog, "table/"+t.db+"/"+t.table)
}

// covers reports whether a grant on t applies to table db.name.
func (t target) covers(db, name string) bool {
	if t.db != db {
		return false
	}
	return t.wildcard || t.table == name
}

// resolve checks r (exactly one member, names given) and returns its target, the catalog defaulting to def.
func resolve(r *Resource, def string) (target, error) {
	n := 0
	for _, set := range []bool{r.Catalog != nil, r.Database != nil, r.Table != nil, r.TableWithColumns != nil,
		r.DataCellsFilter != nil, r.DataLocation != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return target{}, errInvalid("Resource must name exactly one of Catalog, Database, Table, TableWithColumns, DataCellsFilter and DataLocation.")
	}
	or := func(id string) string {
		if id == "" {
			return def
		}
		return id
	}
	switch {
	case r.Catalog != nil:
		return target{kind: "catalog", catalog: or(r.Catalog.ID)}, nil
	case r.Database != nil:
		if r.Database.Name == "" {
			return target{}, errInvalid("Database.Name is required.")
		}
		return target{kind: "database", catalog: or(r.Database.CatalogID), db: r.Database.Name}, nil
	case r.Table != nil:
		t := r.Table
		if t.DatabaseName == "" || (t.Name == "") == (t.TableWildcard == nil) {
			return target{}, errInvalid("Table needs DatabaseName and exactly one of Name and TableWildcard.")
		}
		return target{kind: "table", catalog: or(t.CatalogID), db: t.DatabaseName, table: t.Name, wildcard: t.TableWildcard != nil}, nil
	case r.TableWithColumns != nil:
		t := r.TableWithColumns
		if t.DatabaseName == "" || t.Name == "" {
			return target{}, errInvalid("TableWithColumns needs DatabaseName and Name.")
		}
		if (len(t.ColumnNames) > 0) == (t.ColumnWildcard != nil) {
			return target{}, errInvalid("TableWithColumns needs exactly one of ColumnNames and ColumnWildcard.")
		}
		return target{kind: "columns", catalog: or(t.CatalogID), db: t.DatabaseName, table: t.Name}, nil
	case r.DataCellsFilter != nil:
		f := r.DataCellsFilter
		if f.DatabaseName == "" || f.TableName == "" || f.Name == "" {
			return target{}, errInvalid("DataCellsFilter needs DatabaseName, TableName and Name.")
		}
		return target{kind: "filter", catalog: or(f.TableCatalogID), db: f.DatabaseName, table: f.TableName, filter: f.Name}, nil
	}
	if r.DataLocation.ResourceArn == "" {
		return target{}, errInvalid("DataLocation.ResourceArn is required.")
	}
	return target{kind: "location", catalog: or(r.DataLocation.CatalogID), table: r.DataLocation.ResourceArn}, nil
}

// filled returns r with its catalog IDs set to t's, as ListPermissions reports it.
func filled(r Resource, t target) Resource {
	switch {
	case r.Catalog != nil:
		r.Catalog = &CatalogResource{}
	case r.Database != nil:
		d := *r.Database
		d.CatalogID = t.catalog
		r.Database = &d
	case r.Table != nil:
		tb := *r.Table
		tb.CatalogID = t.catalog
		r.Table = &tb
	case r.TableWithColumns != nil:
		tc := *r.TableWithColumns
		tc.CatalogID = t.catalog
		r.TableWithColumns = &tc
	case r.DataCellsFilter != nil:
		f := *r.DataCellsFilter
		f.TableCatalogID = t.catalog
		r.DataCellsFilter = &f
	case r.DataLocation != nil:
		l := *r.DataLocation
		l.CatalogID = t.catalog
		r.DataLocation = &l
	}
	return r
}

// exists checks that the resource's database, table, columns and filter exist.
func (s *Service) exists(ctx context.Context, region string, t target, r *Resource) error {
	if t.kind == "catalog" || t.kind == "location" {
		return nil
	}
	ok, err := s.cfg.Catalog.DatabaseExists(ctx, t.catalog, region, t.db)
	if err != nil {
		return err
	}
	if !ok {
		return errNotFound("Database %s not found.", t.db)
	}
	if t.kind == "database" || t.wildcard {
		return nil
	}
	desc, err := s.cfg.Catalog.Table(ctx, t.catalog, region, t.db, t.table)
	if err != nil {
		return err
	}
	if desc == nil {
		return errNotFound("Table %s not found.", t.table)
	}
	switch t.kind {
	case "columns":
		cols := r.TableWithColumns.ColumnNames
		if r.TableWithColumns.ColumnWildcard != nil {
			cols = r.TableWithColumns.ColumnWildcard.ExcludedColumnNames
		}
		for _, c := range cols {
			if !hasColumn(desc.Columns, c) {
				return errInvalid("Column %s not found in table %s.%s.", c, t.db, t.table)
			}
		}
	case "filter":
		var found bool
		if err := s.viewFilter(ctx, t.catalog, region, t.db, t.table, t.filter, func(*DataCellsFilter) { found = true }); err != nil {
			return err
		}
		if !found {
			return errNotFound("Data cells filter %s not found on table %s.%s.", t.filter, t.db, t.table)
		}
	}
	return nil
}

func hasColumn(cols []string, c string) bool {
	return slices.ContainsFunc(cols, func(x string) bool { return strings.EqualFold(x, c) })
}
