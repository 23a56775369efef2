package table

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"
)

// The catalog view's errors; the catalog APIs turn them into their own (NoSuchTableException,
// EntityNotFoundException, …). Each wraps iceberg-go's error where there is one.
var (
	ErrNoSuchNamespace      = errors.New("no such namespace")
	ErrNoSuchTable          = errors.New("no such table")
	ErrNamespaceExists      = errors.New("namespace already exists")
	ErrTableExists          = errors.New("table already exists")
	ErrNamespaceNotEmpty    = errors.New("namespace is not empty")
	ErrCommitFailed         = errors.New("commit failed: a requirement does not hold on the current metadata")
	ErrInvalidCatalogObject = errors.New("invalid catalog request")
)

// catalogError maps iceberg-go's catalog errors to the view's, keeping the message.
func catalogError(err error) error {
	var sentinel error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, catalog.ErrNoSuchNamespace):
		sentinel = ErrNoSuchNamespace
	case errors.Is(err, catalog.ErrNoSuchTable):
		sentinel = ErrNoSuchTable
	case errors.Is(err, catalog.ErrNamespaceAlreadyExists):
		sentinel = ErrNamespaceExists
	case errors.Is(err, catalog.ErrTableAlreadyExists):
		sentinel = ErrTableExists
	case errors.Is(err, catalog.ErrNamespaceNotEmpty):
		sentinel = ErrNamespaceNotEmpty
	case errors.Is(err, icetable.ErrCommitFailed):
		sentinel = ErrCommitFailed
	case errors.Is(err, catalog.ErrInvalidIdentifier):
		sentinel = ErrInvalidCatalogObject
	default:
		return err
	}
	return fmt.Errorf("%w: %v", sentinel, err)
}

// Namespace is the lake's namespace: Security Lake's Glue database of the region.
func (l *Lake) Namespace() string { return l.namespace[0] }

// PropRegion is the namespace property that names the region a namespace was created in. The account's
// catalog holds the namespaces of all its lakes; each lake shows those of its region (and those without the
// property other than other regions' lake namespaces).
const PropRegion = "seclake.region"

const lakeNamespacePrefix = "amazon_security_lake_glue_db_"

// inRegion reports whether namespace ns, with props, belongs to the lake's region.
func (l *Lake) inRegion(ns string, props map[string]string) bool {
	if r, ok := props[PropRegion]; ok {
		return r == l.cfg.Region
	}
	return !strings.HasPrefix(ns, lakeNamespacePrefix) || ns == l.Namespace()
}

// Namespaces lists the namespaces of the lake's region in the account's catalog.
func (l *Lake) Namespaces(ctx context.Context) ([]string, error) {
	ids, err := l.cat.ListNamespaces(ctx, nil)
	if err != nil {
		return nil, catalogError(err)
	}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		ns := strings.Join(id, ".")
		props, err := l.cat.LoadNamespaceProperties(ctx, id)
		if err != nil {
			return nil, catalogError(err)
		}
		if l.inRegion(ns, props) {
			out = append(out, ns)
		}
	}
	return out, nil
}

// NamespaceProperties returns the properties of namespace ns; a namespace of another region is
// ErrNoSuchNamespace.
func (l *Lake) NamespaceProperties(ctx context.Context, ns string) (map[string]string, error) {
	props, err := l.cat.LoadNamespaceProperties(ctx, icetable.Identifier{ns})
	if err != nil {
		return nil, catalogError(err)
	}
	if !l.inRegion(ns, props) {
		return nil, fmt.Errorf("%w: %s is a namespace of another region", ErrNoSuchNamespace, ns)
	}
	return props, nil
}

// CreateNamespace creates namespace ns with props, in the lake's region. Namespace names are unique across the
// account's regions.
func (l *Lake) CreateNamespace(ctx context.Context, ns string, props map[string]string) error {
	p := iceberg.Properties{PropRegion: l.cfg.Region}
	for k, v := range props {
		p[k] = v
	}
	return catalogError(retryWrite(ctx, func() error { return l.cat.CreateNamespace(ctx, icetable.Identifier{ns}, p) }))
}

// DropNamespace drops the empty namespace ns. The lake's own namespace cannot be dropped.
func (l *Lake) DropNamespace(ctx context.Context, ns string) error {
	if ns == l.Namespace() {
		return fmt.Errorf("%w: %s is the data lake's namespace", ErrNamespaceNotEmpty, ns)
	}
	if _, err := l.NamespaceProperties(ctx, ns); err != nil {
		return err
	}
	return catalogError(retryWrite(ctx, func() error { return l.cat.DropNamespace(ctx, icetable.Identifier{ns}) }))
}

