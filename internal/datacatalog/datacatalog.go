// Package datacatalog is the AWS Glue Data Catalog of seclake: the databases and tables of each account and
// region, as the Glue API (api/glue) and the Iceberg REST catalog Glue serves (api/icebergrest) show them.
//
// In a region where the account has a data lake, databases are the namespaces of the account's Iceberg catalog
// (package table), Security Lake's amazon_security_lake_glue_db_<region> among them, and Iceberg tables are
// that catalog's tables. Tables that are not Iceberg (plain Hive tables, resource links with a TargetTable) are
// kept here, in the metadata store (table glue.tables), and so are the databases of regions without a lake
// (glue.databases). Every method authorizes its glue:* action on the catalog, database and table ARNs, as Glue
// does, and answers Glue's errors (EntityNotFoundException, AlreadyExistsException, InvalidInputException,
// AccessDeniedException).
package datacatalog

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/table"
)

// EventSource is Glue's eventSource on the audit trail.
const EventSource = "glue.amazonaws.com"

// Lakes is what the catalog needs of the data lakes: the lake of an account in a region, if it has one.
type Lakes interface {
	Get(ctx context.Context, account, region string) (table.LakeInfo, bool, error)
	Open(ctx context.Context, account, region string) (*table.Lake, error)
}

// Service is the Data Catalog.
type Service struct {
	lakes Lakes
	meta  meta.Store
	authz actor.Authorizer
	clock clock.Clock
	// grants, when set, lets callers of other accounts read what Lake Formation granted their account.
	grants Grants
}

// New returns the Data Catalog over the lakes, with its own records in m.
func New(lakes Lakes, m meta.Store, authz actor.Authorizer, clk clock.Clock) *Service {
	if clk == nil {
		clk = clock.System
	}
	return &Service{lakes: lakes, meta: m, authz: authz, clock: clk}
}

const (
	databasesTable = "glue.databases"
	tablesTable    = "glue.tables"
)

// Database is a database of the catalog.
type Database struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	LocationURI string            `json:"locationUri,omitempty"`
	Parameters  map[string]string `json:"parameters,omitempty"`
	Created     time.Time         `json:"created"`
	// Iceberg is set for a namespace of the account's Iceberg catalog.
	Iceberg bool `json:"-"`
}

// Scope is where a request acts: the catalog's account (a CatalogId, or the caller's account) and region.
type Scope struct {
	Account, Region string
}

// ScopeOf returns the scope of a request by c naming catalogID ("" for the caller's own catalog).
func ScopeOf(c *actor.Caller, catalogID string) Scope {
	if catalogID == "" {
		catalogID = c.Account
	}
	return Scope{Account: catalogID, Region: c.Region}
}

func (s Scope) arn(resource string) string {
	return "arn:aws:glue:" + s.Region + ":" + s.Account + ":" + resource
}

// CatalogARN is the catalog's ARN.
func (s Scope) CatalogARN() string { return s.arn("catalog") }

// authorize asks for action on the catalog, then the database db and the table tbl when they are named, as
// Glue authorizes its operations on each resource of the path.
func (s *Service) authorize(ctx context.Context, c *actor.Caller, sc Scope, action, db, tbl string) error {
	shared, err := s.crossAccount(ctx, c, sc, action, db, tbl)
	if err != nil {
		return err
	}
	owner := sc.Account
	if shared {
		owner = c.Account // the grant stands for the catalog's resource policy: the caller's IAM policies decide
	}
	resources := []string{sc.CatalogARN()}
	if db != "" {
		resources = append(resources, sc.arn("database/"+db))
	}
	if tbl != "" {
		resources = append(resources, sc.arn("table/"+db+"/"+tbl))
	}
	for _, r := range resources {
		if s.lakeFormationRead(ctx, c, sc, action, r) {
			continue
		}
		err := actor.Check(ctx, s.authz, c, actor.Request{Action: action, Resource: r, ResourceAccount: owner},
			actor.AccessDeniedException)
		if err != nil {
			return err
		}
	}
	return nil
}

// Glue's errors.
func errNoDatabase(name string) error {
	return awserr.New("EntityNotFoundException", awserr.StatusBadRequest, "Database %s not found.", name)
}

