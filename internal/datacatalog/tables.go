package datacatalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/table"
)

// Table is a table of the catalog: an Iceberg table of the lake's catalog (Iceberg set), or one kept here
// (Input set: its Glue TableInput as given, a plain Hive table or a resource link).
type Table struct {
	Database, Name string
	Iceberg        *table.TableInfo
	Input          json.RawMessage
	Created        time.Time
	Updated        time.Time
	// VersionID is the table's version: the count of its updates (Glue's VersionId).
	VersionID int
}

// storedTable is the record of a table kept here, with its earlier versions.
type storedTable struct {
	Database string          `json:"database"`
	Name     string          `json:"name"`
	Input    json.RawMessage `json:"input"`
	Created  time.Time       `json:"created"`
	Updated  time.Time       `json:"updated"`
	Version  int             `json:"version"`
	Earlier  []storedVersion `json:"earlier,omitempty"`
}

type storedVersion struct {
	Input   json.RawMessage `json:"input"`
	Updated time.Time       `json:"updated"`
}

func (t *storedTable) table() Table {
	return Table{Database: t.Database, Name: t.Name, Input: t.Input, Created: t.Created, Updated: t.Updated,
		VersionID: t.Version}
}

func tableKey(sc Scope, db, name string) string { return tablePrefix(sc, db) + name }

func (s *Service) stored(ctx context.Context, sc Scope, db, name string) (*storedTable, error) {
	var st *storedTable
	err := s.meta.View(ctx, func(tx meta.Tx) error {
		v, err := tx.Get(tablesTable, tableKey(sc, db, name))
		if errors.Is(err, meta.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		st = new(storedTable)
		return json.Unmarshal(v, st)
	})
	return st, err
}

// Tables lists the tables of database db (glue:GetTables).
func (s *Service) Tables(ctx context.Context, c *actor.Caller, sc Scope, db string) ([]Table, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetTables", db, ""); err != nil {
		return nil, err
	}
	d, err := s.database(ctx, sc, db)
	if err != nil {
		return nil, err
	}
	var out []Table
	if d.Iceberg {
		l, err := s.lake(ctx, sc)
		if err != nil {
			return nil, err
		}
		names, err := l.Tables(ctx, db)
		if err != nil {
			return nil, fromTable(err, db, "")
		}
		for _, n := range names {
			info, err := l.LoadTable(ctx, db, n)
			if err != nil {
				return nil, fromTable(err, db, n)
			}
			out = append(out, icebergTable(info))
		}
	}
	err = s.meta.View(ctx, func(tx meta.Tx) error {
		sts, err := meta.ScanJSON[storedTable](tx, tablesTable, meta.Range{Prefix: tablePrefix(sc, db)})
		for _, st := range sts {
			out = append(out, st.table())
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.visibleTables(ctx, c, sc, db, out)
}

// IcebergTableNames lists the names of the Iceberg tables of database db (glue:GetTables) without loading
// them, for the Iceberg REST catalog's ListTables.
func (s *Service) IcebergTableNames(ctx context.Context, c *actor.Caller, sc Scope, db string) ([]string, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetTables", db, ""); err != nil {
		return nil, err
	}
	d, err := s.database(ctx, sc, db)
	if err != nil || !d.Iceberg {
		return nil, err
	}
	l, err := s.lake(ctx, sc)
	if err != nil {
		return nil, err
	}
	names, err := l.Tables(ctx, db)
	return names, fromTable(err, db, "")
}

func icebergTable(info *table.TableInfo) Table {
	up := time.UnixMilli(info.LastUpdatedMs).UTC()
	return Table{Database: info.Namespace, Name: info.Name, Iceberg: info, Updated: up, Created: up,
		VersionID: len(info.PreviousMetadataLocations)}
}

// Table returns table name of database db (glue:GetTable).
func (s *Service) Table(ctx context.Context, c *actor.Caller, sc Scope, db, name string) (Table, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetTable", db, name); err != nil {
		return Table{}, err
	}
	return s.table(ctx, sc, db, name)
}

func (s *Service) table(ctx context.Context, sc Scope, db, name string) (Table, error) {
	d, err := s.database(ctx, sc, db)
	if err != nil {
		return Table{}, err
	}
	st, err := s.stored(ctx, sc, db, name)
	if err != nil || st != nil {
		if st == nil {
			return Table{}, err
		}
		return st.table(), nil
	}
	if !d.Iceberg {
		return Table{}, errNoTable(db, name)
	}
	l, err := s.lake(ctx, sc)
	if err != nil {
		return Table{}, err
	}
	info, err := l.LoadTable(ctx, db, name)
	if err != nil {
		return Table{}, fromTable(err, db, name)
	}
	return icebergTable(info), nil
}

// CreateTable keeps a table that is not Iceberg (a Hive table, a resource link) in database db
// (glue:CreateTable); input is its Glue TableInput.
func (s *Service) CreateTable(ctx context.Context, c *actor.Caller, sc Scope, db string, input json.RawMessage) error {
	name := inputName(input)
	if err := s.authorize(ctx, c, sc, "glue:CreateTable", db, name); err != nil {
		return err
	}
	if err := checkInput(input); err != nil {
		return err
	}
	if _, err := s.table(ctx, sc, db, name); err == nil {
		return errExists("Table already exists.")
	} else if !isNotFound(err) || IsNoDatabase(err) {
		return err
	}
	now := s.clock.Now().UTC()
	v, err := json.Marshal(storedTable{Database: db, Name: name, Input: input, Created: now, Updated: now})
	if err != nil {
		return err
	}
	err = s.meta.Update(ctx, func(tx meta.Tx) error { return tx.Insert(tablesTable, tableKey(sc, db, name), v) })
	if errors.Is(err, meta.ErrExists) {
		return errExists("Table already exists.")
	}
	return err
}

func isNotFound(err error) bool {
	e, ok := awserr.As(err)
	return ok && e.Code == "EntityNotFoundException"
}

// CreateIcebergTable creates an Iceberg table in namespace db of the lake's catalog (glue:CreateTable).
func (s *Service) CreateIcebergTable(ctx context.Context, c *actor.Caller, sc Scope, db string, req table.CreateTableRequest) (*table.TableInfo, error) {
	if err := s.authorize(ctx, c, sc, "glue:CreateTable", db, req.Name); err != nil {
		return nil, err
	}
	l, err := s.lake(ctx, sc)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, errNoLake(sc)
	}
	if st, err := s.stored(ctx, sc, db, req.Name); err != nil || st != nil {
		if st != nil {
			return nil, errExists("Table already exists.")
		}
		return nil, err
	}
	info, err := l.CreateTable(ctx, db, req)
	return info, fromTable(err, db, req.Name)
}