// Tables lists the names of the tables of namespace ns.
func (l *Lake) Tables(ctx context.Context, ns string) ([]string, error) {
	if _, err := l.NamespaceProperties(ctx, ns); err != nil {
		return nil, err
	}
	var out []string
	for id, err := range l.cat.ListTables(ctx, icetable.Identifier{ns}) {
		if err != nil {
			return nil, catalogError(err)
		}
		out = append(out, id[len(id)-1])
	}
	return out, nil
}

// TableInfo is a table of the catalog as the catalog APIs show it: its Iceberg metadata as JSON (what the Iceberg
// REST API returns) and the Hive view of its columns (what Glue returns).
type TableInfo struct {
	Namespace, Name  string
	Location         string
	MetadataLocation string
	// PreviousMetadataLocations are the table's earlier metadata files, oldest first (its metadata log).
	PreviousMetadataLocations []string
	Metadata                  json.RawMessage
	Columns                   []Column
	// PartitionKeys are the source columns of the table's partition fields, in order.
	PartitionKeys []string
	Properties    map[string]string
	UUID          string
	LastUpdatedMs int64
}

// clone is a copy of i that shares nothing it could change.
func (i *TableInfo) clone() *TableInfo {
	c := *i
	c.PreviousMetadataLocations = slices.Clone(i.PreviousMetadataLocations)
	c.Metadata = slices.Clone(i.Metadata)
	c.Columns = slices.Clone(i.Columns)
	c.PartitionKeys = slices.Clone(i.PartitionKeys)
	c.Properties = maps.Clone(i.Properties)
	return &c
}

// Column is a column in Hive's terms: its name and type ("string", "struct<a:int>", "array<string>").
type Column struct {
	Name, Type, Comment string
}

// loadTable loads table ns.name of the lake's region.
func (l *Lake) loadTable(ctx context.Context, ns, name string) (*icetable.Table, error) {
	if _, err := l.NamespaceProperties(ctx, ns); err != nil {
		return nil, err
	}
	t, err := l.cat.LoadTable(ctx, icetable.Identifier{ns, name})
	return t, catalogError(err)
}

// LoadTable returns the table name of namespace ns.
func (l *Lake) LoadTable(ctx context.Context, ns, name string) (*TableInfo, error) {
	_, info, err := l.readTable(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	return info.clone(), nil
}

func tableInfo(ns, name string, md icetable.Metadata, loc string) (*TableInfo, error) {
	raw, err := json.Marshal(md)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: encode metadata: %w", ns, name, err)
	}
	info := &TableInfo{Namespace: ns, Name: name, Location: md.Location(), MetadataLocation: loc, Metadata: raw,
		Properties: md.Properties(), UUID: md.TableUUID().String(), LastUpdatedMs: md.LastUpdatedMillis()}
	for e := range md.PreviousFiles() {
		info.PreviousMetadataLocations = append(info.PreviousMetadataLocations, e.MetadataFile)
	}
	sc := md.CurrentSchema()
	for _, f := range sc.Fields() {
		info.Columns = append(info.Columns, Column{Name: f.Name, Type: hiveType(f.Type), Comment: f.Doc})
	}
	spec := md.PartitionSpec()
	for _, pf := range spec.Fields() {
		if len(pf.SourceIDs) == 0 {
			continue
		}
		if f, ok := sc.FindFieldByID(pf.SourceIDs[0]); ok {
			info.PartitionKeys = append(info.PartitionKeys, f.Name)
		}
	}
	return info, nil
}

