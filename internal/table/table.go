// Package table is the lake's tables: one Apache Iceberg v2 table per Security Lake source and source version,
// in the region's lake bucket, with the columns of the Security Lake 2.0 table schemas (package ocsf/shape), all
// optional, partitioned by region, accountid and eventday (identity partitions on the lake's columns) as Security
// Lake's tables are. It is the only package that knows Iceberg (github.com/apache/iceberg-go).
//
// The catalog is iceberg-go's SQL catalog on a *sql.DB of the metadata store (its tables iceberg_tables and
// iceberg_namespace_properties beside the store's own): a commit is a conditional UPDATE of the table's metadata
// location, so commits are atomic and serialized whatever the number of writers, and a writer that lost the race
// retries on the new metadata.
//
// Every data, manifest and metadata file goes through the object store (Objects) under s3:// paths, written and
// read as Security Lake does on AWS: by a session of the resource-management service-linked role
// (AWSServiceRoleForSecurityLakeResourceManagement, Config.Sessions) in the lake's account when that role exists
// (CreateDataLake creates it), else by the Security Lake service principal (securitylake.amazonaws.com) acting
// for the data lake (a lake made by ingestion alone), with the bucket's default encryption: the role's
// permissions, the bucket policy and the lake key's policy decide whether the lake can write,
// and a refusal comes back as objstore's *DeliveryError naming the missing statement, before anything is
// committed. Files written by a failed append are not referenced by any snapshot, so readers never see them.
//
// Append writes one zstd Parquet data file per partition (rows sorted by time) and commits them in one snapshot.
//
// Maintenance (Lake.Maintain, the worker job table.maintain): Compact bin-packs a partition's small files into
// files of the target size in one replace snapshot, ExpireSnapshots drops old snapshots and deletes the files
// only they referenced, RemoveOrphans deletes old unreferenced files, and every commit deletes the metadata
// files beyond the table's metadata log (write.metadata.previous-versions-max).
//
// Not yet here (issue 17): ingestion, the REST and Glue catalogs.
package table

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/ocsf/shape"
)

// Principal is the service principal the lake writes its tables as when its account has no resource-management
// role, and reads customers' raw buckets as.
const Principal = "securitylake.amazonaws.com"

// ResourceManagementPrincipal is the service that assumes the lake's resource-management role.
const ResourceManagementPrincipal = "resource-management.securitylake.amazonaws.com"

// ResourceManagementRoleARN is the ARN of Security Lake's resource-management service-linked role in account.
func ResourceManagementRoleARN(account string) string {
	return "arn:aws:iam::" + account + ":role/aws-service-role/" + ResourceManagementPrincipal +
		"/AWSServiceRoleForSecurityLakeResourceManagement"
}

// Sessions gives the sessions of Security Lake's resource-management role for a lake: nil (and no error) when
// the account has no such role. *stack's IAM adapter satisfies it.
type Sessions interface {
	ResourceManagementSession(ctx context.Context, account, region string, src actor.Source) (*actor.Caller, error)
}

// Config configures a Lake.
type Config struct {
	// DB is the metadata store's database, where the catalog keeps its two tables, and Dialect its SQL dialect
	// ("sqlite" or "postgres"). The Lake does not close DB.
	DB      *sql.DB
	Dialect string
	// Objects is the object store holding the lake bucket.
	Objects Objects
	// Bucket is the lake bucket of Region; Account is the lake's account (the delegated administrator).
	Bucket, Region, Account string
	Clock                   clock.Clock
	// Sessions, if set, gives the sessions the lake reads and writes its bucket as (nil: the service principal).
	Sessions Sessions
}

// Lake is the tables of one region's lake bucket.
type Lake struct {
	cfg       Config
	cat       *sqlcat.Catalog
	id        string
	namespace icetable.Identifier
	meta      metaCache // tables as loaded for reads, by metadata location
	session   sessionCache
}