func errNoTable(db, name string) error {
	return awserr.New("EntityNotFoundException", awserr.StatusBadRequest, "Table %s not found in database %s.", name, db)
}

func errInvalid(format string, args ...any) error {
	return awserr.New("InvalidInputException", awserr.StatusBadRequest, format, args...)
}

func errExists(format string, args ...any) error {
	return awserr.New("AlreadyExistsException", awserr.StatusBadRequest, format, args...)
}

// IsNoDatabase reports whether err is the error of a missing database (the Iceberg REST catalog answers
// NoSuchNamespaceException for it, NoSuchTableException for a missing table).
func IsNoDatabase(err error) bool {
	e, ok := awserr.As(err)
	return ok && e.Code == "EntityNotFoundException" && strings.HasPrefix(e.Message, "Database ")
}

// fromTable turns the catalog view's errors into Glue's.
func fromTable(err error, db, tbl string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, table.ErrNoSuchNamespace):
		return errNoDatabase(db)
	case errors.Is(err, table.ErrNoSuchTable):
		return errNoTable(db, tbl)
	case errors.Is(err, table.ErrNamespaceExists):
		return errExists("Database already exists.")
	case errors.Is(err, table.ErrTableExists):
		return errExists("Table already exists.")
	case errors.Is(err, table.ErrNamespaceNotEmpty):
		return errInvalid("Database %s is not empty: %v", db, err)
	case errors.Is(err, table.ErrCommitFailed):
		return awserr.New("ConcurrentModificationException", awserr.StatusBadRequest, "%v", err)
	case errors.Is(err, table.ErrInvalidCatalogObject):
		return errInvalid("%v", err)
	}
	return err
}

// lake returns the lake of sc, or nil when the account has none in the region.
func (s *Service) lake(ctx context.Context, sc Scope) (*table.Lake, error) {
	_, ok, err := s.lakes.Get(ctx, sc.Account, sc.Region)
	if err != nil || !ok {
		return nil, err
	}
	return s.lakes.Open(ctx, sc.Account, sc.Region)
}

func dbKey(sc Scope, name string) string { return sc.Account + "/" + sc.Region + "/" + name }

func tablePrefix(sc Scope, db string) string { return sc.Account + "/" + sc.Region + "/" + db + "\x00" }

// Databases lists the databases of sc (glue:GetDatabases).
func (s *Service) Databases(ctx context.Context, c *actor.Caller, sc Scope) ([]Database, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetDatabases", "", ""); err != nil {
		return nil, err
	}
	return s.databases(ctx, sc)
}