// UpdateTable replaces the TableInput of a table kept here (glue:UpdateTable), keeping the earlier one as a
// version. An Iceberg table changes only its metadata file, as Iceberg's Glue catalog commits: Parameters
// metadata_location (the new file) and previous_metadata_location (the current one, checked), and versionID
// when given ("" skips the check).
func (s *Service) UpdateTable(ctx context.Context, c *actor.Caller, sc Scope, db string, input json.RawMessage, versionID string) error {
	name := inputName(input)
	if err := s.authorize(ctx, c, sc, "glue:UpdateTable", db, name); err != nil {
		return err
	}
	t, err := s.table(ctx, sc, db, name)
	if err != nil {
		return err
	}
	if versionID != "" && versionID != strconv.Itoa(t.VersionID) {
		return fromTable(fmt.Errorf("%w: version %s is not the table's current version %d", table.ErrCommitFailed,
			versionID, t.VersionID), db, name)
	}
	if t.Iceberg != nil {
		return s.swapMetadata(ctx, sc, t, input)
	}
	if err := checkInput(input); err != nil {
		return err
	}
	key, now := tableKey(sc, db, name), s.clock.Now().UTC()
	return s.meta.Update(ctx, func(tx meta.Tx) error {
		v, err := tx.Get(tablesTable, key)
		if errors.Is(err, meta.ErrNotFound) {
			return errNoTable(db, name)
		}
		if err != nil {
			return err
		}
		var st storedTable
		if err := json.Unmarshal(v, &st); err != nil {
			return err
		}
		st.Earlier = append(st.Earlier, storedVersion{Input: st.Input, Updated: st.Updated})
		st.Input, st.Updated = input, now
		st.Version++
		if v, err = json.Marshal(st); err != nil {
			return err
		}
		return tx.Put(tablesTable, key, v)
	})
}

// CommitTable commits updates to Iceberg table db.name when its requirements hold (glue:UpdateTable).
func (s *Service) CommitTable(ctx context.Context, c *actor.Caller, sc Scope, db, name string, reqs, updates json.RawMessage) (*table.TableInfo, error) {
	if err := s.authorize(ctx, c, sc, "glue:UpdateTable", db, name); err != nil {
		return nil, err
	}
	l, err := s.lake(ctx, sc)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, errNoTable(db, name)
	}
	info, err := l.CommitTable(ctx, db, name, reqs, updates)
	return info, fromTable(err, db, name)
}

// DeleteTable deletes table db.name (glue:DeleteTable); an Iceberg table leaves the catalog, its files stay.
func (s *Service) DeleteTable(ctx context.Context, c *actor.Caller, sc Scope, db, name string) error {
	if err := s.authorize(ctx, c, sc, "glue:DeleteTable", db, name); err != nil {
		return err
	}
	t, err := s.table(ctx, sc, db, name)
	if err != nil {
		return err
	}
	if t.Iceberg != nil {
		l, err := s.lake(ctx, sc)
		if err != nil {
			return err
		}
		return fromTable(l.DropTable(ctx, db, name), db, name)
	}
	return s.meta.Update(ctx, func(tx meta.Tx) error { return tx.Delete(tablesTable, tableKey(sc, db, name)) })
}

