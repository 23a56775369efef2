package athena

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/datacatalog"
)

// Catalog is what Athena's catalog operations read of the Glue Data Catalog, as the caller (its glue:*
// permissions decide, as Athena's calls to Glue do on AWS).
type Catalog interface {
	Databases(ctx context.Context, c *actor.Caller, sc datacatalog.Scope) ([]datacatalog.Database, error)
	Database(ctx context.Context, c *actor.Caller, sc datacatalog.Scope, name string) (datacatalog.Database, error)
	Tables(ctx context.Context, c *actor.Caller, sc datacatalog.Scope, db string) ([]datacatalog.Table, error)
	Table(ctx context.Context, c *actor.Caller, sc datacatalog.Scope, db, name string) (datacatalog.Table, error)
}

// DataCatalog is a data catalog as Athena lists it: AwsDataCatalog, the account's Glue Data Catalog, is the
// only one.
type DataCatalog struct {
	Name, Type, Description string
	Parameters              map[string]string
}

// TableColumn is a table's column in Hive's terms.
type TableColumn struct{ Name, Type, Comment string }

// TableMetadata is a table as Athena describes it.
type TableMetadata struct {
	Name, TableType        string
	Created                time.Time
	Columns, PartitionKeys []TableColumn
	Parameters             map[string]string
}

func dataCatalogARN(region, account, name string) string {
	return "arn:aws:athena:" + region + ":" + account + ":datacatalog/" + name
}

// catalogScope authorizes action on the data catalog name and returns the Glue scope it reads.
func (s *Service) catalogScope(ctx context.Context, c *actor.Caller, action, name string) (datacatalog.Scope, error) {
	region := s.region(c)
	if err := actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: dataCatalogARN(region, c.Account, name)}, refusal); err != nil {
		return datacatalog.Scope{}, err
	}
	if !strings.EqualFold(name, DefaultCatalog) {
		return datacatalog.Scope{}, invalid(codeNotFound, "Catalog %s was not found: seclake serves AwsDataCatalog, the account's Glue Data Catalog.", name)
	}
	if s.cfg.Catalog == nil {
		return datacatalog.Scope{}, invalid(codeInvalidInput, "This seclake server has no data catalog.")
	}
	return datacatalog.Scope{Account: c.Account, Region: region}, nil
}

// metadataError turns Glue's not-found errors into Athena's MetadataException.
func metadataError(err error) error {
	if ae, ok := awserr.As(err); ok && ae.Code == "EntityNotFoundException" {
		return awserr.New("MetadataException", awserr.StatusBadRequest, "%s", ae.Message)
	}
	return err
}

// ListDataCatalogs lists the data catalogs: AwsDataCatalog.
func (s *Service) ListDataCatalogs(ctx context.Context, c *actor.Caller) ([]DataCatalog, error) {
	if err := s.authorize(ctx, c, "athena:ListDataCatalogs", ""); err != nil {
		return nil, err
	}
	return []DataCatalog{{Name: DefaultCatalog, Type: "GLUE"}}, nil
}

// GetDataCatalog describes a data catalog.
func (s *Service) GetDataCatalog(ctx context.Context, c *actor.Caller, name string) (*DataCatalog, error) {
	if _, err := s.catalogScope(ctx, c, "athena:GetDataCatalog", name); err != nil {
		return nil, err
	}
	return &DataCatalog{Name: DefaultCatalog, Type: "GLUE", Description: "The account's Glue Data Catalog",
		Parameters: map[string]string{"catalog-id": c.Account}}, nil
}

// ListDatabases lists the databases of a data catalog.
func (s *Service) ListDatabases(ctx context.Context, c *actor.Caller, catalog string) ([]datacatalog.Database, error) {
	sc, err := s.catalogScope(ctx, c, "athena:ListDatabases", catalog)
	if err != nil {
		return nil, err
	}
	dbs, err := s.cfg.Catalog.Databases(ctx, c, sc)
	return dbs, metadataError(err)
}

// GetDatabase describes a database.
func (s *Service) GetDatabase(ctx context.Context, c *actor.Caller, catalog, name string) (*datacatalog.Database, error) {
	sc, err := s.catalogScope(ctx, c, "athena:GetDatabase", catalog)
	if err != nil {
		return nil, err
	}
	db, err := s.cfg.Catalog.Database(ctx, c, sc, name)
	if err != nil {
		return nil, metadataError(err)
	}
	return &db, nil
}

// ListTableMetadata describes the tables of a database whose names contain expression ("" for all; Athena's
// regular expressions are matched as substrings here, "*" as any).
func (s *Service) ListTableMetadata(ctx context.Context, c *actor.Caller, catalog, db, expression string) ([]TableMetadata, error) {
	sc, err := s.catalogScope(ctx, c, "athena:ListTableMetadata", catalog)
	if err != nil {
		return nil, err
	}
	tables, err := s.cfg.Catalog.Tables(ctx, c, sc, db)
	if err != nil {
		return nil, metadataError(err)
	}
	expression = strings.Trim(expression, "*")
	out := []TableMetadata{}
	for _, t := range tables {
		if strings.Contains(t.Name, expression) {
			out = append(out, tableMetadata(t))
		}
	}
	return out, nil
}

// GetTableMetadata describes a table.
func (s *Service) GetTableMetadata(ctx context.Context, c *actor.Caller, catalog, db, name string) (*TableMetadata, error) {
	sc, err := s.catalogScope(ctx, c, "athena:GetTableMetadata", catalog)
	if err != nil {
		return nil, err
	}
	t, err := s.cfg.Catalog.Table(ctx, c, sc, db, name)
	if err != nil {
		return nil, metadataError(err)
	}
	md := tableMetadata(t)
	return &md, nil
}

// tableMetadata describes an Iceberg table from its Hive columns, and a Glue table from its TableInput.
func tableMetadata(t datacatalog.Table) TableMetadata {
	md := TableMetadata{Name: t.Name, TableType: "EXTERNAL_TABLE", Created: t.Created, Parameters: map[string]string{}}
	if ib := t.Iceberg; ib != nil {
		md.Parameters["table_type"] = "ICEBERG"
		md.Parameters["metadata_location"] = ib.MetadataLocation
		parts := map[string]bool{}
		for _, p := range ib.PartitionKeys {
			parts[p] = true
		}
		for _, c := range ib.Columns {
			col := TableColumn{Name: c.Name, Type: c.Type, Comment: c.Comment}
			if parts[c.Name] {
				md.PartitionKeys = append(md.PartitionKeys, col)
				continue
			}
			md.Columns = append(md.Columns, col)
		}
		return md
	}
	var in struct {
		TableType         string
		Parameters        map[string]string
		StorageDescriptor struct{ Columns []TableColumn }
		PartitionKeys     []TableColumn
	}
	if json.Unmarshal(t.Input, &in) == nil {
		if in.TableType != "" {
			md.TableType = in.TableType
		}
		for k, v := range in.Parameters {
			md.Parameters[k] = v
		}
		md.Columns, md.PartitionKeys = in.StorageDescriptor.Columns, in.PartitionKeys
	}
	return md
}