// hiveType spells an Iceberg type as Hive (and Glue, and Athena) do.
func hiveType(t iceberg.Type) string {
	switch t := t.(type) {
	case iceberg.BooleanType:
		return "boolean"
	case iceberg.Int32Type:
		return "int"
	case iceberg.Int64Type:
		return "bigint"
	case iceberg.Float32Type:
		return "float"
	case iceberg.Float64Type:
		return "double"
	case iceberg.DateType:
		return "date"
	case iceberg.TimestampType, iceberg.TimestampTzType, iceberg.TimestampNsType, iceberg.TimestampTzNsType:
		return "timestamp"
	case iceberg.BinaryType, iceberg.FixedType:
		return "binary"
	case iceberg.DecimalType:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision(), t.Scale())
	case *iceberg.ListType:
		return "array<" + hiveType(t.Element) + ">"
	case *iceberg.MapType:
		return "map<" + hiveType(t.KeyType) + "," + hiveType(t.ValueType) + ">"
	case *iceberg.StructType:
		parts := make([]string, 0, len(t.FieldList))
		for _, f := range t.FieldList {
			parts = append(parts, f.Name+":"+hiveType(f.Type))
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	return "string" // string, uuid, time and anything newer
}

// CreateTableRequest is the Iceberg REST catalog's CreateTableRequest (its JSON fields), decoded by the view.
type CreateTableRequest struct {
	Name          string            `json:"name"`
	Location      string            `json:"location,omitempty"`
	Schema        json.RawMessage   `json:"schema"`
	PartitionSpec json.RawMessage   `json:"partition-spec,omitempty"`
	WriteOrder    json.RawMessage   `json:"write-order,omitempty"`
	StageCreate   bool              `json:"stage-create,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
}

// CreateTable creates a table in namespace ns from an Iceberg REST CreateTableRequest. Without a location the
// table goes under the lake bucket's ext/<namespace>/<name>.
func (l *Lake) CreateTable(ctx context.Context, ns string, req CreateTableRequest) (*TableInfo, error) {
	if req.Name == "" || len(req.Schema) == 0 {
		return nil, fmt.Errorf("%w: a table needs a name and a schema", ErrInvalidCatalogObject)
	}
	if req.StageCreate {
		return nil, fmt.Errorf("%w: staged creates (stage-create) are not supported", ErrInvalidCatalogObject)
	}
	var sc iceberg.Schema
	if err := json.Unmarshal(req.Schema, &sc); err != nil {
		return nil, fmt.Errorf("%w: schema: %v", ErrInvalidCatalogObject, err)
	}
	loc := req.Location
	if loc == "" {
		loc = "s3://" + l.cfg.Bucket + "/ext/" + ns + "/" + req.Name
	}
	opts := []catalog.CreateTableOpt{catalog.WithLocation(strings.TrimSuffix(loc, "/")),
		catalog.WithProperties(req.Properties)}
	if len(req.PartitionSpec) > 0 && string(req.PartitionSpec) != "null" {
		var spec iceberg.PartitionSpec
		if err := json.Unmarshal(req.PartitionSpec, &spec); err != nil {
			return nil, fmt.Errorf("%w: partition-spec: %v", ErrInvalidCatalogObject, err)
		}
		opts = append(opts, catalog.WithPartitionSpec(&spec))
	}
	if len(req.WriteOrder) > 0 && string(req.WriteOrder) != "null" {
		var order icetable.SortOrder
		if err := json.Unmarshal(req.WriteOrder, &order); err != nil {
			return nil, fmt.Errorf("%w: write-order: %v", ErrInvalidCatalogObject, err)
		}
		opts = append(opts, catalog.WithSortOrder(order))
	}
	if _, err := l.NamespaceProperties(ctx, ns); err != nil {
		return nil, err
	}
	var t *icetable.Table
	err := retryWrite(ctx, func() (err error) {
		t, err = l.cat.CreateTable(ctx, icetable.Identifier{ns, req.Name}, &sc, opts...)
		return err
	})
	if err != nil {
		return nil, catalogError(err)
	}
	return tableInfo(ns, req.Name, t.Metadata(), t.MetadataLocation())
}

// CommitTable applies an Iceberg REST CommitTableRequest's updates to table ns.name when its requirements hold,
// through iceberg-go's catalog: its conditional UPDATE serializes the commit with the lake's own appends. A
// requirement that does not hold, or a concurrent commit, is ErrCommitFailed.
func (l *Lake) CommitTable(ctx context.Context, ns, name string, requirements, updates json.RawMessage) (*TableInfo, error) {
	var reqs icetable.Requirements
	var upds icetable.Updates
	if len(requirements) > 0 && string(requirements) != "null" {
		if err := json.Unmarshal(requirements, &reqs); err != nil {
			return nil, fmt.Errorf("%w: requirements: %v", ErrInvalidCatalogObject, err)
		}
	}
	if len(updates) > 0 && string(updates) != "null" {
		if err := json.Unmarshal(updates, &upds); err != nil {
			return nil, fmt.Errorf("%w: updates: %v", ErrInvalidCatalogObject, err)
		}
	}
	ident := icetable.Identifier{ns, name}
	cur, err := l.loadTable(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	for _, r := range reqs {
		if err := r.Validate(cur.Metadata()); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCommitFailed, err)
		}
	}
	var md icetable.Metadata
	var loc string
	err = retryWrite(ctx, func() (err error) {
		md, loc, err = l.cat.CommitTable(ctx, ident, reqs, upds)
		return err
	})
	if err != nil {
		// A commit that landed between the check above and this one makes the catalog's own check fail with a
		// plain error: a requirement that no longer holds is a lost race, which the client retries.
		if now, lerr := l.loadTable(ctx, ns, name); lerr == nil {
			for _, r := range reqs {
				if verr := r.Validate(now.Metadata()); verr != nil {
					return nil, fmt.Errorf("%w: %v", ErrCommitFailed, verr)
				}
			}
		}
		return nil, catalogError(err)
	}
	return tableInfo(ns, name, md, loc)
}

// DropTable removes table ns.name from the catalog; its files stay (Iceberg's drop without purge).
func (l *Lake) DropTable(ctx context.Context, ns, name string) error {
	if _, err := l.NamespaceProperties(ctx, ns); err != nil {
		return err
	}
	return catalogError(retryWrite(ctx, func() error { return l.cat.DropTable(ctx, icetable.Identifier{ns, name}) }))
}

// Partition is one partition of a table: the values of its partition keys, in order, and its file count.
type Partition struct {
	Values []string
	Files  int
}

// Partitions lists the partitions of table ns.name that hold data in its current snapshot, from its manifests.
func (l *Lake) Partitions(ctx context.Context, ns, name string) ([]Partition, error) {
	t, err := l.loadTable(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	if t.CurrentSnapshot() == nil {
		return nil, nil
	}
	spec := t.Spec()
	var ids []int
	for _, pf := range spec.Fields() {
		ids = append(ids, pf.FieldID)
	}
	tasks, err := t.Scan().PlanFiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("table %s.%s: plan files: %w", ns, name, err)
	}
	var out []Partition
	index := map[string]int{}
	for _, task := range tasks {
		pv := task.File.Partition()
		values := make([]string, len(ids))
		for i, id := range ids {
			if v, ok := pv[id]; ok && v != nil {
				values[i] = fmt.Sprint(v)
			}
		}
		key := strings.Join(values, "\x00")
		if i, ok := index[key]; ok {
			out[i].Files++
			continue
		}
		index[key] = len(out)
		out = append(out, Partition{Values: values, Files: 1})
	}
	sort.Slice(out, func(i, j int) bool { return slices.Compare(out[i].Values, out[j].Values) < 0 })
	return out, nil
}

// Rows counts the rows of table ns.name's current snapshot, from its manifests (the record counts of its data
// files; the lake's tables have no delete files).
func (l *Lake) Rows(ctx context.Context, ns, name string) (int64, error) {
	t, err := l.loadTable(ctx, ns, name)
	if err != nil {
		return 0, err
	}
	if t.CurrentSnapshot() == nil {
		return 0, nil
	}
	tasks, err := t.Scan().PlanFiles(ctx)
	if err != nil {
		return 0, fmt.Errorf("table %s.%s: plan files: %w", ns, name, err)
	}
	var n int64
	for _, task := range tasks {
		n += task.File.Count()
	}
	return n, nil
}

// UpdateNamespaceProperties removes and sets properties of namespace ns, and returns the keys removed, set, and
// asked to be removed but absent. The region property cannot change.
func (l *Lake) UpdateNamespaceProperties(ctx context.Context, ns string, removals []string, updates map[string]string) (removed, updated, missing []string, err error) {
	if _, err := l.NamespaceProperties(ctx, ns); err != nil {
		return nil, nil, nil, err
	}
	if _, ok := updates[PropRegion]; ok || slices.Contains(removals, PropRegion) {
		return nil, nil, nil, fmt.Errorf("%w: %s cannot change", ErrInvalidCatalogObject, PropRegion)
	}
	var sum catalog.PropertiesUpdateSummary
	err = retryWrite(ctx, func() (err error) {
		sum, err = l.cat.UpdateNamespaceProperties(ctx, icetable.Identifier{ns}, removals, updates)
		return err
	})
	if err != nil {
		return nil, nil, nil, catalogError(err)
	}
	return sum.Removed, sum.Updated, sum.Missing, nil
}
