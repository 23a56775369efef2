// Package glue serves the AWS Glue Data Catalog API (JSON 1.1, target prefix AWSGlue) over the Data Catalog
// (package datacatalog): the databases and tables Security Lake users and Athena read, resource links included.
package glue

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/datacatalog"
)

// TargetPrefix is Glue's X-Amz-Target prefix.
const TargetPrefix = "AWSGlue"

// New returns the Glue service.
func New(cat *datacatalog.Service) *api.Service {
	h := &handler{cat: cat}
	return &api.Service{
		Name:         "glue",
		EventSource:  datacatalog.EventSource,
		Protocol:     awsproto.JSON11,
		TargetPrefix: TargetPrefix,
		Ops: api.Ops(
			api.JSON("GetDatabase", "glue:GetDatabase", true, h.getDatabase),
			api.JSON("GetDatabases", "glue:GetDatabases", true, h.getDatabases),
			api.JSON("CreateDatabase", "glue:CreateDatabase", false, h.createDatabase),
			api.JSON("DeleteDatabase", "glue:DeleteDatabase", false, h.deleteDatabase),
			api.JSON("UpdateDatabase", "glue:UpdateDatabase", false, h.updateDatabase),
			api.JSON("GetTable", "glue:GetTable", true, h.getTable),
			api.JSON("GetTables", "glue:GetTables", true, h.getTables),
			api.JSON("CreateTable", "glue:CreateTable", false, h.createTable),
			api.JSON("UpdateTable", "glue:UpdateTable", false, h.updateTable),
			api.JSON("DeleteTable", "glue:DeleteTable", false, h.deleteTable),
			api.JSON("GetTableVersions", "glue:GetTableVersions", true, h.getTableVersions),
			api.JSON("GetPartitions", "glue:GetPartitions", true, h.getPartitions),
		),
	}
}

type handler struct{ cat *datacatalog.Service }

type empty struct{}

type databaseOut struct {
	Name        string
	Description string            `json:",omitempty"`
	LocationUri string            `json:",omitempty"`
	Parameters  map[string]string `json:",omitempty"`
	CreateTime  awsproto.Timestamp
	CatalogId   string
}

func databaseOf(d datacatalog.Database, sc datacatalog.Scope) databaseOut {
	return databaseOut{Name: d.Name, Description: d.Description, LocationUri: d.LocationURI,
		Parameters: d.Parameters, CreateTime: awsproto.Timestamp(d.Created), CatalogId: sc.Account}
}

type getDatabaseIn struct {
	CatalogId string
	Name      string
}

type getDatabaseOut struct{ Database databaseOut }

func (h *handler) getDatabase(ctx context.Context, c *api.Call, in *getDatabaseIn) (*getDatabaseOut, error) {
	if err := required("Name", in.Name); err != nil {
		return nil, err
	}
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	d, err := h.cat.Database(ctx, c.Caller, sc, in.Name)
	if err != nil {
		return nil, err
	}
	return &getDatabaseOut{Database: databaseOf(d, sc)}, nil
}

type getDatabasesIn struct {
	CatalogId  string
	NextToken  string
	MaxResults int
}

type getDatabasesOut struct {
	DatabaseList []databaseOut
	NextToken    string `json:",omitempty"`
}

func (h *handler) getDatabases(ctx context.Context, c *api.Call, in *getDatabasesIn) (*getDatabasesOut, error) {
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	dbs, err := h.cat.Databases(ctx, c.Caller, sc)
	if err != nil {
		return nil, err
	}
	dbs, next, err := page(dbs, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &getDatabasesOut{DatabaseList: make([]databaseOut, 0, len(dbs)), NextToken: next}
	for _, d := range dbs {
		out.DatabaseList = append(out.DatabaseList, databaseOf(d, sc))
	}
	return out, nil
}

type databaseInput struct {
	Name        string
	Description string
	LocationUri string
	Parameters  map[string]string
}

type createDatabaseIn struct {
	CatalogId     string
	DatabaseInput *databaseInput
	Tags          map[string]string
}

func (h *handler) createDatabase(ctx context.Context, c *api.Call, in *createDatabaseIn) (*empty, error) {
	if in.DatabaseInput == nil {
		return nil, invalid("DatabaseInput is required.")
	}
	d := in.DatabaseInput
	err := h.cat.CreateDatabase(ctx, c.Caller, datacatalog.ScopeOf(c.Caller, in.CatalogId), datacatalog.Database{
		Name: d.Name, Description: d.Description, LocationURI: d.LocationUri, Parameters: d.Parameters})
	if err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type updateDatabaseIn struct {
	CatalogId     string
	Name          string
	DatabaseInput *databaseInput
}

func (h *handler) updateDatabase(ctx context.Context, c *api.Call, in *updateDatabaseIn) (*empty, error) {
	if err := required("Name", in.Name); err != nil {
		return nil, err
	}
	if in.DatabaseInput == nil {
		in.DatabaseInput = &databaseInput{}
	}
	d := in.DatabaseInput
	err := h.cat.UpdateDatabase(ctx, c.Caller, datacatalog.ScopeOf(c.Caller, in.CatalogId), in.Name, datacatalog.Database{
		Name: d.Name, Description: d.Description, LocationURI: d.LocationUri, Parameters: d.Parameters})
	if err != nil {
		return nil, err
	}
	return &empty{}, nil
}

func (h *handler) deleteDatabase(ctx context.Context, c *api.Call, in *getDatabaseIn) (*empty, error) {
	if err := required("Name", in.Name); err != nil {
		return nil, err
	}
	if err := h.cat.DeleteDatabase(ctx, c.Caller, datacatalog.ScopeOf(c.Caller, in.CatalogId), in.Name); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type getTablesIn struct {
	CatalogId    string
	DatabaseName string
	Expression   string
	NextToken    string
	MaxResults   int
}

type getTablesOut struct {
	TableList []map[string]any
	NextToken string `json:",omitempty"`
}

func (h *handler) getTables(ctx context.Context, c *api.Call, in *getTablesIn) (*getTablesOut, error) {
	if err := required("DatabaseName", in.DatabaseName); err != nil {
		return nil, err
	}
	var match *regexp.Regexp
	if in.Expression != "" {
		// Glue's expression is a regular expression on the name, where "*" also means any characters.
		expr := strings.ReplaceAll(in.Expression, ".*", "*")
		re, err := regexp.Compile("^(?:" + strings.ReplaceAll(expr, "*", ".*") + ")$")
		if err != nil {
			return nil, invalid("Expression %q is not a valid pattern: %v", in.Expression, err)
		}
		match = re
	}
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	ts, err := h.cat.Tables(ctx, c.Caller, sc, in.DatabaseName)
	if err != nil {
		return nil, err
	}
	matched := ts[:0]
	for _, t := range ts {
		if match == nil || match.MatchString(t.Name) {
			matched = append(matched, t)
		}
	}
	ts, next, err := page(matched, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &getTablesOut{TableList: []map[string]any{}, NextToken: next}
	for _, t := range ts {
		tbl, err := tableOf(t, sc)
		if err != nil {
			return nil, err
		}
		out.TableList = append(out.TableList, tbl)
	}
	return out, nil
}

func required(name, v string) error {
	if v == "" {
		return invalid("%s is required.", name)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return awserr.New("InvalidInputException", http.StatusBadRequest, format, args...)
}

// epoch is a Glue timestamp in a table's JSON.
func epoch(t time.Time) awsproto.Timestamp { return awsproto.Timestamp(t) }