func (s *Service) databases(ctx context.Context, sc Scope) ([]Database, error) {
	var out []Database
	l, err := s.lake(ctx, sc)
	if err != nil {
		return nil, err
	}
	if l != nil {
		names, err := l.Namespaces(ctx)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			db, err := namespaceDatabase(ctx, l, n)
			if err != nil {
				return nil, err
			}
			out = append(out, db)
		}
	}
	err = s.meta.View(ctx, func(tx meta.Tx) error {
		dbs, err := meta.ScanJSON[Database](tx, databasesTable, meta.Range{Prefix: sc.Account + "/" + sc.Region + "/"})
		for _, d := range dbs {
			out = append(out, *d)
		}
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Namespace properties that hold a Glue database's fields.
const (
	propComment  = "comment"
	propLocation = "location"
	propCreated  = "seclake.created"
)

func namespaceDatabase(ctx context.Context, l *table.Lake, name string) (Database, error) {
	props, err := l.NamespaceProperties(ctx, name)
	if err != nil {
		return Database{}, fromTable(err, name, "")
	}
	db := databaseFromProperties(name, props)
	db.Iceberg = true
	return db, nil
}

// Database returns the database name of sc (glue:GetDatabase).
func (s *Service) Database(ctx context.Context, c *actor.Caller, sc Scope, name string) (Database, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetDatabase", name, ""); err != nil {
		return Database{}, err
	}
	return s.database(ctx, sc, name)
}

func (s *Service) database(ctx context.Context, sc Scope, name string) (Database, error) {
	l, err := s.lake(ctx, sc)
	if err != nil {
		return Database{}, err
	}
	if l != nil {
		db, err := namespaceDatabase(ctx, l, name)
		if !IsNoDatabase(err) {
			return db, err
		}
	}
	var db Database
	err = s.meta.View(ctx, func(tx meta.Tx) error {
		v, err := tx.Get(databasesTable, dbKey(sc, name))
		if errors.Is(err, meta.ErrNotFound) {
			return errNoDatabase(name)
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &db)
	})
	return db, err
}

// CreateDatabase creates a database in sc (glue:CreateDatabase): a namespace of the account's Iceberg catalog
// where the account has a lake in the region, else a record of its own.
func (s *Service) CreateDatabase(ctx context.Context, c *actor.Caller, sc Scope, db Database) error {
	if err := s.authorize(ctx, c, sc, "glue:CreateDatabase", db.Name, ""); err != nil {
		return err
	}
	if err := validName(db.Name); err != nil {
		return err
	}
	db.Created = s.clock.Now().UTC()
	l, err := s.lake(ctx, sc)
	if err != nil {
		return err
	}
	if l != nil {
		props := db.Properties()
		props[propCreated] = db.Created.Format(time.RFC3339Nano)
		return fromTable(l.CreateNamespace(ctx, db.Name, props), db.Name, "")
	}
	v, err := json.Marshal(db)
	if err != nil {
		return err
	}
	err = s.meta.Update(ctx, func(tx meta.Tx) error { return tx.Insert(databasesTable, dbKey(sc, db.Name), v) })
	if errors.Is(err, meta.ErrExists) {
		return errExists("Database already exists.")
	}
	return err
}

// DeleteDatabase deletes the database name of sc (glue:DeleteDatabase) with the tables kept here; a namespace
// that still holds Iceberg tables is refused (drop them first), as is the lake's own database.
func (s *Service) DeleteDatabase(ctx context.Context, c *actor.Caller, sc Scope, name string) error {
	if err := s.authorize(ctx, c, sc, "glue:DeleteDatabase", name, ""); err != nil {
		return err
	}
	db, err := s.database(ctx, sc, name)
	if err != nil {
		return err
	}
	if db.Iceberg {
		l, err := s.lake(ctx, sc)
		if err != nil {
			return err
		}
		if err := fromTable(l.DropNamespace(ctx, name), name, ""); err != nil {
			return err
		}
	}
	return s.meta.Update(ctx, func(tx meta.Tx) error {
		var keys []string
		err := tx.Scan(tablesTable, meta.Range{Prefix: tablePrefix(sc, name)}, func(k string, _ []byte) bool {
			keys = append(keys, k)
			return true
		})
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := tx.Delete(tablesTable, k); err != nil {
				return err
			}
		}
		if err := tx.Delete(databasesTable, dbKey(sc, name)); err != nil && !(db.Iceberg && errors.Is(err, meta.ErrNotFound)) {
			return err
		}
		return nil
	})
}

// validName checks a database or table name as Glue does (1 to 255 characters, no control characters); names
// are kept as given (Glue lowercases them; seclake's Security Lake names are lowercase already).
func validName(name string) error {
	if name == "" || len(name) > 255 {
		return errInvalid("The name %q must be 1 to 255 characters long.", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return errInvalid("The name %q holds a control character.", name)
		}
	}
	return nil
}

// Catalog checks that c may use the catalog of sc (glue:GetCatalog), as the Iceberg REST config endpoint does,
// and returns the lake bucket of the region ("" without a lake).
func (s *Service) Catalog(ctx context.Context, c *actor.Caller, sc Scope) (string, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetCatalog", "", ""); err != nil {
		return "", err
	}
	info, ok, err := s.lakes.Get(ctx, sc.Account, sc.Region)
	if err != nil || !ok {
		return "", err
	}
	return info.Bucket, nil
}

// errNoLake refuses Iceberg operations in a region where the account has no data lake.
func errNoLake(sc Scope) error {
	return errInvalid("Account %s has no data lake in %s: Iceberg tables live in a data lake's catalog; "+
		"create the region's data lake first.", sc.Account, sc.Region)
}