// Open opens the catalog of the lake in cfg.Bucket, creating the catalog's tables and the region's namespace
// (Security Lake's Glue database name) if needed.
func Open(ctx context.Context, cfg Config) (*Lake, error) {
	if cfg.DB == nil || cfg.Objects == nil || cfg.Bucket == "" || cfg.Region == "" || cfg.Account == "" {
		return nil, errors.New("table: Config needs DB, Objects, Bucket, Region and Account")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	l := &Lake{cfg: cfg, id: hex.EncodeToString(b),
		namespace: icetable.Identifier{"amazon_security_lake_glue_db_" + underscored(cfg.Region)}}
	if err := registerIO(l.id, &lakeIO{objects: cfg.Objects, caller: l.caller}); err != nil {
		return nil, err
	}
	cat, err := sqlcat.NewCatalog(cfg.Account, cfg.DB, sqlcat.SupportedDialect(cfg.Dialect),
		iceberg.Properties{ioKey: l.id})
	if err != nil {
		unregisterIO(l.id)
		return nil, fmt.Errorf("table: open the catalog: %w", err)
	}
	l.cat = cat
	err = cat.CreateNamespace(ctx, l.namespace, iceberg.Properties{"comment": "Security Lake tables of " + cfg.Region})
	if err != nil && !errors.Is(err, catalog.ErrNamespaceAlreadyExists) {
		l.Close()
		return nil, fmt.Errorf("table: create namespace %s: %w", l.namespace[0], err)
	}
	return l, nil
}

// Close releases the lake's file IO; the catalog's database stays open.
func (l *Lake) Close() error {
	unregisterIO(l.id)
	return nil
}

// caller is who the lake reads and writes its bucket as: a session of the account's resource-management role,
// or the lake's service principal, acting for the data lake of its account and region.
func (l *Lake) caller(ctx context.Context) *actor.Caller {
	src := actor.Source{ARN: "arn:aws:securitylake:" + l.cfg.Region + ":" + l.cfg.Account + ":data-lake/default",
		Account: l.cfg.Account}
	now := l.cfg.Clock.Now()
	if c := l.session.get(ctx, l.cfg, src, now); c != nil {
		return c
	}
	return actor.ServicePrincipal(Principal, l.cfg.Region, now, src)
}

// Source names a table: a Security Lake source (Custom empty: aws/<SOURCE>/<version>/) or a custom source
// (ext/<Custom>/<Version>/), with the columns of Shape.
type Source struct {
	Shape   *shape.Table
	Custom  string
	Version string
}

// AWS returns the Source of a Security Lake table ("vpc_flow").
func AWS(name string) (Source, error) {
	t, ok := shape.Lookup(name)
	if !ok {
		return Source{}, fmt.Errorf("table: no Security Lake table %q", name)
	}
	return Source{Shape: t, Version: t.Version}, nil
}

// prefix is the table's location in the bucket, without the trailing slash.
func (s Source) prefix() string {
	if s.Custom == "" {
		return "aws/" + s.Shape.Source + "/" + s.Version
	}
	return "ext/" + s.Custom + "/" + s.Version
}

// name is the table's name in the catalog, as Security Lake names its Glue tables.
func (s Source) name(region string) string {
	if s.Custom == "" {
		return s.Shape.GlueName(region)
	}
	return "amazon_security_lake_table_" + underscored(region) + "_ext_" + underscored(s.Custom) + "_" +
		underscored(s.Version)
}

func underscored(s string) string {
	return strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToLower(s))
}

// Table is one of the lake's tables.
type Table struct {
	lake  *Lake
	src   Source
	ident icetable.Identifier
	cols  *columns
}

// Table opens the table of src, creating it (empty) if it does not exist.
func (l *Lake) Table(ctx context.Context, src Source) (*Table, error) {
	if src.Shape == nil || src.Version == "" {
		return nil, errors.New("table: a Source needs Shape and Version")
	}
	cols, err := columnsOf(src.Shape)
	if err != nil {
		return nil, err
	}
	t := &Table{lake: l, src: src, ident: append(append(icetable.Identifier{}, l.namespace...),
		src.name(l.cfg.Region)), cols: cols}
	exists, err := l.cat.CheckTableExists(ctx, t.ident)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name(), err)
	}
	if exists {
		return t, nil
	}
	sc, err := icebergSchema(src.Shape)
	if err != nil {
		return nil, err
	}
	spec, err := partitionSpec(sc)
	if err != nil {
		return nil, err
	}
	props := iceberg.Properties{
		icetable.PropertyFormatVersion:    "2",
		"write.format.default":            "parquet",
		"write.parquet.compression-codec": "zstd",
		"seclake.source":                  src.prefix(),
	}
	maps.Copy(props, retentionProperties(DefaultPreviousVersionsMax))
	_, err = l.cat.CreateTable(ctx, t.ident, sc, catalog.WithLocation(t.Location()),
		catalog.WithPartitionSpec(&spec), catalog.WithProperties(props))
	if errors.Is(err, catalog.ErrTableAlreadyExists) {
		return t, nil // created by another writer meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("table %s: create: %w", t.Name(), err)
	}
	return t, nil
}

// Name is the table's name in the catalog (amazon_security_lake_table_us_east_1_vpc_flow_2_0).
func (t *Table) Name() string { return t.ident[len(t.ident)-1] }

// Identifier is the table's identifier in the catalog: the namespace, then the name.
func (t *Table) Identifier() []string { return append([]string(nil), t.ident...) }

// Location is the table's location: s3://<bucket>/aws/<SOURCE>/<version>.
func (t *Table) Location() string { return "s3://" + t.lake.cfg.Bucket + "/" + t.src.prefix() }

// Load returns the table's current Iceberg metadata, for scans.
func (t *Table) Load(ctx context.Context) (*icetable.Table, error) {
	return t.lake.cat.LoadTable(ctx, t.ident)
}
