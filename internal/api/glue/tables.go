package glue

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/datacatalog"
	"github.com/seclake/seclake/internal/table"
)

type column struct {
	Name    string
	Type    string
	Comment string `json:",omitempty"`
}

type storageDescriptor struct {
	Columns      []column `json:",omitempty"`
	Location     string
	InputFormat  string            `json:",omitempty"`
	OutputFormat string            `json:",omitempty"`
	SerdeInfo    map[string]any    `json:",omitempty"`
	Parameters   map[string]string `json:",omitempty"`
	Compressed   bool
}

// tableOf returns a table as Glue's Table: a table kept by the catalog is its TableInput as given (a resource
// link keeps its TargetTable) with the catalog's fields; an Iceberg table is an EXTERNAL_TABLE with
// table_type=ICEBERG, its metadata_location and its columns in Hive types, as Security Lake's Glue tables are.
func tableOf(t datacatalog.Table, sc datacatalog.Scope) (map[string]any, error) {
	out := map[string]any{}
	if t.Iceberg == nil {
		if err := json.Unmarshal(t.Input, &out); err != nil {
			return nil, err
		}
	} else {
		out["TableType"] = "EXTERNAL_TABLE"
		params := map[string]string{"table_type": "ICEBERG", "metadata_location": t.Iceberg.MetadataLocation}
		if n := len(t.Iceberg.PreviousMetadataLocations); n > 0 {
			params["previous_metadata_location"] = t.Iceberg.PreviousMetadataLocations[n-1]
		}
		out["Parameters"] = params
		out["StorageDescriptor"] = icebergStorage(t.Iceberg, true)
		out["PartitionKeys"] = []column{}
		out["Retention"] = 0
	}
	out["Name"], out["DatabaseName"], out["CatalogId"] = t.Name, t.Database, sc.Account
	out["CreateTime"], out["UpdateTime"] = epoch(t.Created), epoch(t.Updated)
	out["VersionId"] = strconv.Itoa(t.VersionID)
	out["IsRegisteredWithLakeFormation"] = false
	return out, nil
}

func icebergStorage(info *table.TableInfo, withColumns bool) storageDescriptor {
	sd := storageDescriptor{Location: info.Location,
		InputFormat:  "org.apache.hadoop.mapred.FileInputFormat",
		OutputFormat: "org.apache.hadoop.mapred.FileOutputFormat",
		SerdeInfo:    map[string]any{"SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"}}
	if withColumns {
		for _, col := range info.Columns {
			sd.Columns = append(sd.Columns, column{Name: col.Name, Type: col.Type, Comment: col.Comment})
		}
	}
	return sd
}

type tableIn struct {
	CatalogId    string
	DatabaseName string
	Name         string
}

type getTableOut struct {
	Table map[string]any
}

func (h *handler) getTable(ctx context.Context, c *api.Call, in *tableIn) (*getTableOut, error) {
	if err := requiredAll("DatabaseName", in.DatabaseName, "Name", in.Name); err != nil {
		return nil, err
	}
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	t, err := h.cat.Table(ctx, c.Caller, sc, in.DatabaseName, in.Name)
	if err != nil {
		return nil, err
	}
	out, err := tableOf(t, sc)
	if err != nil {
		return nil, err
	}
	return &getTableOut{Table: out}, nil
}

func requiredAll(kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if err := required(kv[i], kv[i+1]); err != nil {
			return err
		}
	}
	return nil
}

type tableInputIn struct {
	CatalogId    string
	DatabaseName string
	Name         string
	TableInput   json.RawMessage
	VersionId    string
	SkipArchive  *bool
}