// Version is one version of a table.
type Version struct {
	ID    string
	Table Table
}

// TableVersions lists the versions of table db.name, newest first (glue:GetTableVersions): an Iceberg table's
// metadata files (the current one and its metadata log), or a kept table's inputs.
func (s *Service) TableVersions(ctx context.Context, c *actor.Caller, sc Scope, db, name string) ([]Version, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetTableVersions", db, name); err != nil {
		return nil, err
	}
	t, err := s.table(ctx, sc, db, name)
	if err != nil {
		return nil, err
	}
	out := []Version{{ID: strconv.Itoa(t.VersionID), Table: t}}
	if t.Iceberg != nil {
		prev := t.Iceberg.PreviousMetadataLocations
		for i := len(prev) - 1; i >= 0; i-- {
			info := *t.Iceberg
			info.MetadataLocation, info.Metadata = prev[i], nil
			v := t
			v.Iceberg, v.VersionID = &info, i
			out = append(out, Version{ID: strconv.Itoa(i), Table: v})
		}
		return out, nil
	}
	st, err := s.stored(ctx, sc, db, name)
	if err != nil || st == nil {
		return out, err
	}
	for i := len(st.Earlier) - 1; i >= 0; i-- {
		v := st.table()
		v.Input, v.Updated, v.VersionID = st.Earlier[i].Input, st.Earlier[i].Updated, i
		out = append(out, Version{ID: strconv.Itoa(i), Table: v})
	}
	return out, nil
}

// Partitions lists the partitions of table db.name with data (glue:GetPartitions): for an Iceberg table, the
// partition values of its current snapshot's data files (region, accountid, eventday for the lake's tables);
// a kept table has none.
func (s *Service) Partitions(ctx context.Context, c *actor.Caller, sc Scope, db, name string) (Table, []table.Partition, error) {
	if err := s.authorize(ctx, c, sc, "glue:GetPartitions", db, name); err != nil {
		return Table{}, nil, err
	}
	t, err := s.table(ctx, sc, db, name)
	if err != nil || t.Iceberg == nil {
		return t, nil, err
	}
	l, err := s.lake(ctx, sc)
	if err != nil {
		return t, nil, err
	}
	parts, err := l.Partitions(ctx, db, name)
	return t, parts, fromTable(err, db, name)
}

// inputName is the Name of a Glue TableInput, "" when it has none.
func inputName(raw json.RawMessage) string {
	var ti struct{ Name string }
	_ = json.Unmarshal(raw, &ti)
	return ti.Name
}

// checkInput checks a Glue TableInput. An Iceberg table (table_type=ICEBERG) is made through the Iceberg REST
// catalog, which writes its schema and first metadata.
func checkInput(raw json.RawMessage) error {
	var ti struct {
		Name       string
		Parameters map[string]string
	}
	if len(raw) == 0 || string(raw) == "null" {
		return errInvalid("TableInput is required.")
	}
	if err := json.Unmarshal(raw, &ti); err != nil {
		return errInvalid("TableInput is not valid: %v", err)
	}
	if err := validName(ti.Name); err != nil {
		return err
	}
	for k, v := range ti.Parameters {
		if strings.EqualFold(k, "table_type") && strings.EqualFold(v, "ICEBERG") {
			return errInvalid("Create Iceberg tables through the Iceberg REST catalog (/iceberg), which writes " +
				"their metadata; Glue's CreateTable keeps Hive tables and resource links.")
		}
	}
	return nil
}

// swapMetadata commits an engine's new metadata file to Iceberg table t, from a Glue TableInput.
func (s *Service) swapMetadata(ctx context.Context, sc Scope, t Table, input json.RawMessage) error {
	var ti struct{ Parameters map[string]string }
	if err := json.Unmarshal(input, &ti); err != nil {
		return errInvalid("TableInput is not valid: %v", err)
	}
	loc, prev := ti.Parameters["metadata_location"], ti.Parameters["previous_metadata_location"]
	if loc == "" || loc == t.Iceberg.MetadataLocation {
		return errInvalid("Table %s.%s is an Iceberg table: UpdateTable changes only its metadata_location "+
			"(with previous_metadata_location), as Iceberg's Glue catalog commits; or commit through the Iceberg "+
			"REST catalog at /iceberg.", t.Database, t.Name)
	}
	if prev == "" {
		prev = t.Iceberg.MetadataLocation
	}
	l, err := s.lake(ctx, sc)
	if err != nil {
		return err
	}
	_, err = l.SwapMetadata(ctx, t.Database, t.Name, prev, loc)
	return fromTable(err, t.Database, t.Name)
}
