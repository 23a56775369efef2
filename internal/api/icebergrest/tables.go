package icebergrest

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/table"
)

type identifier struct {
	Namespace []string `json:"namespace"`
	Name      string   `json:"name"`
}

type tablesOut struct {
	Identifiers []identifier `json:"identifiers"`
}

func (h *handler) listTables(ctx context.Context, c *api.Call, in *namespaceIn) (*jsonOut, error) {
	names, err := h.cat.IcebergTableNames(ctx, c.Caller, scope(c, in.Catalog), in.Namespace)
	if err != nil {
		return nil, err
	}
	out := tablesOut{Identifiers: []identifier{}} // Hive tables and resource links are Glue's alone
	for _, n := range names {
		out.Identifiers = append(out.Identifiers, identifier{Namespace: []string{in.Namespace}, Name: n})
	}
	return ok(out), nil
}

type createTableIn struct {
	Catalog       string            `location:"uri" name:"catalog" json:"-"`
	Namespace     string            `location:"uri" name:"namespace" json:"-"`
	Name          string            `json:"name"`
	Location      string            `json:"location"`
	Schema        json.RawMessage   `json:"schema"`
	PartitionSpec json.RawMessage   `json:"partition-spec"`
	WriteOrder    json.RawMessage   `json:"write-order"`
	StageCreate   bool              `json:"stage-create"`
	Properties    map[string]string `json:"properties"`
}

// loadTableOut is the Iceberg REST LoadTableResult (and, without config, the CommitTableResponse).
type loadTableOut struct {
	MetadataLocation string            `json:"metadata-location"`
	Metadata         json.RawMessage   `json:"metadata"`
	Config           map[string]string `json:"config,omitempty"`
}

func loaded(c *api.Call, info *table.TableInfo) *jsonOut {
	return ok(loadTableOut{MetadataLocation: info.MetadataLocation, Metadata: info.Metadata, Config: s3Config(c)})
}

func (h *handler) createTable(ctx context.Context, c *api.Call, in *createTableIn) (*jsonOut, error) {
	info, err := h.cat.CreateIcebergTable(ctx, c.Caller, scope(c, in.Catalog), in.Namespace, table.CreateTableRequest{
		Name: in.Name, Location: in.Location, Schema: in.Schema, PartitionSpec: in.PartitionSpec,
		WriteOrder: in.WriteOrder, StageCreate: in.StageCreate, Properties: in.Properties})
	if err != nil {
		return nil, err
	}
	return loaded(c, info), nil
}

type tableIn struct {
	Catalog   string `location:"uri" name:"catalog" json:"-"`
	Namespace string `location:"uri" name:"namespace" json:"-"`
	Table     string `location:"uri" name:"table" json:"-"`
}

// icebergTable returns the Iceberg table in.Namespace.in.Table; a table of Glue's own (a Hive table, a
// resource link) is not one.
func (h *handler) icebergTable(ctx context.Context, c *api.Call, in *tableIn) (*table.TableInfo, error) {
	t, err := h.cat.Table(ctx, c.Caller, scope(c, in.Catalog), in.Namespace, in.Table)
	if err != nil {
		return nil, err
	}
	if t.Iceberg == nil {
		return nil, notIceberg(in.Namespace, in.Table)
	}
	return t.Iceberg, nil
}

func (h *handler) loadTable(ctx context.Context, c *api.Call, in *tableIn) (*jsonOut, error) {
	info, err := h.icebergTable(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return loaded(c, info), nil
}

func (h *handler) tableExists(ctx context.Context, c *api.Call, in *tableIn) (*jsonOut, error) {
	if _, err := h.icebergTable(ctx, c, in); err != nil {
		return nil, err
	}
	return noContent(), nil
}

type commitIn struct {
	Catalog      string          `location:"uri" name:"catalog" json:"-"`
	Namespace    string          `location:"uri" name:"namespace" json:"-"`
	Table        string          `location:"uri" name:"table" json:"-"`
	Requirements json.RawMessage `json:"requirements"`
	Updates      json.RawMessage `json:"updates"`
}

func (h *handler) commitTable(ctx context.Context, c *api.Call, in *commitIn) (*jsonOut, error) {
	info, err := h.cat.CommitTable(ctx, c.Caller, scope(c, in.Catalog), in.Namespace, in.Table, in.Requirements, in.Updates)
	if err != nil {
		return nil, err
	}
	return ok(loadTableOut{MetadataLocation: info.MetadataLocation, Metadata: info.Metadata}), nil
}

type dropTableIn struct {
	Catalog   string `location:"uri" name:"catalog" json:"-"`
	Namespace string `location:"uri" name:"namespace" json:"-"`
	Table     string `location:"uri" name:"table" json:"-"`
	Purge     bool   `location:"querystring" name:"purgeRequested" json:"-"`
}

func (h *handler) dropTable(ctx context.Context, c *api.Call, in *dropTableIn) (*jsonOut, error) {
	if in.Purge {
		return nil, badRequest("purgeRequested is not supported: the table's files stay in the lake bucket")
	}
	if err := h.cat.DeleteTable(ctx, c.Caller, scope(c, in.Catalog), in.Namespace, in.Table); err != nil {
		return nil, err
	}
	return noContent(), nil
}

func notIceberg(ns, name string) error {
	return awserr.New("NoSuchTableException", http.StatusNotFound,
		"Table %s.%s is not an Iceberg table (a Glue table or resource link).", ns, name)
}