func (h *handler) createTable(ctx context.Context, c *api.Call, in *tableInputIn) (*empty, error) {
	if err := required("DatabaseName", in.DatabaseName); err != nil {
		return nil, err
	}
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	if err := h.cat.CreateTable(ctx, c.Caller, sc, in.DatabaseName, in.TableInput); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

func (h *handler) updateTable(ctx context.Context, c *api.Call, in *tableInputIn) (*empty, error) {
	if err := required("DatabaseName", in.DatabaseName); err != nil {
		return nil, err
	}
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	if err := h.cat.UpdateTable(ctx, c.Caller, sc, in.DatabaseName, in.TableInput, in.VersionId); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

func (h *handler) deleteTable(ctx context.Context, c *api.Call, in *tableIn) (*empty, error) {
	if err := requiredAll("DatabaseName", in.DatabaseName, "Name", in.Name); err != nil {
		return nil, err
	}
	if err := h.cat.DeleteTable(ctx, c.Caller, datacatalog.ScopeOf(c.Caller, in.CatalogId), in.DatabaseName, in.Name); err != nil {
		return nil, err
	}
	return &empty{}, nil
}

type tableVersionsIn struct {
	CatalogId    string
	DatabaseName string
	TableName    string
	NextToken    string
	MaxResults   int
}

type tableVersion struct {
	Table     map[string]any
	VersionId string
}

type tableVersionsOut struct {
	TableVersions []tableVersion
	NextToken     string `json:",omitempty"`
}

func (h *handler) getTableVersions(ctx context.Context, c *api.Call, in *tableVersionsIn) (*tableVersionsOut, error) {
	if err := requiredAll("DatabaseName", in.DatabaseName, "TableName", in.TableName); err != nil {
		return nil, err
	}
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	vs, err := h.cat.TableVersions(ctx, c.Caller, sc, in.DatabaseName, in.TableName)
	if err != nil {
		return nil, err
	}
	vs, next, err := page(vs, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &tableVersionsOut{TableVersions: []tableVersion{}, NextToken: next}
	for _, v := range vs {
		t, err := tableOf(v.Table, sc)
		if err != nil {
			return nil, err
		}
		out.TableVersions = append(out.TableVersions, tableVersion{Table: t, VersionId: v.ID})
	}
	return out, nil
}

type partitionsIn struct {
	CatalogId           string
	DatabaseName        string
	TableName           string
	Expression          string
	NextToken           string
	MaxResults          int
	ExcludeColumnSchema bool
}

type partition struct {
	Values            []string
	DatabaseName      string
	TableName         string
	CatalogId         string
	CreationTime      any
	StorageDescriptor storageDescriptor
	Parameters        map[string]string
}

type partitionsOut struct {
	Partitions []partition
	NextToken  string `json:",omitempty"`
}

// getPartitions lists an Iceberg table's partitions with data, their values in the order of its partition
// keys (region, accountid, eventday for the lake's tables). The Expression filter is not applied.
func (h *handler) getPartitions(ctx context.Context, c *api.Call, in *partitionsIn) (*partitionsOut, error) {
	if err := requiredAll("DatabaseName", in.DatabaseName, "TableName", in.TableName); err != nil {
		return nil, err
	}
	sc := datacatalog.ScopeOf(c.Caller, in.CatalogId)
	t, parts, err := h.cat.Partitions(ctx, c.Caller, sc, in.DatabaseName, in.TableName)
	if err != nil {
		return nil, err
	}
	parts, next, err := page(parts, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &partitionsOut{Partitions: []partition{}, NextToken: next}
	for _, p := range parts {
		sd := icebergStorage(t.Iceberg, !in.ExcludeColumnSchema)
		segs := make([]string, 0, len(p.Values))
		for i, v := range p.Values {
			if i < len(t.Iceberg.PartitionKeys) {
				segs = append(segs, t.Iceberg.PartitionKeys[i]+"="+v)
			}
		}
		sd.Location = t.Iceberg.Location + "/data/" + strings.Join(segs, "/")
		out.Partitions = append(out.Partitions, partition{Values: p.Values, DatabaseName: in.DatabaseName,
			TableName: in.TableName, CatalogId: sc.Account, CreationTime: epoch(t.Updated), StorageDescriptor: sd,
			Parameters: map[string]string{"files": strconv.Itoa(p.Files)}})
	}
	return out, nil
}
