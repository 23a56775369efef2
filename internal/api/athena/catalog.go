package athena

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/awsproto"
)

type dataCatalogSummary struct{ CatalogName, Type string }

type listDataCatalogsOut struct{ DataCatalogsSummary []dataCatalogSummary }

func (h *handler) listDataCatalogs(ctx context.Context, c *api.Call, _ *nextPage) (*listDataCatalogsOut, error) {
	cats, err := h.svc.ListDataCatalogs(ctx, c.Caller)
	if err != nil {
		return nil, err
	}
	out := &listDataCatalogsOut{DataCatalogsSummary: []dataCatalogSummary{}}
	for _, dc := range cats {
		out.DataCatalogsSummary = append(out.DataCatalogsSummary, dataCatalogSummary{CatalogName: dc.Name, Type: dc.Type})
	}
	return out, nil
}

type catalogIn struct {
	Name, CatalogName, DatabaseName, TableName, Expression, NextToken, WorkGroup string
	MaxResults                                                                   int
}

type dataCatalog struct {
	Name, Type  string
	Description string            `json:",omitempty"`
	Parameters  map[string]string `json:",omitempty"`
}

type getDataCatalogOut struct{ DataCatalog dataCatalog }

func (h *handler) getDataCatalog(ctx context.Context, c *api.Call, in *catalogIn) (*getDataCatalogOut, error) {
	dc, err := h.svc.GetDataCatalog(ctx, c.Caller, in.Name)
	if err != nil {
		return nil, err
	}
	return &getDataCatalogOut{DataCatalog: dataCatalog{Name: dc.Name, Type: dc.Type, Description: dc.Description, Parameters: dc.Parameters}}, nil
}

type database struct {
	Name        string
	Description string            `json:",omitempty"`
	Parameters  map[string]string `json:",omitempty"`
}

type listDatabasesOut struct{ DatabaseList []database }

func (h *handler) listDatabases(ctx context.Context, c *api.Call, in *catalogIn) (*listDatabasesOut, error) {
	dbs, err := h.svc.ListDatabases(ctx, c.Caller, in.CatalogName)
	if err != nil {
		return nil, err
	}
	out := &listDatabasesOut{DatabaseList: []database{}}
	for _, d := range dbs {
		out.DatabaseList = append(out.DatabaseList, database{Name: d.Name, Description: d.Description, Parameters: d.Parameters})
	}
	return out, nil
}

type getDatabaseOut struct{ Database database }

func (h *handler) getDatabase(ctx context.Context, c *api.Call, in *catalogIn) (*getDatabaseOut, error) {
	d, err := h.svc.GetDatabase(ctx, c.Caller, in.CatalogName, in.DatabaseName)
	if err != nil {
		return nil, err
	}
	return &getDatabaseOut{Database: database{Name: d.Name, Description: d.Description, Parameters: d.Parameters}}, nil
}

type column struct {
	Name, Type string
	Comment    string `json:",omitempty"`
}

type tableMetadata struct {
	Name          string
	CreateTime    *awsproto.Timestamp `json:",omitempty"`
	TableType     string
	Columns       []column
	PartitionKeys []column
	Parameters    map[string]string
}

func columns(in []athena.TableColumn) []column {
	out := make([]column, len(in))
	for i, c := range in {
		out[i] = column{Name: c.Name, Type: c.Type, Comment: c.Comment}
	}
	return out
}

func tableOut(t *athena.TableMetadata) tableMetadata {
	return tableMetadata{Name: t.Name, CreateTime: ts(t.Created), TableType: t.TableType, Columns: columns(t.Columns),
		PartitionKeys: columns(t.PartitionKeys), Parameters: t.Parameters}
}

type listTableMetadataOut struct{ TableMetadataList []tableMetadata }

func (h *handler) listTableMetadata(ctx context.Context, c *api.Call, in *catalogIn) (*listTableMetadataOut, error) {
	tables, err := h.svc.ListTableMetadata(ctx, c.Caller, in.CatalogName, in.DatabaseName, in.Expression)
	if err != nil {
		return nil, err
	}
	out := &listTableMetadataOut{TableMetadataList: []tableMetadata{}}
	for i := range tables {
		out.TableMetadataList = append(out.TableMetadataList, tableOut(&tables[i]))
	}
	return out, nil
}

type getTableMetadataOut struct{ TableMetadata tableMetadata }

func (h *handler) getTableMetadata(ctx context.Context, c *api.Call, in *catalogIn) (*getTableMetadataOut, error) {
	t, err := h.svc.GetTableMetadata(ctx, c.Caller, in.CatalogName, in.DatabaseName, in.TableName)
	if err != nil {
		return nil, err
	}
	return &getTableMetadataOut{TableMetadata: tableOut(t)}, nil
}
